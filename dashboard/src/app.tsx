/**
 * The dashboard page: header (leader, monitors, stream, theme), the overview strip (req/s, replicas,
 * gateway, policy per zone), the per-zone CPU and replicas charts over a chosen window (1/5/15 min),
 * one card per zone with its controls, the load generator, and the event log. Everything comes from `useClusterStream`; while reconnecting
 * the last state stays on screen, dimmed, under a banner.
 */
import { useState } from 'react';
import type { ClusterState } from '../../server/shared/types.ts';
import { ChartLegend } from './components/chart-legend.tsx';
import { CpuChart } from './components/cpu-chart.tsx';
import { EventsList } from './components/events-list.tsx';
import { Header } from './components/header.tsx';
import { LoadPanel } from './components/load-panel.tsx';
import { Overview } from './components/overview.tsx';
import { PolicySummary } from './components/policy-summary.tsx';
import { ReplicasChart } from './components/replicas-chart.tsx';
import { WindowPicker } from './components/window-picker.tsx';
import { ZoneCard } from './components/zone-card.tsx';
import { formatPercent, hostPort } from './format.ts';
import { WINDOW_MS } from './history.ts';
import type { StreamSnapshot } from './stream.ts';
import { useClusterStream } from './use-cluster-stream.ts';

function Banner({ snap }: { snap: StreamSnapshot }) {
  if (snap.status !== 'reconnecting') return null;
  return (
    <div className="banner" role="alert" data-testid="reconnect-banner">
      Stream from {snap.lostSource?.id != null ? `monitor ${snap.lostSource.id}` : 'the monitor'} lost
      {snap.lastError ? ` (${snap.lastError})` : ''} — switching to another replica; showing the last known
      state.
    </div>
  );
}

function Dashboard({ snap, state }: { snap: StreamSnapshot; state: ClusterState }) {
  const [windowMs, setWindowMs] = useState(WINDOW_MS);
  const zones = [...state.zones].sort((a, b) => a.zone.localeCompare(b.zone, undefined, { numeric: true }));
  const zoneIds = zones.map((z) => z.zone);
  const byZone = new Map(zones.map((z) => [z.zone, z]));
  const total = zones.reduce((n, z) => n + z.replicas, 0);
  return (
    <main className={`grid${snap.status === 'live' ? '' : ' stale'}`}>
      <Overview state={state} />
      <section className="card chart-cpu">
        <header className="panel-head">
          <h2>Zone CPU</h2>
          <PolicySummary policy={state.policy} />
          <WindowPicker value={windowMs} onChange={setWindowMs} />
        </header>
        <ChartLegend zones={zoneIds} value={(z) => formatPercent(byZone.get(z)?.avgCpu ?? null)} />
        <CpuChart
          series={snap.cpu}
          zones={zoneIds}
          policy={state.policy}
          now={state.now}
          windowMs={windowMs}
        />
      </section>
      <section className="card chart-replicas">
        <header className="panel-head">
          <h2>Replicas</h2>
          <span className="muted">
            total{' '}
            <strong className="num" data-testid="replicas-total">
              {total}
            </strong>
          </span>
        </header>
        <ChartLegend zones={zoneIds} value={(z) => String(byZone.get(z)?.replicas ?? '—')} />
        <ReplicasChart rows={snap.replicas} zones={zoneIds} state={state} windowMs={windowMs} />
      </section>
      <div className="zones">
        {zones.map((z) => (
          <ZoneCard
            key={z.zone}
            zone={z}
            policy={state.policy}
            monitor={snap.source.url}
            serverCpu={snap.serverCpu}
          />
        ))}
      </div>
      <LoadPanel monitor={snap.source.url} targets={[...(state.gateway ? ['gateway'] : []), ...zoneIds]} />
      <EventsList events={state.events} now={state.now} />
    </main>
  );
}

/** Root component. */
export function App() {
  const snap = useClusterStream();
  return (
    <div className="app" data-stream={snap.status}>
      <Header snap={snap} />
      <Banner snap={snap} />
      {snap.state === null ? (
        <main className="loading">
          <p>
            Waiting for the first state from <span className="mono">{hostPort(snap.source.url)}</span>…
          </p>
        </main>
      ) : (
        <Dashboard snap={snap} state={snap.state} />
      )}
    </div>
  );
}

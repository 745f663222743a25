/**
 * One zone: its balancer (URL, up/down), replicas (test id `zone-replicas-<zone>`), average CPU
 * against the policy's thresholds, and its servers grouped by the balancer's pool state (alive,
 * disconnected, dead, unknown), then the stray servers the balancer still holds; High / Low / Off for
 * the whole zone; its policy's last decision (`decision-line.tsx`); a dead balancer is called out; a
 * zone at zero (no app server) says so, and while its balancer holds requests for a new server it
 * says `activating` with the number held. Test ids `zone-card-<zone>`, `zone-alert-<zone>`,
 * `zone-scale-<zone>` (`data-scale`: `zero`, `activating`).
 */
import type { Policy, ServerView, ZoneView } from '../../../server/shared/types.ts';
import { formatPercent, hostPort, noun, zoneColor } from '../format.ts';
import type { ServerCpuSeries } from '../history.ts';
import { policyLines } from '../policy-lines.ts';
import { DecisionLine } from './decision-line.tsx';
import { ScenarioGroup } from './scenario-group.tsx';
import { cpuClass, ServerRow } from './server-row.tsx';

const POOLS: ServerView['state'][] = ['alive', 'disconnected', 'dead', 'unknown'];

function CpuGauge({ cpu, policy }: { cpu: number | null; policy: Policy }) {
  const pct = (v: number) => `${Math.min(100, Math.max(0, v))}%`;
  const lines = policyLines(policy);
  return (
    <div className="gauge" aria-hidden="true">
      <span className={`gauge-fill ${cpuClass(cpu, policy)}`} style={{ width: pct(cpu ?? 0) }} />
      {lines.low !== null && <span className="gauge-mark gauge-low" style={{ left: pct(lines.low) }} />}
      {lines.high !== null && <span className="gauge-mark gauge-high" style={{ left: pct(lines.high) }} />}
    </div>
  );
}

/** A zone at zero, or activating (its balancer holding requests for a server), as a status line. */
function ScaleState({ zone }: { zone: ZoneView }) {
  const a = zone.activation;
  if (a?.state === 'activating')
    return (
      <p
        className="zone-scale zone-activating"
        role="status"
        data-testid={`zone-scale-${zone.zone}`}
        data-scale="activating"
      >
        <span className="tag tag-warn">activating</span> the balancer holds{' '}
        <span className="num">{a.held}</span> {noun(a.held, 'request')} while the leader starts a server
      </p>
    );
  if (zone.replicas > 0) return null;
  return (
    <p className="zone-scale zone-zero" data-testid={`zone-scale-${zone.zone}`} data-scale="zero">
      <span className="tag">at zero</span>{' '}
      {a?.state === 'idle'
        ? 'no server: the next request is held by the balancer and wakes the zone'
        : 'no server: requests get 503 (the balancer holds none)'}
    </p>
  );
}

/** The card of one zone. */
export function ZoneCard({
  zone,
  policy: clusterPolicy,
  monitor,
  serverCpu = {},
}: {
  zone: ZoneView;
  policy: Policy;
  /** The monitor the page streams from: controls go there. */
  monitor: string;
  serverCpu?: ServerCpuSeries;
}) {
  const policy = zone.policy ?? clusterPolicy;
  const scenarios = new Set(zone.servers.map((s) => s.scenario));
  const zoneScenario = scenarios.size === 1 ? ([...scenarios][0] ?? null) : null;
  const balancerDown = zone.balancer === null || zone.balancer.status === 'down';
  const groups = POOLS.map((state) => ({ state, servers: zone.servers.filter((s) => s.state === state) }));
  const b = zone.balancer;
  return (
    <section
      className={`card zone${balancerDown ? ' zone-down' : ''}`}
      data-testid={`zone-card-${zone.zone}`}
      style={{ borderTopColor: zoneColor(zone.zone) }}
    >
      <header className="zone-head">
        <h2>
          <span className="swatch" style={{ background: zoneColor(zone.zone) }} />
          {zone.zone}
        </h2>
        <div className="zone-kpis">
          <div className="kpi">
            <span className="kpi-label">replicas</span>
            <span className="kpi-value num" data-testid={`zone-replicas-${zone.zone}`}>
              {zone.replicas}
            </span>
          </div>
          <div className="kpi">
            <span className="kpi-label">avg CPU</span>
            <span
              className={`kpi-value num ${cpuClass(zone.avgCpu, policy)}-text`}
              data-testid={`zone-cpu-${zone.zone}`}
            >
              {formatPercent(zone.avgCpu)}
            </span>
          </div>
        </div>
      </header>
      <CpuGauge cpu={zone.avgCpu} policy={policy} />
      <DecisionLine zone={zone.zone} policy={policy} decision={zone.decision ?? null} />
      {balancerDown && (
        <p className="zone-alert" role="status" data-testid={`zone-alert-${zone.zone}`}>
          Balancer {zone.balancer ? 'down' : 'missing'}: this zone takes no traffic until the leader recreates
          it
          {zone.balancer ? ' (the gateway sends its clients to the next zone)' : ''}.
        </p>
      )}
      <div className="zone-controls">
        <span className="label">zone scenario</span>
        <ScenarioGroup
          monitor={monitor}
          who={{ zone: zone.zone }}
          label={zone.zone}
          active={zoneScenario}
          testPrefix={`zone-scenario-${zone.zone}`}
        />
      </div>
      <div
        className="balancer"
        data-testid={`zone-balancer-${zone.zone}`}
        data-status={b?.status ?? 'missing'}
      >
        <span className="label">balancer</span>
        {b === null ? (
          <span className="tag tag-bad">missing</span>
        ) : (
          <>
            <a className="mono" href={b.url} target="_blank" rel="noopener noreferrer" title={b.id}>
              {hostPort(b.url)}
            </a>
            <span className={`tag ${b.status === 'up' ? 'tag-good' : 'tag-bad'}`}>{b.status}</span>
          </>
        )}
      </div>
      <div className="pool-counts">
        {groups.map((g) =>
          g.state === 'unknown' && g.servers.length === 0 ? null : (
            <span key={g.state} className={`pool-count ${g.servers.length > 0 ? '' : 'zero'}`}>
              <span className={`state-dot state-${g.state}`} />
              {g.state} <span className="num">{g.servers.length}</span>
            </span>
          ),
        )}
      </div>
      <ScaleState zone={zone} />
      {zone.servers.length === 0 && zone.activation?.state !== 'activating' && zone.replicas > 0 && (
        <p className="empty">no servers</p>
      )}
      {groups
        .filter((g) => g.servers.length > 0)
        .map((g) => (
          <div key={g.state} className="pool" data-pool={g.state}>
            <h3>
              {g.state} <span className="num muted">{g.servers.length}</span>
            </h3>
            <ul className="servers">
              {g.servers.map((s) => (
                <ServerRow
                  key={s.id}
                  server={s}
                  policy={policy}
                  monitor={monitor}
                  cpu={serverCpu[s.id] ?? []}
                />
              ))}
            </ul>
          </div>
        ))}
      {zone.strayServers.length > 0 && (
        <div className="pool pool-stray" data-pool="stray">
          <h3>
            stray <span className="num muted">{zone.strayServers.length}</span>
          </h3>
          <ul className="servers">
            {zone.strayServers.map((s) => (
              <li key={s.url} className="server stray" data-testid="stray-server" data-state={s.state}>
                <span className={`state-dot state-${s.state}`} />
                <span className="mono">{hostPort(s.url)}</span>
                <span className="muted">{s.state}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/**
 * The overview strip an operator reads first: requests/s in total and per zone (from the
 * balancers' counters), the gateway (up/down, req/s, zones it routes to), replicas in total and per
 * zone, and each zone's policy in one line (thresholds or target). Dead parts are shown as such.
 * Test ids `kpi-total-rps`, `kpi-replicas`, `gateway-status` (`data-status`), `zone-rps-<zone>`,
 * `zone-policy-<zone>`.
 */
import type { ClusterState, Policy, ZoneView } from '../../../server/shared/types.ts';
import { hostPort, noun, zoneColor } from '../format.ts';
import { policyCore } from '../policy-text.ts';

/** `42.0` req/s, `—` when unknown. */
export function formatRps(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** `up > 60 % · down < 20 %`, `target 50 % ± 10 %` or the KPA's figures, with replica bounds (`policy-text.ts`). */
export function policyLine(p: Policy): string {
  return `${policyCore(p)} · ${p.minReplicas}–${p.maxReplicas}`;
}

function ZoneTile({ zone, policy }: { zone: ZoneView; policy: Policy }) {
  const p = zone.policy ?? policy;
  const down = zone.balancer === null || zone.balancer.status === 'down';
  return (
    <div className={`tile${down ? ' tile-bad' : ''}`} style={{ borderLeftColor: zoneColor(zone.zone) }}>
      <div className="tile-head">
        <span className="tile-title">{zone.zone}</span>
        {down && <span className="tag tag-bad">balancer {zone.balancer ? 'down' : 'missing'}</span>}
      </div>
      <div className="tile-kpis">
        <span>
          <strong className="big num" data-testid={`zone-rps-${zone.zone}`}>
            {formatRps(zone.requestsPerSec)}
          </strong>{' '}
          <span className="muted">req/s</span>
        </span>
        <span>
          <strong className="big num">{zone.replicas}</strong>{' '}
          <span className="muted">{noun(zone.replicas, 'replica')}</span>
        </span>
      </div>
      <div className="muted small" data-testid={`zone-policy-${zone.zone}`}>
        <span className="policy-kind">{p.kind}</span> {policyLine(p)}
      </div>
    </div>
  );
}

/** The overview strip. */
export function Overview({ state }: { state: ClusterState }) {
  const zones = [...state.zones].sort((a, b) => a.zone.localeCompare(b.zone, undefined, { numeric: true }));
  const known = zones.filter((z) => z.requestsPerSec !== null && z.requestsPerSec !== undefined);
  const total = known.length === 0 ? null : known.reduce((n, z) => n + (z.requestsPerSec ?? 0), 0);
  const replicas = zones.reduce((n, z) => n + z.replicas, 0);
  const g = state.gateway ?? null;
  return (
    <section className="overview" aria-label="Overview">
      <div className="tile tile-total">
        <div className="tile-head">
          <span className="tile-title">all zones</span>
        </div>
        <div className="tile-kpis">
          <span>
            <strong className="big num" data-testid="kpi-total-rps">
              {formatRps(total)}
            </strong>{' '}
            <span className="muted">req/s</span>
          </span>
          <span>
            <strong className="big num" data-testid="kpi-replicas">
              {replicas}
            </strong>{' '}
            <span className="muted">{noun(replicas, 'replica')}</span>
          </span>
        </div>
        <div
          className={`gateway small ${g?.status === 'down' ? 'bad-text' : ''}`}
          data-testid="gateway-status"
          data-status={g?.status ?? 'none'}
        >
          {g === null ? (
            <span className="muted">no gateway</span>
          ) : (
            <>
              <span className={`state-dot state-${g.status === 'up' ? 'alive' : 'dead'}`} /> gateway{' '}
              <a className="mono" href={g.url} target="_blank" rel="noopener noreferrer">
                {hostPort(g.url)}
              </a>{' '}
              {g.status === 'up' ? (
                <span className="muted">
                  {formatRps(g.requestsPerSec)} req/s · routes to {g.availableZones?.length ?? 0}/
                  {zones.length} zones
                </span>
              ) : (
                <strong>down</strong>
              )}
            </>
          )}
        </div>
      </div>
      {zones.map((z) => (
        <ZoneTile key={z.zone} zone={z} policy={state.policy} />
      ))}
    </section>
  );
}

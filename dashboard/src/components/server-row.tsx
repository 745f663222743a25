/**
 * One app server inside a zone card: pool-state dot, id (link to the app's own UI in a new tab), its
 * CPU % with a sparkline of its last minute and a thin bar under the row, requests in flight, its
 * slow-start weight while it ramps (below 100 %, test id `server-weight-<id>`), High / Low / Off
 * buttons (the active one pressed), the node it runs on when the runtime has nodes (swarm), a line
 * with its memory (CPU and memory are the agent's, measured from outside, when it sends them:
 * marked "ext") and the zone balancer's req/s, mean in-flight and p95 latency of the last second,
 * and throughput on hover. Test id `server-<id>` with
 * `data-state` (alive, disconnected, dead, unknown).
 */
import type { Policy, ServerView } from '../../../server/shared/types.ts';
import { formatPercent, hostPort } from '../format.ts';
import { policyLines } from '../policy-lines.ts';
import { ScenarioGroup } from './scenario-group.tsx';
import { Sparkline } from './sparkline.tsx';

/** CSS class of a CPU value against the policy: `hot` above its scale-up line, `cold` below its scale-down line. */
export function cpuClass(cpu: number | null, policy: Policy): string {
  if (cpu === null) return 'cpu-none';
  const lines = policyLines(policy);
  if (lines.high !== null && cpu > lines.high) return 'cpu-hot';
  if (lines.low !== null && cpu < lines.low) return 'cpu-cold';
  return 'cpu-ok';
}

/** A node id as `docker node ls` prints it short: its first 12 characters. */
export function shortNode(node: string): string {
  return node.slice(0, 12);
}

/** `12.3`-style number or an em dash. */
function num(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? '—' : v.toFixed(digits);
}

/** A server row. */
export function ServerRow({
  server,
  policy,
  monitor,
  cpu = [],
}: {
  server: ServerView;
  policy: Policy;
  monitor: string;
  /** CPU % over the last minute, oldest first (sparkline). */
  cpu?: readonly number[];
}) {
  const detail = [
    hostPort(server.url),
    server.node ? `node ${server.node}` : null,
    server.memoryMb !== null ? `${server.memoryMb.toFixed(0)} MB` : null,
    server.throughput !== null ? `${server.throughput.toFixed(1)} req/s` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const width = server.cpu === null ? 0 : Math.min(100, Math.max(0, server.cpu));
  return (
    <li
      className={`server server-${server.state}`}
      data-testid={`server-${server.id}`}
      data-state={server.state}
      title={detail}
    >
      <span className={`state-dot state-${server.state}`} aria-label={server.state} />
      <a className="server-id mono" href={server.uiUrl} target="_blank" rel="noopener noreferrer">
        {server.id}
        {server.node ? (
          <span
            className="server-node"
            title={`node ${server.node}`}
            data-testid={`server-node-${server.id}`}
          >
            {' '}
            on {shortNode(server.node)}
          </span>
        ) : null}
        <span className="ext" aria-hidden="true">
          ↗
        </span>
      </a>
      <span className="server-cpu num" data-testid={`server-cpu-${server.id}`}>
        {formatPercent(server.cpu)}
      </span>
      <Sparkline values={cpu} high={policyLines(policy).high ?? undefined} />
      <span
        className="server-inflight num"
        title="requests in flight on this server"
        data-testid={`server-inflight-${server.id}`}
      >
        {server.inFlight ?? '—'}
        <span className="muted"> in flight</span>
      </span>
      {server.weight != null && server.weight < 100 && (
        <span
          className="server-weight num tag tag-warn"
          title="slow start: share of a full-weight server this one gets while it warms up"
          data-testid={`server-weight-${server.id}`}
        >
          {server.weight.toFixed(0)} % weight
        </span>
      )}
      <ScenarioGroup
        monitor={monitor}
        who={{ serverId: server.id }}
        label={server.id}
        active={server.scenario}
        testPrefix={`server-scenario-${server.id}`}
        compact
      />
      <span className="server-metrics muted num" data-testid={`server-metrics-${server.id}`}>
        <span data-testid={`server-memory-${server.id}`}>{num(server.memoryMb, 0)} MB</span>
        {server.resourceSource === 'agent' ? (
          <span title="CPU and memory measured from outside the process"> ext</span>
        ) : null}
        {' · '}
        <span data-testid={`server-rps-${server.id}`}>{num(server.rps, 1)} req/s</span>
        {' · '}
        <span
          data-testid={`server-concurrency-${server.id}`}
          title="mean requests in flight over the last second"
        >
          {num(server.meanInFlight, 2)} conc
        </span>
        {' · '}
        <span data-testid={`server-p95-${server.id}`}>p95 {num(server.p95Ms, 1)} ms</span>
      </span>
      <span className="bar" aria-hidden="true">
        <span className={`bar-fill ${cpuClass(server.cpu, policy)}`} style={{ width: `${width}%` }} />
      </span>
    </li>
  );
}

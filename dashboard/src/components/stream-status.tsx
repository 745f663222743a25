/**
 * The stream indicator of the header: a status pill (`live`, `connecting…`, `reconnecting…`; test id
 * `stream-status`, exact text) and the monitor the dashboard streams from (test id `stream-source`).
 */
import type { StreamSnapshot } from '../stream.ts';
import { hostPort } from '../format.ts';

const LABEL = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…' } as const;

/** Stream status pill and source monitor. */
export function StreamStatus({ snap }: { snap: StreamSnapshot }) {
  const { status, source } = snap;
  const who = source.id !== null ? `monitor ${source.id}` : 'monitor';
  return (
    <div className="stream" title={snap.lastError ? `last failure: ${snap.lastError}` : undefined}>
      <span className={`pill pill-${status}`}>
        <span className="dot" aria-hidden="true" />
        <span data-testid="stream-status" data-status={status}>
          {LABEL[status]}
        </span>
      </span>
      <span className="stream-source" data-testid="stream-source" data-url={source.url}>
        {status === 'live' ? 'via ' : 'to '}
        <strong>{who}</strong> <span className="muted mono">{hostPort(source.url)}</span>
        {snap.failovers > 0 && <span className="muted"> · {snap.failovers} failover{snap.failovers > 1 ? 's' : ''}</span>}
      </span>
    </div>
  );
}

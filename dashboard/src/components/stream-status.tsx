/**
 * The stream indicator of the header: a status pill (`live`, `connecting…`, `reconnecting…`; test id
 * `stream-status`, exact text) and the monitor the dashboard streams from, lost, or is trying next
 * (test id `stream-source`, text `via|lost|trying monitor <id> <host:port>`).
 */

import { hostPort } from '../format.ts';
import type { StreamSnapshot } from '../stream.ts';

const LABEL = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…' } as const;

/** Stream status pill and source monitor. */
export function StreamStatus({ snap }: { snap: StreamSnapshot }) {
  const { status, source, lostSource } = snap;
  const who = source.id !== null ? `monitor ${source.id}` : 'monitor';
  const verb =
    status === 'live' ? 'via' : lostSource !== null && lostSource.url === source.url ? 'lost' : 'trying';
  return (
    <div
      className="stream"
      data-failovers={snap.failovers}
      title={`${snap.failovers} failover(s)${snap.lastError ? `; last failure: ${snap.lastError}` : ''}`}
    >
      <span className={`pill pill-${status}`}>
        <span className="dot" aria-hidden="true" />
        <span data-testid="stream-status" data-status={status}>
          {LABEL[status]}
        </span>
      </span>
      <span className="stream-source" data-testid="stream-source" data-url={source.url}>
        {verb} <strong>{who}</strong> <span className="muted mono">{hostPort(source.url)}</span>
      </span>
    </div>
  );
}

/**
 * The control-plane event log, newest first: wall-clock time, zone, kind, replicas from → to, the
 * reason code as a badge, the term, and the message. Test id `event-row` per row (with `data-kind`,
 * `data-zone`, `data-reason`); rows newer than the page load flash once.
 */
import type { ClusterEvent } from '../../../server/shared/types.ts';
import { formatAgo, formatClock, zoneColor } from '../format.ts';

const KIND_CLASS: Record<ClusterEvent['kind'], string> = {
  'scale-up': 'kind-up',
  'scale-down': 'kind-down',
  replace: 'kind-heal',
  'remove-dead': 'kind-heal',
  'balancer-created': 'kind-heal',
  'leader-elected': 'kind-leader',
  reconcile: 'kind-neutral',
  decision: 'kind-neutral',
};

function EventRow({ event, now }: { event: ClusterEvent; now: number }) {
  const scaled = event.from !== null && event.to !== null;
  return (
    <li
      className={`event ${KIND_CLASS[event.kind] ?? 'kind-neutral'}`}
      data-testid="event-row"
      data-kind={event.kind}
      data-zone={event.zone ?? ''}
      data-reason={event.reason}
    >
      <div className="event-line">
        <time
          className="mono muted"
          dateTime={new Date(event.ts).toISOString()}
          title={formatAgo(event.ts, now)}
        >
          {formatClock(event.ts)}
        </time>
        <span className="event-kind">{event.kind}</span>
        {event.zone !== null && (
          <span className="event-zone" style={{ color: zoneColor(event.zone) }}>
            {event.zone}
          </span>
        )}
        {scaled && (
          <span className="event-fromto num">
            {event.from}→{event.to}
          </span>
        )}
        <span className="event-term muted" title="leader term">
          t{event.term}
        </span>
      </div>
      <div className="event-msg">
        <span className="reason" title="reason code">
          {event.reason}
        </span>{' '}
        {event.message}
        {event.serverId !== null && !event.message.includes(event.serverId) && (
          <span className="mono muted"> ({event.serverId})</span>
        )}
      </div>
    </li>
  );
}

/** The event panel; shows at most `limit` rows (default 100, the state's own cap). */
export function EventsList({
  events,
  now,
  limit = 100,
}: {
  events: readonly ClusterEvent[];
  now: number;
  limit?: number;
}) {
  return (
    <section className="card events" aria-label="control-plane events">
      <header className="panel-head">
        <h2>Events</h2>
        <span className="muted">{events.length} · newest first</span>
      </header>
      {events.length === 0 ? (
        <p className="empty">no control-plane events yet</p>
      ) : (
        <ol className="event-list">
          {events.slice(0, limit).map((e) => (
            <EventRow key={e.id} event={e} now={now} />
          ))}
        </ol>
      )}
    </section>
  );
}

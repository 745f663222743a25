/**
 * The latest notable `cluster-event` SSE hint (kind, zone, reason, message), shown for `ttlMs`
 * (default 8000 ms) in a slot of the header bar that is always laid out, so the toast never covers
 * a control and its arrival never moves one (it used to float at the bottom left, over zone1's
 * High/Low/Off buttons). No-op decisions (`decision` events such as `AtMinReplicas`) do not toast:
 * they stay in the event log. Test ids `event-toast-slot` (always) and `event-toast` (while shown).
 */
import { useEffect, useState } from 'react';
import type { ClusterEvent } from '../../../server/shared/types.ts';
import { toastWorthy } from '../stream.ts';

/** The header's toast slot, holding the newest notable pushed event until `ttlMs` passes. */
export function EventToast({ event, ttlMs = 8000 }: { event: ClusterEvent | null; ttlMs?: number }) {
  const [shown, setShown] = useState<ClusterEvent | null>(null);
  useEffect(() => {
    if (event === null || !toastWorthy(event)) return;
    setShown(event);
    const timer = setTimeout(() => setShown(null), ttlMs);
    return () => clearTimeout(timer);
  }, [event, ttlMs]);
  return (
    <div className="toast-slot" role="status" aria-live="polite" data-testid="event-toast-slot">
      {shown !== null && (
        <div
          className="toast"
          data-testid="event-toast"
          data-kind={shown.kind}
          title={shown.message}
          key={shown.id}
        >
          <strong className="toast-kind">{shown.kind}</strong>
          {shown.zone !== null && <span> · {shown.zone}</span>}
          <span className="reason">{shown.reason}</span>
          <span className="muted toast-msg">{shown.message}</span>
        </div>
      )}
    </div>
  );
}

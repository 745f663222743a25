/**
 * A short-lived toast for the latest `cluster-event` SSE hint (kind, zone, reason), shown for
 * `ttlMs` (default 5000 ms). Test id `event-toast`.
 */
import { useEffect, useState } from 'react';
import type { ClusterEvent } from '../../../server/shared/types.ts';

/** Toast of the newest pushed event; hides itself after `ttlMs`. */
export function EventToast({ event, ttlMs = 5000 }: { event: ClusterEvent | null; ttlMs?: number }) {
  const [shown, setShown] = useState<ClusterEvent | null>(null);
  useEffect(() => {
    if (event === null) return;
    setShown(event);
    const timer = setTimeout(() => setShown(null), ttlMs);
    return () => clearTimeout(timer);
  }, [event, ttlMs]);
  if (shown === null) return null;
  return (
    <div className="toast" role="status" data-testid="event-toast">
      <strong>{shown.kind}</strong>
      {shown.zone !== null && <span> · {shown.zone}</span>}
      <span className="reason">{shown.reason}</span>
      <div className="muted">{shown.message}</div>
    </div>
  );
}

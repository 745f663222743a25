/**
 * Every monitor replica with its status as the answering monitor sees it (leader, follower,
 * candidate, down). Test ids `monitor-<id>` with `data-status`; the one the dashboard streams from
 * is marked `data-source="true"`.
 */
import type { MonitorView } from '../../../server/shared/types.ts';
import { hostPort } from '../format.ts';

/** A badge per monitor, sorted by id. `sourceId` is the monitor streamed from (null when unknown). */
export function MonitorBadges({
  monitors,
  sourceId,
}: {
  monitors: readonly MonitorView[];
  sourceId: number | null;
}) {
  const sorted = [...monitors].sort((a, b) => a.id - b.id);
  return (
    <ul className="monitors" aria-label="monitors">
      {sorted.map((m) => (
        <li
          key={m.id}
          className={`monitor monitor-${m.status}${m.id === sourceId ? ' monitor-source' : ''}`}
          data-testid={`monitor-${m.id}`}
          data-status={m.status}
          data-source={m.id === sourceId ? 'true' : 'false'}
          title={`${m.url}${m.id === sourceId ? ' (streaming from this one)' : ''}`}
        >
          <span className="monitor-id">m{m.id}</span>
          <span className="monitor-status">{m.status}</span>
          <span className="sr-only"> {hostPort(m.url)}</span>
        </li>
      ))}
    </ul>
  );
}

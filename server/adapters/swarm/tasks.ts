/**
 * Reading swarm tasks, as pure functions: the parts of a task listing the swarm runtime reads, the
 * newest task of a service, and `silentWorker`, which tells a task whose node's engine does not
 * answer from one that is merely slow. Swarm's task life cycle (Docker's `TaskState`): the manager
 * moves a task to `assigned` once it picks a node; the node's engine then acknowledges it
 * (`accepted`) and walks it through `preparing`, `starting`, `running`. A worker whose engine is gone
 * never acknowledges, while the manager keeps listing the node `ready` until its heartbeats have
 * been missed for a while; a task held in `assigned` past `ASSIGNED_SILENCE_MS` is therefore the
 * sign that the node's engine does not answer (a live engine acknowledges within a second, also
 * under load, as the image is already on the node).
 */

/** The parts of a task listing the runtime reads. */
export interface TaskInfo {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt?: string;
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string } };
}

/** Task states after which a task never runs (Docker's `TaskState`). */
export const ENDED = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

/** How long a task may stay `assigned` (its node's engine has not acknowledged it) before its node counts as not answering, ms. */
export const ASSIGNED_SILENCE_MS = 8_000;

/** The newest task of a list (by creation time). */
export function newest(tasks: readonly TaskInfo[]): TaskInfo | undefined {
  let best: TaskInfo | undefined;
  for (const t of tasks) if (!best || (t.CreatedAt ?? '') > (best.CreatedAt ?? '')) best = t;
  return best;
}

/**
 * Whether `task`'s node has left it unacknowledged too long: it is `assigned` to a node and has been
 * since before `now - silenceMs` (by its status timestamp, else `seenSince`, epoch ms, when the
 * caller first saw it so).
 */
export function silentWorker(
  task: TaskInfo | undefined,
  now: number,
  seenSince: number,
  silenceMs = ASSIGNED_SILENCE_MS,
): boolean {
  if (task?.Status?.State !== 'assigned' || !task.NodeID) return false;
  const since = Date.parse(task.Status.Timestamp ?? '') || seenSince;
  return now - Math.max(since, seenSince) >= silenceMs;
}

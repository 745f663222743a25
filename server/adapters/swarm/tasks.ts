/**
 * Reading swarm tasks: the parts of a task listing the swarm runtime reads, and as pure functions
 * the newest task of a service, `ranAndExited` (the container ran and its process ended: a crash,
 * not a failed start) and `silentWorker`, which tells a task whose node's engine does not answer
 * from one that is merely slow; `waitRunning` polls a service's tasks with those rules, and
 * `portAnswers` tells whether a removed task's port is still held. Swarm's task life cycle (Docker's `TaskState`): the manager
 * moves a task to `assigned` once it picks a node; the node's engine then acknowledges it
 * (`accepted`) and walks it through `preparing`, `starting`, `running`. A worker whose engine is gone
 * never acknowledges, while the manager keeps listing the node `ready` until its heartbeats have
 * been missed for a while; a task held in `assigned` past `ASSIGNED_SILENCE_MS` is therefore the
 * sign that the node's engine does not answer (a live engine acknowledges within a second, also
 * under load, as the image is already on the node).
 */

import { connect } from 'node:net';
import type Docker from 'dockerode';
import { ZonescaleError } from '../../shared/errors.ts';

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

/**
 * Whether `task` ended after its container ran: `complete` (exit 0) or `failed` with swarm's
 * `task: non-zero exit (N)`; as on the Docker runtime, such a start succeeded and the server is then
 * listed as not running. A task rejected (no such image) or whose container could not start is not.
 */
export function ranAndExited(task: TaskInfo | undefined): boolean {
  const state = task?.Status?.State;
  return state === 'complete' || (state === 'failed' && /non-zero exit/.test(task?.Status?.Err ?? ''));
}

/**
 * Polls the tasks of service `serviceId` (container id `id`, for messages) every 200 ms until the
 * newest runs or ran and exited (`ranAndExited`).
 * @throws ZonescaleError `node_not_answering` (504, `silentWorker`), `task_failed` (502, with the
 *   task's error) or `task_not_running` (504) after `startTimeoutMs`
 */
export async function waitRunning(
  docker: Docker,
  serviceId: string,
  id: string,
  o: { startTimeoutMs: number; assignedSilenceMs?: number },
): Promise<void> {
  const since = Date.now();
  const deadline = since + o.startTimeoutMs;
  let last = 'no task yet';
  while (Date.now() < deadline) {
    const task = newest((await docker.listTasks({ filters: { service: [serviceId] } })) as TaskInfo[]);
    const state = task?.Status?.State ?? '';
    const err = task?.Status?.Err ? `: ${task.Status.Err}` : '';
    if (state === 'running' || ranAndExited(task)) return;
    if (silentWorker(task, Date.now(), since, o.assignedSilenceMs))
      throw new ZonescaleError(
        'node_not_answering',
        `${id}: swarm node ${task?.NodeID} has not acknowledged its task (its engine does not answer)`,
        504,
      );
    if (task && ENDED.has(state))
      throw new ZonescaleError('task_failed', `${id}: the swarm task ${state}${err}`, 502);
    if (task) last = `${state}${err}`;
    await Bun.sleep(200);
  }
  throw new ZonescaleError('task_not_running', `${id}: the swarm task is not running yet (${last})`, 504);
}

/** Whether a TCP connect to `host`:`port` succeeds within `timeoutMs` (default 300 ms). */
export function portAnswers(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (v: boolean) => {
      socket.destroy();
      resolve(v);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(timeoutMs, () => done(false));
  });
}

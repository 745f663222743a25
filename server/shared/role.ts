/**
 * What every role's `start*` function returns: where it listens and how to stop it. `main.ts`
 * wires SIGINT/SIGTERM to `stop()`; tests call it directly.
 */

/** A started role. `url` is `http://host:port`; `stop()` closes listeners and timers, idempotent. */
export interface RoleHandle {
  url: string;
  stop(): Promise<void>;
}

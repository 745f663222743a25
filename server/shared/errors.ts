/**
 * Named errors shared by every role. Each carries a stable string `code` and the HTTP `status`
 * it maps to, so route modules can turn any thrown error into the JSON error body
 * `{ error: code, message }` without knowing where it came from (the Elysia pattern).
 */

/** Base class: `code` is a stable machine-readable string, `status` the HTTP status it maps to. */
export class ZonescaleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 401 | 404 | 409 | 413 | 415 | 421 | 422 | 500 | 502 | 503 | 504 = 500,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** No server in the zone's alive pool can take the request (Traefik's "no available server"); 503. */
export class NoAvailableServer extends ZonescaleError {
  constructor(zone: string) {
    super('no_available_server', `no alive server in ${zone}`, 503);
  }
}

/**
 * Base of the errors that fence a leader off: a newer term exists (`StaleTerm`) or its own lease
 * has lapsed (`LeaseLapsed`, thrown by the monitor's write guard). Either way the replica must stop
 * writing, so every leader duty rethrows a `Fenced` (see `rethrowFenced`) and handles the rest.
 */
export abstract class Fenced extends ZonescaleError {}

/**
 * Rethrows `err` when it is `Fenced`; returns otherwise, so the caller can log any other error and
 * go on (e.g. a balancer that does not answer learns the change from the next push).
 * @throws Fenced `err` itself.
 */
export function rethrowFenced(err: unknown): void {
  if (err instanceof Fenced) throw err;
}

/**
 * A write carried a leader term older than the one already stored (fencing token); 409.
 * Thrown by the registry and by balancers when a paused former leader tries to act.
 */
export class StaleTerm extends Fenced {
  constructor(
    readonly offered: number,
    readonly current: number,
  ) {
    super('stale_term', `term ${offered} is older than the current term ${current}`, 409, {
      offered,
      current,
    });
  }
}

/** The call is only served by the leader monitor and this replica is not it; 421 (misdirected). */
export class NotLeader extends ZonescaleError {
  constructor(leader: { id: number; url: string } | null) {
    super(
      'not_leader',
      leader
        ? `not the leader; the leader is monitor ${leader.id} at ${leader.url}`
        : 'not the leader; no leader is known',
      421,
      { leader },
    );
  }
}

/** The cluster token was missing or wrong; 401. */
export class Unauthorized extends ZonescaleError {
  constructor() {
    super('unauthorized', 'missing or invalid cluster token (send Authorization: Bearer <token>)', 401);
  }
}

/** A configuration value is invalid; the process prints the message and exits with status 2. */
export class BadConfig extends ZonescaleError {
  constructor(message: string) {
    super('bad_config', message, 500);
  }
}

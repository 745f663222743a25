/**
 * The leader's own side of fencing: wrappers around the registry, the runtime and the balancer
 * client that refuse every mutating call with `LeaseLapsed` while `mayWrite()` is false (the
 * leader's lease has lapsed by its own clock, e.g. after the process was paused). Reads pass
 * through. Together with the term checks in the registry and the balancers (which refuse an older
 * term), a leader that wakes up after its successor took over gets none of its writes accepted:
 * it does not even send them until it has renewed its lease, and the renewal fails.
 */
import type { Registry } from '../../adapters/registry.ts';
import type { ContainerRuntime } from '../../adapters/runtime.ts';
import { Fenced } from '../../shared/errors.ts';
import type { BalancerClient } from '../clients/balancer-client.ts';

/** A write was not sent because the leader's lease has lapsed; 503 (retry against the leader). */
export class LeaseLapsed extends Fenced {
  constructor(what: string) {
    super('lease_lapsed', `not the leader any more or not yet renewed (lease lapsed): ${what} not sent`, 503);
  }
}

/** @throws LeaseLapsed when `mayWrite()` is false. */
function check(mayWrite: () => boolean, what: string): void {
  if (!mayWrite()) throw new LeaseLapsed(what);
}

/** The registry with its writes guarded. */
export function guardRegistry(r: Registry, mayWrite: () => boolean): Registry {
  return {
    leader: () => r.leader(),
    claimLeadership: (expected, next, now) => r.claimLeadership(expected, next, now),
    renewLease: (term, until) => r.renewLease(term, until),
    containers: (zone) => r.containers(zone),
    container: (id) => r.container(id),
    events: (limit) => r.events(limit),
    close: () => r.close(),
    async putContainer(record, term) {
      check(mayWrite, `registry put ${record.id}`);
      return r.putContainer(record, term);
    },
    async removeContainer(id, term) {
      check(mayWrite, `registry remove ${id}`);
      return r.removeContainer(id, term);
    },
    async appendEvent(event, term) {
      check(mayWrite, `event ${event.kind}`);
      return r.appendEvent(event, term);
    },
  };
}

/** The runtime with start/stop guarded (`place`, a read, passes through when the runtime has it). */
export function guardRuntime(rt: ContainerRuntime, mayWrite: () => boolean): ContainerRuntime {
  return {
    list: () => rt.list(),
    logTail: (id, lines) => rt.logTail?.(id, lines) ?? Promise.resolve(''),
    ...(rt.place
      ? { place: (zone, role) => (rt.place as NonNullable<ContainerRuntime['place']>)(zone, role) }
      : {}),
    async start(spec) {
      check(mayWrite, `start ${spec.id}`);
      return rt.start(spec);
    },
    async stop(id) {
      check(mayWrite, `stop ${id}`);
      return rt.stop(id);
    },
  };
}

/** The balancer client with its pushes guarded. */
export function guardBalancers(b: BalancerClient, mayWrite: () => boolean): BalancerClient {
  return {
    health: (url, path) => b.health(url, path),
    pools: (url) => b.pools(url),
    async putServers(url, body) {
      check(mayWrite, `PUT ${url}/servers`);
      return b.putServers(url, body);
    },
    async putMonitor(url, body) {
      check(mayWrite, `PUT ${url}/monitor`);
      return b.putMonitor(url, body);
    },
  };
}

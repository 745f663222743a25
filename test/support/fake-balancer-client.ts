/**
 * In-memory `BalancerClient` fake for unit tests: each balancer URL holds a monitor address, a term
 * and one pool of servers; `PUT`s with an older term are refused with `StaleTerm` like the real
 * balancer. A URL answers its health check when `isUp(url)` says so (tests tie it to the memory
 * runtime), and `calls` records every push for assertions.
 */

import type { BalancerClient, BalancerPools } from '../../server/monitor/clients/balancer-client.ts';
import { StaleTerm } from '../../server/shared/errors.ts';

/** One fake balancer's state. `dead` lists servers it reports as dead (held in the dead pool). */
export interface FakeBalancer {
  monitor: string;
  term: number;
  alive: Set<string>;
  dead: Set<string>;
  /** Server id per URL from `PUT /servers` `ids`. */
  ids: Map<string, string>;
}

/** A `BalancerClient` over in-memory balancers. */
export class FakeBalancerClient implements BalancerClient {
  readonly balancers = new Map<string, FakeBalancer>();
  readonly calls: { method: 'putServers' | 'putMonitor'; url: string; body: unknown }[] = [];

  /** Whether `GET /pools` reports `ids` (as a balancer that keeps them does). */
  keepsIds = false;

  constructor(private readonly isUp: (url: string) => boolean) {}

  private get(url: string): FakeBalancer {
    let b = this.balancers.get(url);
    if (!b) {
      b = { monitor: '', term: 0, alive: new Set(), dead: new Set(), ids: new Map() };
      this.balancers.set(url, b);
    }
    return b;
  }

  async health(url: string): Promise<boolean> {
    return this.isUp(url);
  }

  async pools(url: string): Promise<BalancerPools | null> {
    if (!this.isUp(url)) return null;
    const b = this.get(url);
    const list = (s: Set<string>) => [...s].map((u) => ({ url: u }));
    return {
      zone: '',
      term: b.term,
      monitor: b.monitor,
      alive: list(b.alive),
      disconnected: [],
      dead: list(b.dead),
      ...(this.keepsIds ? { ids: Object.fromEntries(b.ids) } : {}),
    };
  }

  async putServers(
    url: string,
    body: { add?: string[]; remove?: string[]; ids?: Record<string, string>; term: number },
  ): Promise<void> {
    if (!this.isUp(url)) throw new Error(`${url} is down`);
    const b = this.get(url);
    if (body.term < b.term) throw new StaleTerm(body.term, b.term);
    this.calls.push({ method: 'putServers', url, body });
    b.term = body.term;
    for (const u of body.add ?? []) if (!b.dead.has(u)) b.alive.add(u);
    for (const u of body.remove ?? []) {
      b.alive.delete(u);
      b.dead.delete(u);
      b.ids.delete(u);
    }
    for (const [u, id] of Object.entries(body.ids ?? {})) b.ids.set(u, id);
  }

  async putMonitor(url: string, body: { address: string; term: number }): Promise<void> {
    if (!this.isUp(url)) throw new Error(`${url} is down`);
    const b = this.get(url);
    if (body.term < b.term) throw new StaleTerm(body.term, b.term);
    this.calls.push({ method: 'putMonitor', url, body });
    b.term = body.term;
    b.monitor = body.address;
  }
}

/**
 * In-memory `Registry` fake for unit tests: the same fencing and compare-and-set rules as the real
 * adapters (it passes the shared `registry.contract.ts` suite), kept in plain maps. Records are
 * copied in and out so callers cannot mutate the stored state by accident.
 */
import { StaleTerm } from '../shared/errors.ts';
import { assertTerm } from '../shared/term.ts';
import type { ClusterEvent, ContainerRecord, LeaderInfo, ZoneId } from '../shared/types.ts';
import { leaseHeld, type Registry } from './registry.ts';

/** Events kept, newest first (the `Registry.appendEvent` contract: the newest 500). */
export const EVENT_CAP = 500;

/** A `Registry` held in memory; nothing survives the instance. */
export class MemoryRegistry implements Registry {
  private current: LeaderInfo | null = null;
  private readonly records = new Map<string, ContainerRecord>();
  /** Oldest first. */
  private log: ClusterEvent[] = [];

  async leader(): Promise<LeaderInfo | null> {
    return this.current ? { ...this.current } : null;
  }

  async claimLeadership(expectedTerm: number, next: LeaderInfo, now?: number): Promise<boolean> {
    assertTerm(expectedTerm);
    assertTerm(next.term);
    const stored = this.current?.term ?? 0;
    if (stored !== expectedTerm || next.term <= expectedTerm) return false;
    if (now !== undefined && leaseHeld(this.current, next.id, now)) return false;
    this.current = { ...next };
    return true;
  }

  async renewLease(term: number, until: number): Promise<boolean> {
    assertTerm(term);
    if (!this.current || this.current.term !== term) return false;
    this.current = { ...this.current, leaseUntil: until };
    return true;
  }

  async containers(zone?: ZoneId): Promise<ContainerRecord[]> {
    return [...this.records.values()]
      .filter((r) => zone === undefined || r.zone === zone)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => ({ ...r }));
  }

  async container(id: string): Promise<ContainerRecord | null> {
    const r = this.records.get(id);
    return r ? { ...r } : null;
  }

  async putContainer(record: ContainerRecord, term: number): Promise<void> {
    this.fence(term);
    this.records.set(record.id, { ...record });
  }

  async removeContainer(id: string, term: number): Promise<boolean> {
    this.fence(term);
    return this.records.delete(id);
  }

  async appendEvent(event: ClusterEvent, term: number): Promise<void> {
    this.fence(term);
    if (this.log.some((e) => e.id === event.id)) return;
    this.log.push({ ...event });
    if (this.log.length > EVENT_CAP) this.log = this.log.slice(-EVENT_CAP);
  }

  async events(limit: number): Promise<ClusterEvent[]> {
    const n = Math.max(0, Math.floor(limit));
    return n === 0
      ? []
      : this.log
          .slice(-n)
          .reverse()
          .map((e) => ({ ...e }));
  }

  async close(): Promise<void> {}

  /** @throws TermOutOfRange beyond `MAX_TERM`; StaleTerm when `term` is older than the stored leader term. */
  private fence(term: number): void {
    assertTerm(term);
    const stored = this.current?.term ?? 0;
    if (term < stored) throw new StaleTerm(term, stored);
  }
}

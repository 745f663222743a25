/**
 * The app-port book with its quarantine: a port the leader released (a server stopped, removed or
 * found missing) is handed out again only when no other port of the range is free, for
 * `QUARANTINE_MS` after its release, so a late or repeated dead-server report for an old URL cannot
 * hit a new server that took the same URL. Among the rest, the lowest free port that can be bound
 * wins (the bind probe is injected).
 */

/**
 * A released app port is handed out again only when no other port is free for this long, ms, so a
 * late or repeated dead-server report for an old URL cannot hit a new server on the same URL.
 */
export const QUARANTINE_MS = 10 * 60_000;

/** Released ports and the choice of the next app port. `now` is epoch ms. */
export class PortBook {
  /** Port -> epoch ms it was released. */
  private readonly released = new Map<number, number>();

  constructor(
    private readonly now: () => number,
    private readonly bindable: (port: number) => Promise<boolean>,
  ) {}

  /** Notes that `port` was released now. */
  release(port: number): void {
    this.released.set(port, this.now());
  }

  /** The first of `candidates` (ascending free ports) that binds, quarantined ports last; null when none binds. */
  async pick(candidates: readonly number[]): Promise<number | null> {
    const now = this.now();
    const quarantined = (p: number) => now - (this.released.get(p) ?? -Infinity) < QUARANTINE_MS;
    for (const p of [...candidates.filter((p) => !quarantined(p)), ...candidates.filter(quarantined)]) {
      if (await this.bindable(p)) return p;
    }
    return null;
  }
}

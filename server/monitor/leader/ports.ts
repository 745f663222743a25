/**
 * The app-port book with its quarantine: a port the leader released (a server stopped, removed or
 * found missing) is handed out again only when no other port of the range is free, for
 * `QUARANTINE_MS` after its release, so a late or repeated dead-server report for an old URL cannot
 * hit a new server that took the same URL. Among the rest, the lowest free port that can be bound
 * wins (the bind probe is injected). Ports are per node: on a multi-node runtime the book keys a
 * release by (node, port), and the probe is asked about the node's address.
 */

/**
 * A released app port is handed out again only when no other port is free for this long, ms, so a
 * late or repeated dead-server report for an old URL cannot hit a new server on the same URL.
 */
export const QUARANTINE_MS = 10 * 60_000;

/** Released ports and the choice of the next app port. `now` is epoch ms. */
export class PortBook {
  /** `<node>:<port>` -> epoch ms it was released (node '' = the leader's own host). */
  private readonly released = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly bindable: (port: number, address?: string) => Promise<boolean>,
  ) {}

  /** Notes that `port` on `node` (default: the leader's host) was released now. */
  release(port: number, node = ''): void {
    this.released.set(`${node}:${port}`, this.now());
  }

  /**
   * The first of `candidates` (ascending free ports of `node`) that binds on `address`, quarantined
   * ports last; null when none binds.
   */
  async pick(candidates: readonly number[], node = '', address?: string): Promise<number | null> {
    const now = this.now();
    const quarantined = (p: number) => now - (this.released.get(`${node}:${p}`) ?? -Infinity) < QUARANTINE_MS;
    for (const p of [...candidates.filter((p) => !quarantined(p)), ...candidates.filter(quarantined)]) {
      if (await this.bindable(p, address)) return p;
    }
    return null;
  }
}

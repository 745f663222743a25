/**
 * A consistent-hash ring with virtual nodes (Karger et al.; the ketama layout), as a pure, immutable
 * value with no I/O and no clock: each node is placed at `vnodes` points of a 32-bit ring, and a key
 * belongs to the first point clockwise from its hash. When a node joins or leaves, only the keys of
 * the arcs it gains or loses move — about 1/N of them — and every other key keeps its node, which is
 * what session affinity needs. `lookup` takes an optional `accept` filter that walks on clockwise
 * past refused nodes, so a retry (or an ejected node) gets the same answer a ring without those
 * nodes would give, without rebuilding. Reused by the zone balancer's `consistent-hash` strategy and
 * by anything else that maps keys (client addresses, session ids) to a changing set of targets.
 */

/** Options of a ring. */
export interface HashRingOptions {
  /** Points per node on the ring (default 160, ketama's figure: ±10 % balance for a handful of nodes). */
  vnodes?: number;
}

/** Default virtual nodes per node (ketama: 160). */
export const DEFAULT_VNODES = 160;

/**
 * 32-bit hash of a string: FNV-1a over UTF-16 code units followed by the murmur3 `fmix32`
 * finaliser (FNV alone clusters similar keys such as `10.0.0.1`/`10.0.0.2`). Pure and stable across
 * processes and runtimes, so several balancers agree on where a key goes.
 */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * An immutable ring over `nodes` (duplicates ignored, order irrelevant: two rings over the same set
 * are identical). Build a new ring when the node set changes; building costs O(N·vnodes·log).
 * @throws RangeError when `vnodes` is not a positive integer.
 */
export class HashRing {
  /** The distinct nodes on the ring, sorted. */
  readonly nodes: readonly string[];
  private readonly points: Uint32Array;
  private readonly owners: Uint32Array;
  private readonly members: ReadonlySet<string>;

  constructor(nodes: Iterable<string>, opts: HashRingOptions = {}) {
    const vnodes = opts.vnodes ?? DEFAULT_VNODES;
    if (!Number.isInteger(vnodes) || vnodes < 1) throw new RangeError(`vnodes must be >= 1, got ${vnodes}`);
    this.members = new Set(nodes);
    this.nodes = [...this.members].sort();
    const n = this.nodes.length * vnodes;
    const pairs = new Array<[number, number]>(n);
    let k = 0;
    for (let i = 0; i < this.nodes.length; i++)
      for (let v = 0; v < vnodes; v++) pairs[k++] = [hashKey(`${this.nodes[i]}#${v}`), i];
    // Ties (rare) are broken by node order so the ring is a function of the node set alone.
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.points = new Uint32Array(n);
    this.owners = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const p = pairs[i] as [number, number];
      this.points[i] = p[0];
      this.owners[i] = p[1];
    }
  }

  /** Number of distinct nodes. */
  get size(): number {
    return this.nodes.length;
  }

  /** True when `node` is on the ring. */
  has(node: string): boolean {
    return this.members.has(node);
  }

  /**
   * The node owning `key`: the first point clockwise from `hashKey(key)` whose node `accept`s (all
   * by default). Returns undefined when the ring is empty or no node is accepted.
   */
  lookup(key: string, accept?: (node: string) => boolean): string | undefined {
    return this.lookupHash(hashKey(key), accept);
  }

  /** `lookup` for an already hashed key (a uint32). */
  lookupHash(hash: number, accept?: (node: string) => boolean): string | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    if (!accept) return this.nodes[this.owners[lo % n] as number];
    const seen = new Set<number>();
    for (let i = 0; i < n && seen.size < this.nodes.length; i++) {
      const owner = this.owners[(lo + i) % n] as number;
      if (seen.has(owner)) continue;
      seen.add(owner);
      const node = this.nodes[owner] as string;
      if (accept(node)) return node;
    }
    return undefined;
  }
}

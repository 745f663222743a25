/**
 * A free list of reusable hot-path objects with one owner at a time. An object is `take`n (fresh or
 * reused), owned by exactly one exchange, then `release`d once: `reset()` clears it and it waits in
 * the list. A second release of an object already released is refused (never listed twice, so two
 * later owners can never share it) and reported through `onDoubleRelease`, which tests turn into a
 * failure. Each take bumps the object's `generation`, so a callback that kept a stale reference can
 * tell (`generation` changed) that the object moved on to another owner.
 */

/** An object a `FreeList` recycles. */
export interface Recyclable {
  /** True while the object sits released (in the list or dropped past its size). */
  released: boolean;
  /** Bumped on every `take`: an owner token for callbacks that may come late. */
  generation: number;
  /** Clears every per-owner field (references included) before the object is listed. */
  reset(): void;
}

/** A bounded free list of `T` (objects past `max` are left to the GC). */
export class FreeList<T extends Recyclable> {
  private readonly items: T[] = [];
  /** Releases refused because the object was released already (must stay 0). */
  doubleReleases = 0;

  constructor(
    private readonly make: () => T,
    private readonly max = 1024,
    private readonly onDoubleRelease: (obj: T) => void = () => {},
  ) {}

  /** A cleared object owned by the caller until it calls `release`. */
  take(): T {
    const o = this.items.pop() ?? this.make();
    o.released = false;
    o.generation++;
    return o;
  }

  /** Gives `o` back; a second release of the same ownership is refused and reported. */
  release(o: T): void {
    if (o.released) {
      this.doubleReleases++;
      this.onDoubleRelease(o);
      return;
    }
    o.released = true;
    o.reset();
    if (this.items.length < this.max) this.items.push(o);
  }

  /** Objects waiting for reuse. */
  get size(): number {
    return this.items.length;
  }
}

/**
 * One upstream connection: its socket, the bytes the socket did not take yet (written on drain, in
 * order), read back-pressure (pause/resume), the partial response head received so far, and the
 * exchange it carries. The connection does not decide when it is reused or closed: the client does,
 * through its `ConnOwner` (see `client.ts`).
 */
import type { Socket } from 'bun';
import type { Exchange } from './exchange.ts';
import type { OriginPool, Pooled } from './pool.ts';

/** Who is told when a connection closes (once). */
export interface ConnOwner {
  closed(c: Conn): void;
}

/** One upstream connection (see the module comment); created by the client, pooled by `pool.ts`. */
export class Conn implements Pooled {
  socket: Socket<Conn> | null = null;
  closed = false;
  idleSince = 0;
  /** The exchange it carries, or null while idle. */
  ex: Exchange | null = null;
  /** Bytes of a response head received so far (a copy), or null. */
  buf: Uint8Array | null = null;
  /** Exchanges started on it. */
  used = 0;
  /** Reading is paused (back-pressure from a streamed body). */
  paused = false;
  /** Bytes the socket did not take yet. */
  readonly pending: Uint8Array[] = [];
  /** Called once `pending` is written. */
  drained: (() => void) | null = null;

  constructor(
    readonly pool: OriginPool<Conn, Exchange>,
    private readonly owner: ConnOwner,
  ) {}

  /** Closes the connection at once (any exchange on it is the caller's to end first). */
  destroy(): void {
    this.markClosed();
    this.socket?.terminate();
  }

  /** Marks it closed once and tells the owner. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.closed(this);
  }

  /** Writes `data` behind anything pending; latin1 for strings (header text, one byte a char). */
  write(data: Uint8Array | string): void {
    if (this.closed || !this.socket) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (this.pending.length > 0) {
      this.pending.push(bytes);
      return;
    }
    const n = this.socket.write(bytes);
    if (n < bytes.byteLength) this.pending.push(bytes.subarray(Math.max(0, n)));
  }

  /** On drain: writes what is pending; once all is written, runs `drained`. */
  flush(): void {
    while (this.pending.length > 0 && this.socket && !this.closed) {
      const b = this.pending[0] as Uint8Array;
      const n = this.socket.write(b);
      if (n < b.byteLength) {
        this.pending[0] = b.subarray(Math.max(0, n));
        return;
      }
      this.pending.shift();
    }
    const d = this.drained;
    this.drained = null;
    d?.();
  }

  /** Resolves once `pending` is written (at once when nothing is). */
  whenDrained(): Promise<void> | null {
    if (this.pending.length === 0) return null;
    return new Promise<void>((r) => (this.drained = r));
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume();
  }
}

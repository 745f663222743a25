/**
 * One upstream connection: its socket, the bytes not written yet (`OutQueue`: corked until the end
 * of the turn, or waiting for the kernel), read back-pressure (pause/resume), the partial response
 * head received so far, and the exchange it carries. The connection does not decide when it is
 * reused or closed: the client does, through its `ConnOwner` (see `client.ts`).
 */
import type { Socket } from 'bun';
import { OutQueue } from '../socket-writer.ts';
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
  /** Bytes not written yet: corked until the end of the turn, or waiting for the kernel. */
  readonly out = new OutQueue();
  /** Called once `out` is written. */
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
    this.out.clear();
    this.owner.closed(this);
  }

  /** Writes `data` behind anything unsent; latin1 for strings (header text, one byte a char). */
  write(data: Uint8Array | string): void {
    if (this.closed || !this.socket) return;
    this.out.write(this.socket, typeof data === 'string' ? Buffer.from(data, 'latin1') : data, false);
  }

  /** On drain: writes what waits for the kernel; once all is written, runs `drained`. */
  flush(): void {
    if (this.socket && !this.closed && !this.out.flush(this.socket)) return;
    const d = this.drained;
    this.drained = null;
    d?.();
  }

  /** Resolves once what waits for the kernel is written (null when nothing does). */
  whenDrained(): Promise<void> | null {
    if (!this.out.blocked) return null;
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

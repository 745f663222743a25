/**
 * The socket side of a raw front-end connection: ordered writes with the unsent bytes queued
 * (`OutQueue`), the waiter of a streamed answer for them to drain, the relayed answer whose
 * upstream reading waits for them (`RelaySink`), reading paused or resumed as
 * the connection asks, the idle deadline, the tunnel when there is one, and the ways the socket
 * ends (at once, or once what is queued is written). `Connection` adds the HTTP on top.
 */
import type { Socket } from 'bun';
import type { RawRelay, RelaySink } from '../client/index.ts';
import { OutQueue } from '../socket-writer.ts';
import { errorAnswer, type ForwardAnswer } from './handler.ts';
import { InputBuffer } from './input-buffer.ts';
import { type AnswerSink, replyBytes } from './reply.ts';
import type { Tunnel, TunnelClient } from './upgrade.ts';

/** A client socket of the raw front end. */
export abstract class ClientSocket implements TunnelClient, AnswerSink, RelaySink {
  readonly ip: string;
  /** Received bytes not handled yet. */
  readonly input = new InputBuffer();
  closed = false;
  tunnel: Tunnel | null = null;
  /** A response body being streamed (cancelled when the client goes away). */
  reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** A relayed answer being written (cancelled when the client goes away), and its keep-alive. */
  private relay: RawRelay | null = null;
  private relayKeep = false;
  protected readonly out = new OutQueue();
  /** Resolves a streamed answer waiting for `out` to drain. */
  private onDrained: (() => void) | null = null;
  /** Reading is on (not paused). */
  private reading = true;

  constructor(
    readonly socket: Socket<unknown>,
    /** Idle timeout between requests and between body pieces of an answer, s. */
    private readonly idleTimeoutS: number,
  ) {
    this.ip = socket.remoteAddress ?? '';
  }

  abstract endAfterWrite(): void;
  abstract finish(keepAlive: boolean): void;

  send(data: Uint8Array, copy: boolean): boolean {
    if (this.closed) return true;
    return this.out.write(this.socket, data, copy);
  }

  sendRange(data: Uint8Array, from: number, to: number): boolean {
    if (this.closed) return true;
    return this.out.writeRange(this.socket, data, from, to);
  }

  relayFrom(relay: RawRelay, keepAlive: boolean): void {
    this.relay = relay;
    this.relayKeep = keepAlive;
    relay.attach(this);
  }

  relayData(data: Uint8Array, from: number, to: number): boolean {
    if (this.closed) return true; // the relay is cancelled with the socket
    this.idle(true); // body traffic is activity
    return this.out.writeRange(this.socket, data, from, to);
  }

  relayEnd(ok: boolean): void {
    this.relay = null;
    if (!this.closed) this.finish(ok && this.relayKeep);
  }

  /** Writes a whole answer whose body is bytes or none (a stream body is cancelled). */
  writeAll(a: ForwardAnswer, http11: boolean, method: string, keepAlive: boolean): void {
    if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {});
    for (const part of replyBytes(a, http11, method, keepAlive)) this.send(part, false);
  }

  /** Resolves once answer bytes waiting for the kernel are written (null when none wait). */
  drained(): Promise<void> | null {
    if (!this.out.blocked) return null;
    return new Promise<void>((r) => (this.onDrained = r));
  }

  /** Restarts the idle deadline (off: none, for an SSE answer or while a body is read). */
  idle(on: boolean): void {
    this.socket.timeout(on ? this.idleTimeoutS : 0);
  }

  /** Received bytes not handled yet (null when none). */
  get buf(): Uint8Array | null {
    return this.input.bytes;
  }

  takeBuffered(): Uint8Array | null {
    const b = this.input.bytes;
    this.input.set(null);
    return b;
  }

  unavailable(): void {
    this.tunnel = null;
    this.writeAll(errorAnswer(502, 'bad_gateway', 'internal front end unavailable'), true, 'GET', false);
    this.endAfterWrite();
  }

  /**
   * On `drain`: writes what is queued; true once it is all written and the connection goes on
   * (not ending, not a tunnel), after waking a streamed answer that waited for it.
   */
  protected flushed(): boolean {
    if (!this.out.flush(this.socket) || this.out.endRequested) return false;
    if (this.tunnel) {
      this.tunnel.socket?.resume();
      return false;
    }
    this.wake();
    return true;
  }

  /** Ends the socket now: a streamed answer is cancelled, the tunnel closed. */
  protected endNow(): void {
    this.reader?.cancel().catch(() => {});
    this.reader = null;
    this.relay?.cancel();
    this.relay = null;
    this.wake();
    this.tunnel?.close();
    this.out.endNow(this.socket);
  }

  /** Ends the socket once what is queued for it is written. */
  protected endWhenWritten(): void {
    this.out.endWhenWritten(this.socket);
  }

  /** Pauses or resumes reading (outside a tunnel, which paces both sides itself). */
  protected setReading(want: boolean): void {
    if (this.tunnel || this.closed || want === this.reading) return;
    this.reading = want;
    if (want) this.socket.resume();
    else this.socket.pause();
  }

  /** `out` drained: the streamed answer waiting for it goes on, or the relay reads again. */
  private wake(): void {
    const w = this.onDrained;
    this.onDrained = null;
    w?.();
    this.relay?.resume();
  }
}

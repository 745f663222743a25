/**
 * One client connection of the raw front end (`listen.ts`). It parses request heads itself and
 * answers its requests in order (pipelining), one at a time: the next request is not parsed while
 * an answer waits for the client (bytes corked for this turn do not count), and reading pauses
 * while the client does not read, while its input exceeds `MAX_BUFFERED_INPUT` or while a streamed
 * body's queue is full. Request bodies are read here (`RequestBody`: buffered up to the retry
 * buffer, streamed beyond); a body idle for `clientBodyTimeoutMs` gets 408 and a close (nginx's
 * `client_body_timeout`), the client's fault, never a server's. Answers: `reply.ts`; upgrades,
 * `OPTIONS *` and the control API (once): the tunnel (`upgrade.ts`); socket plumbing: `ClientSocket`.
 */
import type { Socket } from 'bun';
import type { Linked } from '../intrusive-list.ts';
import { type BadRequestHead, parseRequestHead, type RequestHead, scanResume } from '../request-head.ts';
import { forwardedPrefix } from '../spliced-head.ts';
import { ClientSocket } from './client-socket.ts';
import { Exchange } from './exchange.ts';
import { errorAnswer, type ForwardAnswer, refusedHeadAnswer } from './handler.ts';
import { type Shared, unwatchBody, watchBody } from './listen.ts';
import { writeForwarded } from './reply.ts';
import { bodyProblem, type ClientFault, RequestBody } from './request-body.ts';
import { oneShotRequest, originFormRequest } from './tunnel-heads.ts';
import { isControl, isUpgrade, Tunnel, tunnelled } from './upgrade.ts';

/** Buffered input (bytes) past which a connection stops reading until it has handled some. */
export const MAX_BUFFERED_INPUT = 64 * 1024;

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** One client connection of the raw front end. */
export class Connection extends ClientSocket implements Linked {
  /** A request is being answered; later bytes wait in `buf`. */
  busy = false;
  /** The connection's parsed head, reused for each of its requests. */
  private parsed: RequestHead | undefined = undefined;
  /** The request being answered (one at a time), reset for each. */
  private readonly ex: Exchange;
  /** Inside `forward`: a synchronous answer is handled by `next`'s loop, not by recursion. */
  private inForward = false;
  /** `performance.now()` of the last request-body bytes. */
  bodyAt = 0;
  /** A request body is being read, watched by the client-body timeout (`watchBody`). */
  readingBody = false;
  /** In the front end's open connections (`Shared.clients`), and its links there. */
  listed = false;
  listPrev: Linked | null = null;
  listNext: Linked | null = null;
  private readonly onAnswer = (a: ForwardAnswer) => this.answer(a);
  private readonly onBodyPull = () => this.updateReading();

  constructor(
    socket: Socket<Connection>,
    private readonly sh: Shared,
  ) {
    super(socket as Socket<unknown>, sh.d.idleTimeoutS);
    this.ex = new Exchange(this, forwardedPrefix(this.ip, 'http'));
  }

  onData(data: Uint8Array): void {
    if (this.closed) return;
    if (this.tunnel) {
      if (this.tunnel.once) return; // one control request only: later bytes are dropped
      if (this.tunnel.socket) {
        this.tunnel.fromClient(data);
        return;
      }
    }
    this.input.push(data);
    if (this.ex.reqBody) this.feedBody();
    this.next();
    this.input.own(); // keep no view of Bun's receive buffer past this callback
  }

  onDrain(): void {
    if (!this.flushed()) return;
    if (this.busy) this.updateReading();
    else this.next();
  }

  /** The client went away (or is cut): cancels what it was waiting for. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.leave('client closed during the request body');
    this.endNow();
  }

  /** Marks the connection closed and ends it once the bytes queued for it are written. */
  endAfterWrite(): void {
    this.closed = true;
    this.leave('connection closed');
    this.endWhenWritten();
  }

  /** Leaves the open connections and the body sweep, ending an unfinished request body (499). */
  private leave(message: string): void {
    this.sh.clients.remove(this);
    this.endBody({ status: 499, error: 'client_closed', message });
    unwatchBody(this.sh, this);
  }

  /** Bytes this connection holds: input, a buffered request body, unsent answer bytes. */
  buffered(): number {
    const b = this.ex.reqBody;
    return (this.buf?.byteLength ?? 0) + this.out.queued + (b && !b.stream ? b.received : 0);
  }

  /** Handles the complete requests in `buf` while free (answers given synchronously loop here). */
  private next(): void {
    while (!this.busy && !this.closed && !this.tunnel && this.buf) {
      // Back-pressure: the next request waits until the client has taken the previous answer.
      if (this.out.blocked) break;
      const buf = this.buf;
      let head: RequestHead | null;
      let once: Uint8Array | null = null;
      try {
        head = parseRequestHead(buf, this.parsed, this.input.scanned);
        // A control request goes through the full front once, then the connection closes.
        if (head && isControl(head, this.sh.d.controlPaths) && !(once = oneShotRequest(buf, head))) break;
      } catch (err) {
        this.writeAll(refusedHeadAnswer(err as BadRequestHead), false, 'GET', false);
        this.endAfterWrite();
        return;
      }
      if (!head) {
        this.input.scanned = scanResume(buf.byteLength);
        break;
      }
      this.parsed = head;
      if (once || tunnelled(buf, head)) {
        // Bun.serve routes by Host: an absolute-form head is rewritten.
        this.input.set(once ?? originFormRequest(buf, head));
        const ownBytes = (this.buf?.byteLength ?? 0) - (buf.byteLength - head.bodyStart); // what follows waits
        this.tunnel = new Tunnel(
          this,
          this.sh.d.tunnels,
          once !== null,
          isUpgrade(once, head) ? ownBytes : 0,
        );
        this.idle(false); // the fallback front keeps its own idle timeout
        this.tunnel.open(this.sh.d.fallbackPort, this.sh.d.log);
        return;
      }
      this.begin(buf, head);
    }
    this.updateReading();
  }

  /** Starts answering request `h` parsed from `buf`: forwards it now, or once its body is read. */
  private begin(buf: Uint8Array, h: RequestHead): void {
    const ex = this.ex;
    this.busy = true;
    ex.start(h, this.sh.stopping);
    ex.fault = null;
    this.idle(true); // Bun's socket timeout is a deadline: restarted per exchange
    const hasBody = h.transferEncoding || h.contentLength > 0;
    const problem = hasBody ? bodyProblem(buf, h) : null;
    const draining = this.sh.d.draining();
    if (hasBody)
      ex.keepAlive &&= problem === null && !draining; // an unread body cannot be skipped
    else this.input.rest(buf, h.bodyStart);
    if (problem) return this.refuse(problem.status, problem.error, problem.message);
    if (draining) return this.refuse(503, 'shutting_down', 'the balancer is stopping');
    if (!hasBody) {
      ex.bodiless(buf, h);
      return this.dispatch();
    }
    ex.withBody(buf, h, this.sh.maxBody);
    const n = h.contentLength;
    if (!h.transferEncoding && n <= this.sh.maxBody && buf.byteLength - h.bodyStart >= n) {
      // The whole body came with its head (common): no body reader, no client-body timer.
      const end = h.bodyStart + n;
      ex.bodyFrom(buf, h.bodyStart, end);
      this.input.rest(buf, end);
      return this.dispatch();
    }
    this.input.rest(buf, h.bodyStart);
    if (h.special && h.http11 && !this.buf) this.send(CONTINUE, false); // Expect: 100-continue
    const length = h.transferEncoding ? -1 : h.contentLength;
    const body = new RequestBody(length, this.sh.maxBody, this.onBodyPull, ex.bodyRoom);
    ex.reqBody = body;
    this.bodyAt = performance.now();
    this.idle(false); // the client-body timeout watches the body instead
    watchBody(this.sh, this);
    if (body.stream) {
      ex.body = body.stream;
      if (!h.transferEncoding) ex.contentLength = h.contentLength; // sent as it comes
      this.dispatch();
    }
    this.feedBody();
    if (!ex.dispatched) ex.keepHead();
  }

  /** Answers `cur` with the balancer's own error (nothing was forwarded). */
  private refuse(status: number, error: string, message: string): void {
    const h = this.ex.h as RequestHead;
    this.writeAll(errorAnswer(status, error, message), h.http11, h.method, this.ex.keepAlive);
    this.finish(this.ex.keepAlive);
  }

  /** Feeds `buf` to the request body; forwards the request once it is whole or streams. */
  private feedBody(): void {
    const b = this.ex.reqBody;
    const data = this.buf;
    if (!b || b.done || b.failed || !data) return;
    this.bodyAt = performance.now();
    let used: number;
    try {
      used = b.push(data);
    } catch (err) {
      this.bodyFault({ status: 400, error: 'bad_request', message: (err as Error).message });
      return;
    }
    this.input.rest(data, used);
    if (b.stream && !this.ex.dispatched) {
      this.ex.body = b.stream;
      this.dispatch();
    }
    if (b.done) {
      unwatchBody(this.sh, this);
      this.idle(true);
      if (!this.ex.dispatched) {
        this.ex.bodyRead(b.bytes());
        this.dispatch();
      }
    }
  }

  private dispatch(): void {
    const head = this.ex.h;
    this.ex.dispatched = true;
    this.inForward = true;
    try {
      this.sh.d.forward(this.ex, this.onAnswer);
    } catch (err) {
      this.sh.d.log.error({ err: String(err) }, 'forward failed');
      if (this.ex.h === head) this.answer(errorAnswer(502, 'bad_gateway', 'internal error'));
    } finally {
      this.inForward = false;
      this.ex.headBytes = null;
    }
  }

  /** The request body went `clientBodyTimeoutMs` without a byte. */
  bodyTimedOut(): void {
    this.bodyFault({
      status: 408,
      error: 'client_body_timeout',
      message: `no request body bytes for ${this.sh.bodyTimeoutMs} ms`,
    });
  }

  /** The client failed its body: answered here when nothing was forwarded, else by the forwarder. */
  private bodyFault(f: ClientFault): void {
    unwatchBody(this.sh, this);
    this.ex.keepAlive = false;
    if (!this.ex.dispatched) {
      this.ex.reqBody = null;
      return this.refuse(f.status, f.error, f.message);
    }
    this.endBody(f); // the upstream try fails; the forwarder answers `f` (`fwd.clientFault`)
    if (!this.ex.h) this.close(); // the answer is already going out: cut it
  }

  /** Ends an unfinished request body with fault `f` (a streamed one errors its stream). */
  private endBody(f: ClientFault): void {
    const b = this.ex.reqBody;
    if (!b || b.done) return;
    unwatchBody(this.sh, this);
    this.ex.fault ??= f;
    b.fail(new Error(f.message));
  }

  /** The forwarder's answer to `cur`: written back (as received when it is `raw`). */
  private answer(a: ForwardAnswer): void {
    const h = this.ex.h;
    if (!h || this.closed) {
      if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {});
      if (h) this.finish(false);
      return;
    }
    this.ex.h = null;
    writeForwarded(this, h, a, this.ex.keepAlive && (this.ex.reqBody === null || this.ex.reqBody.done));
  }

  /** After an answer: the next request on a kept connection, or close. */
  finish(keepAlive: boolean): void {
    this.busy = false;
    let keep = keepAlive;
    if (this.ex.reqBody && !this.ex.reqBody.done) {
      keep = false; // answered before the request body ended: the rest cannot be skipped safely
      this.endBody({ status: 499, error: 'client_closed', message: 'answered before the body ended' });
    }
    this.ex.reset();
    if (this.closed) return;
    if (!keep || this.sh.stopping) {
      this.endAfterWrite();
      return;
    }
    this.idle(true); // the idle wait for the next request starts now
    if (!this.inForward) this.next();
  }

  /** Pauses or resumes reading: only while the client reads its answers and input is bounded. */
  private updateReading(): void {
    this.setReading(
      !this.out.blocked &&
        (this.buf?.byteLength ?? 0) < MAX_BUFFERED_INPUT &&
        !(this.ex.reqBody?.full ?? false),
    );
  }
}

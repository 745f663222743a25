/**
 * The contract of the raw front end with what serves its requests (the proxy's forwarder): one
 * client request as the front end read it (`ForwardRequest`), the one answer that goes back
 * (`ForwardAnswer`: an upstream response as it came, or a JSON error from `errorAnswer`), the
 * callback-style `Forwarder` that maps one to the other, and what a request tunnelled into
 * `Bun.serve` needs of its peer (`ProxyPeer`). The front end defines it; `proxy/` implements it.
 */
import type { UpstreamResponse } from '../client/index.ts';
import type { BadRequestHead } from '../request-line.ts';
import type { ClientFault } from './request-body.ts';

/** One client request as the forwarder needs it, whichever front end read it. */
export interface ForwardRequest {
  method: string;
  /** Path and query, e.g. `/work?ms=1`. */
  target: string;
  /** Header lines to send upstream (`forwardedHead`); unused when `rawHead` is set. */
  head: string;
  /** `head` holds the client's `Host` line (passed through); else the upstream's is sent. */
  hasHost: boolean;
  /** The whole upstream request head as bytes (`splicedRequestHead`), for a bodiless request. */
  rawHead?: Uint8Array;
  /**
   * The whole upstream request, head and buffered body, in one buffer (see `UpstreamRequest`):
   * `body` and `rawHead` are then unset, the body being the bytes after the head's blank line.
   */
  rawRequest?: Uint8Array;
  /** Buffered (replayable) body, a stream (sent once) or none (see `rawRequest`). */
  body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  clientIp: string;
  /** A request header by lower-case name (for the affinity key). */
  header(name: string): string | null | undefined;
  /** True once the client went away. */
  aborted(): boolean;
  /**
   * Set once the client failed its request body (stalled: 408, hung up: 499, bad framing: 400):
   * a try that fails then is the client's fault, answered with it, never counted against the
   * server and never retried.
   */
  clientFault?(): ClientFault | null;
  /** True while the client is still sending the request body (a try timing out then is its slowness). */
  bodyPending?(): boolean;
  /** Length of a stream `body` when the client declared it (sent with `content-length`), bytes. */
  contentLength?: number;
  /** Receives each interim 1xx head from the upstream (raw, validated; see `UpstreamRequest`). */
  onInformational?(head: Uint8Array): void;
  /** The client speaks HTTP/1.1: a streamed chunked answer may come framed (`UpstreamRequest`). */
  relayChunked?: boolean;
  /** The front end relays an answer's body as it arrives (`UpstreamRequest.relayRaw`, `RawRelay`). */
  relayRaw?: boolean;
}

/**
 * What goes back to the client: an upstream response as it came, or the balancer's own JSON error.
 * `headers` are end-to-end, lower-case names, no framing headers — unless `raw` is set (a clean
 * upstream response as received, valid only during the `done` callback; see `UpstreamResponse`).
 */
export type ForwardAnswer = UpstreamResponse;

/** Forwards a request with retries; calls `done` exactly once (possibly before returning). */
export type Forwarder = (r: ForwardRequest, done: (a: ForwardAnswer) => void) => void;

const JSON_HEADERS: [string, string][] = [['content-type', 'application/json;charset=utf-8']];
const utf8 = new TextEncoder();

/** A JSON error answer (`{ error, message }`) with `status`: the front end's own and the proxy's. */
export function errorAnswer(status: number, error: string, message: string): ForwardAnswer {
  return {
    status,
    statusText: '',
    headers: JSON_HEADERS,
    body: utf8.encode(JSON.stringify({ error, message })),
  };
}

/** The answer to a request head the parser refused: its status, code and message, and its extra headers (`allow`). */
export function refusedHeadAnswer(e: BadRequestHead): ForwardAnswer {
  const a = errorAnswer(e.status ?? 400, e.code ?? 'bad_request', e.message);
  if (e.headers?.length) a.headers = [...a.headers, ...e.headers];
  return a;
}

/** What the proxy needs from Bun's server: the client address and a per-request idle timeout. */
export interface ProxyPeer {
  requestIP(req: Request): { address: string } | null;
  timeout(req: Request, seconds: number): void;
}

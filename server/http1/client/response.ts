/**
 * Upstream responses outside the socket callback: `detach` turns a `raw` answer (valid only during
 * its callback) into one that can be kept — status, end-to-end headers and the body as bytes (a
 * chunked one decoded) — and `requestUpstream` is `send` as a promise. Plus the byte helpers that
 * build raw answers (`cut`, `joinAll`).
 */
import { copyBytes } from '../bytes.ts';
import { ChunkedDecoder } from '../chunked.ts';
import type { ResponseHead } from '../response-head.ts';
import { parseResponseHead } from '../response-text.ts';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './types.ts';

/**
 * `client.send` as a promise of a kept (`detach`ed) response.
 * @throws UpstreamError before the final response head arrived.
 */
export function requestUpstream(
  client: UpstreamClient,
  origin: string,
  req: Omit<UpstreamRequest, 'onAnswer'>,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) =>
    client.send(origin, {
      ...req,
      onAnswer: (err, res) => (res ? resolve(detach(res)) : reject(err)),
    }),
  );
}

/**
 * A response that may be kept past its callback: a `raw` one is parsed into status, headers
 * (hop-by-hop ones dropped) and a copied body (decoded when chunked); any other is returned as is.
 */
export function detach(res: UpstreamResponse): UpstreamResponse {
  const raw = res.raw;
  if (!raw) return res;
  const head = parseResponseHead(raw) as ResponseHead; // it scanned complete and clean
  // The body bytes: after the head in `raw`, or the `rawTail` range.
  const src = res.rawTail ?? raw;
  const from = res.rawTail ? (res.rawTailFrom ?? 0) : head.bodyStart;
  const to = res.rawTail ? (res.rawTailTo ?? 0) : raw.byteLength;
  let body: Uint8Array | null = null;
  if (to > from) {
    if (head.chunked) {
      const parts: Uint8Array[] = [];
      new ChunkedDecoder().push(src, (p) => parts.push(p), from); // it stops at the body's end
      body = parts.length === 1 ? (parts[0] as Uint8Array).slice() : joinAll(parts);
    } else body = src.slice(from, to);
  }
  return { status: head.status, statusText: head.statusText, headers: head.headers, body };
}

/** Placeholder request of a pooled exchange (drops the reference to the finished one). */
export const NO_REQUEST: UpstreamRequest = {
  method: 'GET',
  target: '/',
  head: '',
  body: undefined,
  timeoutMs: 0,
  onAnswer() {},
  onDone() {},
};

/** A parsed (not raw) answer of `head` with `body`. */
export function answer(head: ResponseHead, body: UpstreamResponse['body']): UpstreamResponse {
  return { status: head.status, statusText: head.statusText, headers: head.headers, body };
}

/** A raw answer to fill with `setRaw` (one is reused for every raw answer: each lives only during its callback). */
export function newRawAnswer(): UpstreamResponse {
  const none = new Uint8Array(0);
  return {
    status: 0,
    statusText: '',
    headers: [],
    body: null,
    raw: none,
    rawTail: undefined,
    rawTailFrom: 0,
    rawTailTo: 0,
  };
}

const EMPTY = new Uint8Array(0);

/** Drops a raw answer's bytes once its callback returned (they view a receive buffer). */
export function clearRaw(res: UpstreamResponse): void {
  res.raw = EMPTY;
  res.rawTail = undefined;
  res.relay = undefined;
}

/**
 * A raw answer whose head loses hop-by-hop lines and whose body is this large or larger (bytes)
 * comes as the cut head plus its body in place (`rawTail`): a second write is then cheaper than
 * copying the body.
 */
const SPLIT_BODY_BYTES = 16 * 1024;

/**
 * Sets `res.raw` (and `rawTail`) to the clean answer `buf[0..total)`, whose head ends at `bodyStart`
 * and loses the byte ranges in `drop` (hop-by-hop lines): as received when there are none, else
 * copied without them, or, for a large body, the cut head alone with the body left in place.
 */
export function setRaw(
  res: UpstreamResponse,
  buf: Uint8Array,
  total: number,
  bodyStart: number,
  drop: number[],
): void {
  if (drop.length === 0) res.raw = total === buf.byteLength ? buf : buf.subarray(0, total);
  else if (total - bodyStart < SPLIT_BODY_BYTES) res.raw = cut(buf, total, drop);
  else {
    res.raw = cut(buf, bodyStart, drop);
    res.rawTail = buf;
    res.rawTailFrom = bodyStart;
    res.rawTailTo = total;
  }
}

/** `buf[0..total)` without the byte ranges in `drop` (flat `[start, end)` pairs, in order): a copy. */
export function cut(buf: Uint8Array, total: number, drop: number[]): Uint8Array {
  let size = total;
  for (let i = 0; i < drop.length; i += 2) size -= (drop[i + 1] as number) - (drop[i] as number);
  const out = new Uint8Array(size);
  let from = 0;
  let at = 0;
  for (let i = 0; i <= drop.length; i += 2) {
    const to = i < drop.length ? (drop[i] as number) : total;
    at = copyBytes(buf, from, to, out, at);
    from = i < drop.length ? (drop[i + 1] as number) : total;
  }
  return out;
}

/** The parts in one new buffer (the part itself when there is one). */
export function joinAll(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

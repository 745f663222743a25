/**
 * The fast path of an upstream answer: a clean answer (see `scanResponseHead`) complete in the
 * receive buffer goes to the caller as its own bytes (`raw`), without strings or copies, a chunked
 * body's framing checked in place rather than decoded; one not complete goes so as far as it came
 * when the caller relays bodies (`relayRaw`), and the rest of its body follows through the
 * exchange's `RawRelay`, piece by piece as it arrives, its framing checked as it passes. Answers
 * that need more (delimited by close, or incomplete for a caller that does not relay) are left to
 * the exchange's slow path.
 */
import { ChunkedDecoder } from '../chunked.ts';
import type { BodyFraming, ResponseScan } from '../response-head.ts';
import type { Exchange } from './exchange.ts';
import { clearRaw, newRawAnswer, setRaw } from './response.ts';
import type { UpstreamResponse } from './types.ts';

/**
 * Validating decoder and raw answer reused by every exchange (one data event at a time). A relayed
 * chunked answer keeps the checker, whose state is where its first piece ended, and a new one
 * takes its place.
 */
let checker = new ChunkedDecoder();
const rawAnswer: UpstreamResponse = newRawAnswer();

/**
 * Answers `ex` from `buf` (its final head scanned clean as `scan`) when it can go `raw`. False
 * when it needs the slow path; true when it was handled: answered (whole, or its start with the
 * rest relayed), or failed as a bad response (a malformed chunked body).
 */
export function passThrough(
  ex: Exchange,
  buf: Uint8Array,
  scan: ResponseScan,
  framing: BodyFraming,
): boolean {
  let total = scan.bodyStart;
  if (framing === 'length') total += scan.contentLength;
  else if (framing === 'chunked') {
    // Raw chunked bytes only for a caller that relays them to an HTTP/1.1 client.
    if (ex.req.relayChunked !== true) return false;
    checker.reset();
    try {
      total = checker.push(buf, undefined, total); // -1: not all here
    } catch (err) {
      ex.bad(err);
      return true;
    }
  } else if (framing === 'close') return false;
  const complete = total >= 0 && buf.byteLength >= total;
  if (!complete && ex.req.relayRaw !== true) return false;
  // One response object serves every raw answer: it is valid only during the callback anyway.
  const res = rawAnswer;
  res.status = scan.status;
  if (!complete) {
    relayFirst(ex, res, buf, scan, framing);
    return true;
  }
  setRaw(res, buf, total, scan.bodyStart, scan.drop);
  ex.host.finish(ex, total === buf.byteLength);
  ex.host.tell(ex, null, res);
  clearRaw(res);
  ex.host.recycle(ex);
  return true;
}

/**
 * The start of a clean answer, all of `buf`, goes `raw` with `relay` set; the rest of its body is
 * relayed to the sink the caller attaches during the callback (none attached: the exchange ends,
 * its connection destroyed).
 */
function relayFirst(
  ex: Exchange,
  res: UpstreamResponse,
  buf: Uint8Array,
  scan: ResponseScan,
  framing: BodyFraming,
): void {
  ex.streamed = true; // the caller holds it as its relay: never recycled, so a late cancel is a no-op
  const body = ex.body;
  if (framing === 'length') body.remaining = scan.contentLength - (buf.byteLength - scan.bodyStart);
  else {
    body.decoder = checker; // it checked `buf` above: its state is where the relay goes on
    checker = new ChunkedDecoder();
  }
  setRaw(res, buf, buf.byteLength, scan.bodyStart, scan.drop);
  res.relay = ex;
  ex.host.tell(ex, null, res);
  clearRaw(res);
  if (body.sink === null && !ex.finished) ex.host.finish(ex, false);
}

/**
 * Request and answer heads rewritten for the byte tunnel into the full `Bun.serve` front, pure: an
 * absolute-form request in origin-form, a one-shot control request closed after its answer, and
 * that answer marked `connection: close`.
 */
import { headParts } from '../head-parts.ts';
import { BadRequestHead, headerFields, type RequestHead } from '../request-head.ts';

/**
 * The bytes to hand the full `Bun.serve` front for a tunnelled absolute-form request (Bun would take
 * the client's Host and drop the authority): the head rewritten to origin-form with the authority
 * as its one Host, every other header line as sent (framing included), then the rest of `buf`.
 * `buf` unchanged for an origin-form request.
 */
export function originFormRequest(buf: Uint8Array, head: RequestHead): Uint8Array {
  if (!head.authority) return buf;
  const parts = headParts(buf, head, headerFields(buf, head), () => false);
  parts.push(buf.subarray(head.headEnd));
  return Buffer.concat(parts);
}

/** Largest control-API request body the raw front end holds for a one-shot tunnel, bytes. */
export const MAX_CONTROL_BODY_BYTES = 64 * 1024;

/**
 * The first request of `buf` (parsed as `head`) rewritten for a one-shot tunnel into the full
 * `Bun.serve` front (the control API): origin-form, one Host, its `Connection` lines replaced by
 * `connection: close` — so the full front answers once and closes, and the client's next request is
 * read by the strict front end again, not by Bun's own parser — then its Content-Length body. Null
 * while the body has not all arrived.
 * @throws BadRequestHead 411 for a chunked body, 413 for one over `MAX_CONTROL_BODY_BYTES`.
 */
export function oneShotRequest(buf: Uint8Array, head: RequestHead): Uint8Array | null {
  if (head.transferEncoding)
    throw new BadRequestHead(411, 'a control request needs a Content-Length body', 'length_required');
  const length = Math.max(0, head.contentLength);
  if (length > MAX_CONTROL_BODY_BYTES)
    throw new BadRequestHead(413, 'control request body too large', 'payload_too_large');
  if (buf.byteLength < head.bodyStart + length) return null;
  const parts = headParts(buf, head, headerFields(buf, head), (k) => k === 'connection');
  parts.push(
    Buffer.from('connection: close\r\n\r\n', 'latin1'),
    buf.subarray(head.bodyStart, head.bodyStart + length),
  );
  return Buffer.concat(parts);
}

const CONNECTION_CLOSE = Buffer.from('connection: close\r\n', 'latin1');

/**
 * The first bytes of the full front's answer to a one-shot control request (`oneShotRequest`),
 * with `connection: close` inserted after the status line, so the client does not reuse the
 * connection the full front is about to close (Bun.serve does not say so itself). Unchanged when
 * the status line is not all in `data`, or the answer already carries a Connection header.
 */
export function withConnectionClose(data: Uint8Array): Uint8Array {
  const eol = data.indexOf(10);
  if (eol < 0 || data[eol - 1] !== 13) return data;
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, MAX_CONTROL_BODY_BYTES));
  const end = head.indexOf('\r\n\r\n');
  if (
    head
      .subarray(0, end < 0 ? head.byteLength : end)
      .toString('latin1')
      .toLowerCase()
      .includes('\nconnection:')
  )
    return data;
  return Buffer.concat([data.subarray(0, eol + 1), CONNECTION_CLOSE, data.subarray(eol + 1)]);
}

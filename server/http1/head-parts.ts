/**
 * A client request head as byte pieces, pure: its request line (origin-form for an absolute-form
 * target, RFC 9112 §3.2.2), the authority as its Host, and the client's own header lines a caller
 * keeps, each a view of the parsed buffer (no string per header). `spliced-head.ts` and
 * `tunnel-heads.ts` assemble upstream and tunnel heads from them.
 */
import type { RequestHead } from './request-head.ts';

/** The request line of `head` as bytes: the client's own, or origin-form for an absolute-form target. */
export function requestLineOf(buf: Uint8Array, head: RequestHead): Uint8Array {
  if (head.authority)
    return Buffer.from(`${head.method} ${head.target} HTTP/1.${head.http11 ? 1 : 0}\r\n`, 'latin1');
  return buf.subarray(0, head.fields.length > 0 ? (head.fields[0] as number) : head.headEnd);
}

/**
 * The upstream head of `head` as byte pieces, without the blank line: its request line (origin-form),
 * the authority as Host for an absolute-form target (in place of the client's Host lines), then the
 * client's header lines whose lower-case name `drop` refuses not.
 */
export function headParts(
  buf: Uint8Array,
  head: RequestHead,
  fields: [string, string][],
  drop: (name: string) => boolean,
): Uint8Array[] {
  const parts = [requestLineOf(buf, head)];
  const absolute = head.authority !== '';
  if (absolute) parts.push(Buffer.from(`host: ${head.authority}\r\n`, 'latin1'));
  keptLines(buf, head, fields, (k) => drop(k) || (absolute && k === 'host'), parts);
  return parts;
}

/**
 * Pushes onto `parts` the bytes of each client header line whose lower-case name `skip` refuses
 * not. `fields` is `headerFields(buf, head)` of `request-head.ts` (the authority first when it
 * stands for a missing Host).
 */
function keptLines(
  buf: Uint8Array,
  head: RequestHead,
  fields: [string, string][],
  skip: (name: string) => boolean,
  parts: Uint8Array[],
): void {
  const f = head.fields;
  const skew = head.authority && head.host < 0 ? 1 : 0;
  for (let i = 0; i * 4 < f.length; i++)
    if (!skip((fields[i + skew] as [string, string])[0]))
      parts.push(
        buf.subarray(f[i * 4] as number, i * 4 + 4 < f.length ? (f[i * 4 + 4] as number) : head.headEnd),
      );
}

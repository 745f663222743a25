/**
 * A response head as strings (reason, end-to-end headers), for the paths that re-serialise an
 * answer instead of relaying its bytes: built after `scanResponseHead` checked the head, so it
 * inherits every strictness rule there.
 */
import { HOP_BY_HOP } from './fields.ts';
import { type ResponseHead, scanResponseHead } from './response-head.ts';

const latin1 = new TextDecoder('latin1');

/**
 * Parses the response head at the start of `buf` into strings, after `scanResponseHead` checked it;
 * null when the head is not complete yet. Hop-by-hop headers, those named in `Connection`, and
 * `Content-Length` are left out.
 * @throws BadResponse as `scanResponseHead`.
 */
export function parseResponseHead(buf: Uint8Array): ResponseHead | null {
  const scan = scanResponseHead(buf);
  if (!scan) return null;
  const text = latin1.decode(buf.subarray(0, scan.bodyStart - 4));
  const eol0 = text.indexOf('\r\n');
  const eol = eol0 < 0 ? text.length : eol0;
  const headers: [string, string][] = [];
  const named = new Set<string>();
  let at = eol + 2;
  while (at < text.length) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    const c = text.indexOf(':', at);
    const name = text.slice(at, c).toLowerCase();
    const value = text.slice(c + 1, next).trim();
    at = next + 2;
    if (name === 'connection') for (const t of value.split(',')) named.add(t.trim().toLowerCase());
    else if (name !== 'content-length' && !HOP_BY_HOP.has(name)) headers.push([name, value]);
  }
  return {
    status: scan.status,
    statusText: eol > 13 ? text.slice(13, eol) : '',
    headers: named.size > 0 ? headers.filter(([n]) => !named.has(n)) : headers,
    contentLength: scan.contentLength,
    chunked: scan.chunked,
    keepAlive: scan.keepAlive,
    bodyStart: scan.bodyStart,
  };
}

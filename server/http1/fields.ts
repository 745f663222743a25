/**
 * Byte-level rules for HTTP/1.1 header fields (RFC 9110 §5, RFC 9112 §5), shared by the request and
 * response parsers and the chunked trailer check: the hop-by-hop header set, finding the blank line
 * that ends a head, case-insensitive name matching without strings, and the strict check of one
 * field line (`name: value`). Everything works on `Uint8Array` offsets so the hot path builds no
 * string; the checks are table lookups per byte.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus `proxy-connection`; never forwarded. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `tchar` of RFC 9110 §5.6.2, by byte (1 = allowed in a token, e.g. a header name). */
export const TOKEN_CHAR = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TOKEN_CHAR[ch.charCodeAt(0)] = 1;

/**
 * Bytes allowed in a field value (RFC 9110 §5.5): HTAB, SP, VCHAR and obs-text. Every other control
 * byte — NUL, a bare CR or LF, DEL — is refused, as HAProxy does.
 */
export const VALUE_CHAR = new Uint8Array(256);
VALUE_CHAR[9] = 1;
for (let b = 32; b < 256; b++) VALUE_CHAR[b] = b === 127 ? 0 : 1;

/** Offset of the `\r\n\r\n` ending a head in `buf[from..]`, or -1 when not complete yet. */
export function findHeadEnd(buf: Uint8Array, from = 0): number {
  // A plain loop: heads are short, and it beats an `indexOf` call per CR.
  const last = buf.length - 3;
  for (let i = from; i < last; i++)
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  return -1;
}

/** Lower-case ASCII of byte `b` (only letters change). */
function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** True when `buf[at..at+len)` equals the lower-case `name`, ignoring ASCII case (header names). */
export function nameIs(buf: Uint8Array, at: number, len: number, name: string): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if (lower(buf[at + i] as number) !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Checks one field line `buf[at..eol)` (without its CRLF): the offset of its colon, or a negative
 * code (`fieldLineError` names it) — no throw, so the hot loop stays cheap. Strict as HAProxy by
 * default: the name is a non-empty token directly followed by `:` (RFC 9112 §5.1 lets a proxy
 * strip whitespace before the colon of a response instead; HAProxy refuses it, as we do), a line
 * starting with SP/HTAB (obs-fold, §5.2) is refused, and the value holds only `VALUE_CHAR` bytes.
 */
export function checkFieldLine(buf: Uint8Array, at: number, eol: number): number {
  let colon = at;
  while (colon < eol && TOKEN_CHAR[buf[colon] as number] === 1) colon++;
  if (colon === eol || buf[colon] !== 58) {
    const b = buf[colon] as number;
    if (colon === at && (b === 32 || b === 9)) return OBS_FOLD;
    if (b === 32 || b === 9) return SPACE_BEFORE_COLON;
    return colon === eol ? NO_COLON : BAD_NAME;
  }
  if (colon === at) return EMPTY_NAME;
  for (let i = colon + 1; i < eol; i++) if (VALUE_CHAR[buf[i] as number] !== 1) return BAD_VALUE;
  return colon;
}

const OBS_FOLD = -1;
const SPACE_BEFORE_COLON = -2;
const NO_COLON = -3;
const BAD_NAME = -4;
const EMPTY_NAME = -5;
const BAD_VALUE = -6;
const FIELD_ERRORS = [
  '',
  'obs-fold line',
  'whitespace before the colon',
  'field line without a colon',
  'bad byte in a field name',
  'empty field name',
  'control byte in a field value',
];

/** What the negative `checkFieldLine` code `code` means. */
export function fieldLineError(code: number): string {
  return FIELD_ERRORS[-code] ?? 'malformed field line';
}

const span = [0, 0];

/** `[from, to)` trimmed of SP/HTAB on both sides, as `[start, end]` written into `out`. */
export function trimmed(buf: Uint8Array, from: number, to: number, out: number[]): void {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  let j = to;
  while (j > i && (buf[j - 1] === 32 || buf[j - 1] === 9)) j--;
  out[0] = i;
  out[1] = j;
}

/** `connectionTokens` bits: `close`, `keep-alive`, any other token. */
export const CLOSE = 1;
export const KEEP_ALIVE = 2;
export const OTHER = 4;

/** The tokens of a `Connection` value as bits: `close`, `keep-alive`, anything else. */
export function connectionTokens(buf: Uint8Array, from: number, to: number): number {
  let bits = 0;
  let at = from;
  while (at <= to) {
    let comma = at;
    while (comma < to && buf[comma] !== 44) comma++;
    trimmed(buf, at, comma, span);
    const s = span[0] as number;
    const len = (span[1] as number) - s;
    if (len === 5 && nameIs(buf, s, len, 'close')) bits |= CLOSE;
    else if (len === 10 && nameIs(buf, s, len, 'keep-alive')) bits |= KEEP_ALIVE;
    else if (len > 0) bits |= OTHER;
    at = comma + 1;
  }
  return bits;
}

/** The decimal value (1 to 15 digits, OWS trimmed) of `buf[from..to)`, or -1 when it is not one. */
export function decimalValue(buf: Uint8Array, from: number, to: number): number {
  trimmed(buf, from, to, span);
  const i = span[0] as number;
  const j = span[1] as number;
  if (j === i || j - i > 15) return -1;
  let n = 0;
  for (let k = i; k < j; k++) {
    const dg = (buf[k] as number) - 48;
    if (dg < 0 || dg > 9) return -1;
    n = n * 10 + dg;
  }
  return n;
}

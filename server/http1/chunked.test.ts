import { describe, expect, test } from 'bun:test';
import { BadChunkedBody, ChunkedDecoder } from './chunked.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Decodes `raw` fed in pieces of `step` bytes: payload, end offset of the last push. */
function decode(raw: string, step = raw.length): { payload: string; end: number } {
  const b = bytes(raw);
  const d = new ChunkedDecoder();
  const out: number[] = [];
  let end = -1;
  let at = 0;
  for (let i = 0; i < b.length; i += step) {
    const piece = b.subarray(i, i + step);
    end = d.push(piece, (p) => out.push(...p));
    if (end >= 0) {
      at = i + end;
      break;
    }
  }
  return { payload: new TextDecoder().decode(new Uint8Array(out)), end: end < 0 ? -1 : at };
}

describe('ChunkedDecoder', () => {
  test('a body split at every byte decodes to the same payload and ends past the trailers', () => {
    const raw = '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-T: 1\r\n\r\n';
    expect(decode(raw, 1)).toEqual({ payload: 'hello, world', end: raw.length });
    expect(decode(raw)).toEqual({ payload: 'hello, world', end: raw.length });
  });

  test.each([
    ['upper-case hex and blanks before an extension', 'A ;x\r\n0123456789\r\n0\r\n\r\n', '0123456789'],
    ['an empty body', '0\r\n\r\n', ''],
    ['leading zeros', '005\r\nhello\r\n000\r\n\r\n', 'hello'],
  ])('%s decodes', (_name, raw, payload) => {
    expect(decode(raw)).toEqual({ payload, end: raw.length });
  });

  test('without a callback it only validates and still finds the end; bytes after it are not read', () => {
    const d = new ChunkedDecoder();
    expect(d.push(bytes('2\r\nok\r\n0\r\n\r\nHTTP/1.1'))).toBe(12);
    expect(d.done).toBe(true);
    d.reset();
    expect(d.done).toBe(false);
    expect(d.push(bytes('2\r\nok\r\n'))).toBe(-1);
  });

  test('from an offset it reads only the bytes after it and returns an offset in the whole buffer', () => {
    const d = new ChunkedDecoder();
    const raw = bytes('HTTP/1.1 200 OK\r\n\r\n2\r\nok\r\n0\r\n\r\nnext');
    expect(d.push(raw, undefined, 19)).toBe(31);
    d.reset();
    const parts: string[] = [];
    expect(d.push(raw, (p) => parts.push(new TextDecoder().decode(p)), 19)).toBe(31);
    expect(parts).toEqual(['ok']);
  });

  test.each([
    ['a non-hex size', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['a 0x size', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['a signed size', '+5\r\nhello\r\n0\r\n\r\n'],
    ['an empty size', '\r\nhello\r\n0\r\n\r\n'],
    ['a size over 13 hex digits', 'fffffffffffffff\r\n'],
    ['data not followed by CRLF', '5\r\nhelloX\r\n0\r\n\r\n'],
    ['data followed by a bare LF', '5\r\nhello\n0\r\n\r\n'],
    ['a size line ending in a bare LF', '5\nhello\r\n0\r\n\r\n'],
    ['an over-long size line', `5;${'e'.repeat(5_000)}\r\nhello\r\n0\r\n\r\n`],
    ['a control byte in an extension', '5;a\x01b\r\nhello\r\n0\r\n\r\n'],
    ['a trailer without a colon', '0\r\nno colon\r\n\r\n'],
    ['an obs-folded trailer', '0\r\nX-A: 1\r\n 2\r\n\r\n'],
    ['a control byte in a trailer', '0\r\nX-A: \x00\r\n\r\n'],
    ['a last chunk without its final CRLF', '0\r\n\rX'],
  ])('%s throws BadChunkedBody, fed whole or byte by byte', (_name, raw) => {
    expect(() => decode(raw)).toThrow(BadChunkedBody);
    expect(() => decode(raw, 1)).toThrow(BadChunkedBody);
  });
});

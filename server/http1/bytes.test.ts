import { describe, expect, test } from 'bun:test';
import {
  copyBytes,
  copyOf,
  decimalLength,
  latin1Of,
  RELEASE_MIN_BYTES,
  releaseReceived,
  writeDecimal,
} from './bytes.ts';

describe('copyBytes', () => {
  test.each([
    ['a middle part', 2, 5, 1, [0, 3, 4, 5, 0, 0]],
    ['nothing', 3, 3, 0, [0, 0, 0, 0, 0, 0]],
    ['to the end of the target', 0, 6, 4, [0, 0, 0, 0, 1, 2]],
  ])('copies %s and returns the offset after it', (_name, from, to, at, want) => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const dst = new Uint8Array(6);
    const end = copyBytes(src, from, to, dst, at);
    expect([...dst]).toEqual(want);
    expect(end).toBe(at + Math.min(to - from, 6 - at));
  });

  test('takes a view of a larger buffer as source', () => {
    const src = new Uint8Array([9, 9, 1, 2, 3]).subarray(2);
    const dst = new Uint8Array(3);
    expect(copyBytes(src, 0, 3, dst, 0)).toBe(3);
    expect([...dst]).toEqual([1, 2, 3]);
  });
});

describe('copyOf', () => {
  test.each([
    ['a Uint8Array', new Uint8Array([1, 2, 3, 4, 5])],
    ['a Buffer (whose slice would be a view)', Buffer.from([1, 2, 3, 4, 5])],
  ])('copies a part of %s into a buffer of its own', (_name, src) => {
    const out = copyOf(src, 1, 4);
    src.fill(0);
    expect([...out]).toEqual([2, 3, 4]);
    expect(copyOf(src, 2, 2).byteLength).toBe(0);
  });
});

describe('latin1Of', () => {
  test.each([
    ['a middle part', 4, 9, '/a?b='],
    ['nothing', 3, 3, ''],
    ['bytes over 0x7f', 11, 13, '\u00e9\u0080'],
  ])('reads %s as one character a byte', (_name, from, to, want) => {
    const buf = Buffer.from([...Buffer.from('GET /a?b=1 ', 'latin1'), 0xe9, 0x80]);
    expect(latin1Of(new Uint8Array(buf), from, to)).toBe(want);
  });
});

describe('writeDecimal', () => {
  test.each([0, 7, 10, 99, 1024, 1048576, 9007199254740991])('writes %d as ASCII digits', (n) => {
    const dst = new Uint8Array(20);
    const end = writeDecimal(n, dst, 1);
    expect(new TextDecoder().decode(dst.subarray(1, end))).toBe(String(n));
    expect(decimalLength(n)).toBe(String(n).length);
  });
});

describe('releaseReceived', () => {
  const big = RELEASE_MIN_BYTES;
  test.each([
    ['a whole buffer of RELEASE_MIN_BYTES', () => new Uint8Array(big), true],
    ['a whole Buffer of 1 MiB', () => Buffer.alloc(1 << 20), true],
    ['a buffer one byte under the bound', () => new Uint8Array(big - 1), false],
    ['a view at offset 1 of a larger buffer', () => new Uint8Array(big + 8).subarray(1), false],
    ['a view of the start of a larger buffer', () => new Uint8Array(big * 2).subarray(0, big), false],
    ['a slice of a shared pool (Buffer.from of a short string)', () => Buffer.from('hello'), false],
  ] as [string, () => Uint8Array, boolean][])('%s: freed %p', (_name, make, freed) => {
    const data = make();
    const length = data.byteLength;
    const store = data.buffer;
    releaseReceived(data);
    expect(data.byteLength).toBe(freed ? 0 : length);
    expect((store as ArrayBuffer & { detached: boolean }).detached).toBe(freed);
  });
});

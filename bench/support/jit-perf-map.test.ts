import { describe, expect, test } from 'bun:test';
import { type CodeLoad, liveCode, parseJitDump, perfMap } from './jit-perf-map.ts';

/** A jitdump file of `pid` with one `JIT_CODE_LOAD` per entry of `loads` (and a debug-info record between). */
function dump(pid: number, loads: readonly CodeLoad[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(40));
  header.setUint32(0, 0x4a695444, true);
  header.setUint32(4, 1, true);
  header.setUint32(8, 40, true);
  header.setUint32(20, pid, true);
  parts.push(new Uint8Array(header.buffer));
  const other = new DataView(new ArrayBuffer(24)); // JIT_CODE_DEBUG_INFO, skipped
  other.setUint32(0, 2, true);
  other.setUint32(4, 24, true);
  for (const c of loads) {
    const name = new TextEncoder().encode(c.name);
    const size = 56 + name.byteLength + 1 + 4; // and 4 bytes of "code"
    const r = new DataView(new ArrayBuffer(size));
    r.setUint32(0, 0, true);
    r.setUint32(4, size, true);
    r.setUint32(16, pid, true);
    r.setBigUint64(24, c.addr, true);
    r.setBigUint64(32, c.addr, true);
    r.setBigUint64(40, c.size, true);
    new Uint8Array(r.buffer).set(name, 56);
    parts.push(new Uint8Array(r.buffer), new Uint8Array(other.buffer));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

describe('jit-perf-map', () => {
  const a = { addr: 0x1000n, size: 0x100n, name: 'JSC-DFG: next#A' };
  const b = { addr: 0x2000n, size: 0x80n, name: 'JSC-FTL: parseRequestHead#B' };
  const c = { addr: 0x1080n, size: 0x100n, name: 'JSC-FTL: next#C' }; // over the end of a

  test('reads the pid and every code load, skipping other records', () => {
    const parsed = parseJitDump(dump(4321, [a, b, c]));
    expect(parsed.pid).toBe(4321);
    expect(parsed.loads).toEqual([a, b, c]);
  });

  test('a later load replaces the earlier code it overlaps; the map is sorted by address', () => {
    const live = liveCode([a, b, c]);
    expect(live).toEqual([c, b]);
    expect(perfMap(live)).toBe('1080 100 JSC-FTL: next#C\n2000 80 JSC-FTL: parseRequestHead#B\n');
  });

  test('code that only touches an earlier piece at its end keeps both', () => {
    const d = { addr: 0x1100n, size: 0x10n, name: 'd' };
    expect(liveCode([a, d])).toEqual([a, d]);
  });

  test('a record cut short by the end of the file ends the read', () => {
    const whole = dump(7, [a, b]);
    expect(parseJitDump(whole.subarray(0, whole.byteLength - 30)).loads).toEqual([a]);
  });

  test('anything else is refused', () => {
    expect(() => parseJitDump(new Uint8Array(64))).toThrow('not a jitdump file');
  });
});

/**
 * Names for JavaScriptCore's JIT code in a `perf` profile of a Bun process. Started with
 * `BUN_JSC_useJITDump=1`, JSC writes every piece of code it compiles to a jitdump file
 * (`/tmp/jit-<tid>-<pid>-<random>`, the format of the Linux kernel's `tools/perf/Documentation/
 * jitdump-specification.txt`), but `perf inject --jit` accepts only files named `jit-<pid>.dump`, so
 * `perf report` shows `[JIT] tid <pid>` and bare addresses. This turns the dump into the older perf
 * map (`/tmp/perf-<pid>.map`: `start size name` in hex, one line per symbol), which `perf report`
 * reads by itself. JSC reuses freed code memory, so a later code load replaces every earlier one it
 * overlaps: the map names the code that ran last at each address (right for a profile taken after
 * warm-up). Usage, for the balancer under load:
 *
 *   BUN_JSC_useJITDump=1 bun server/main.ts balancer …   # then load it
 *   perf record -g -p <pid> -- sleep 5
 *   bun bench/support/jit-perf-map.ts                     # every /tmp/jit-* dump
 *   perf report --no-children --sort dso,sym
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** One piece of compiled code: its address, size (bytes) and JSC's name for it. */
export interface CodeLoad {
  addr: bigint;
  size: bigint;
  name: string;
}

/** `JIT_CODE_LOAD`, the only record kind read; the others (move, debug info, close) are skipped. */
const JIT_CODE_LOAD = 0;
const JITDUMP_MAGIC = 0x4a695444; // "JiTD", little-endian
const utf8 = new TextDecoder();

/**
 * The process id and the code loads of jitdump `bytes`, in file order.
 * @throws Error when `bytes` is not a little-endian jitdump file.
 */
export function parseJitDump(bytes: Uint8Array): { pid: number; loads: CodeLoad[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 40 || v.getUint32(0, true) !== JITDUMP_MAGIC) throw new Error('not a jitdump file');
  const headerSize = v.getUint32(8, true);
  const pid = v.getUint32(20, true);
  const loads: CodeLoad[] = [];
  let at = headerSize;
  while (at + 16 <= bytes.byteLength) {
    const id = v.getUint32(at, true);
    const size = v.getUint32(at + 4, true);
    if (size < 16 || at + size > bytes.byteLength) break; // a record cut short by the process's end
    if (id === JIT_CODE_LOAD && size >= 57) {
      // header (16), pid, tid (4 each), vma, code_addr, code_size, code_index (8 each), name NUL-ended
      const addr = v.getBigUint64(at + 32, true);
      const codeSize = v.getBigUint64(at + 40, true);
      let end = at + 56;
      while (end < at + size && bytes[end] !== 0) end++;
      const name = utf8.decode(bytes.subarray(at + 56, end)).replace(/\s+/g, ' ');
      loads.push({ addr, size: codeSize, name });
    }
    at += size;
  }
  return { pid, loads };
}

/** The code loads still in place after `loads` (in order), each replacing those it overlaps, by address. */
export function liveCode(loads: readonly CodeLoad[]): CodeLoad[] {
  let live: CodeLoad[] = [];
  for (const c of loads) {
    const end = c.addr + c.size;
    live = live.filter((o) => o.addr + o.size <= c.addr || o.addr >= end);
    live.push(c);
  }
  return live.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

/** `loads` as perf map lines (`start size name`, hex). */
export function perfMap(loads: readonly CodeLoad[]): string {
  return loads.map((c) => `${c.addr.toString(16)} ${c.size.toString(16)} ${c.name}\n`).join('');
}

if (import.meta.main) {
  const dir = process.argv[2] ?? '/tmp';
  for (const f of readdirSync(dir).filter((n) => n.startsWith('jit-'))) {
    const { pid, loads } = parseJitDump(readFileSync(`${dir}/${f}`));
    const live = liveCode(loads);
    writeFileSync(`/tmp/perf-${pid}.map`, perfMap(live));
    console.log(`${dir}/${f}: ${loads.length} code loads, ${live.length} live → /tmp/perf-${pid}.map`);
  }
}

/**
 * The end of a container's log file: what a `ServiceFailedToStart` event quotes so an operator sees
 * why a service did not come up (a Python traceback, "address already in use", …). Reads at most
 * the last 64 KB, so a huge log costs nothing.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes read from the end of the file at most. */
export const TAIL_BYTES = 64 * 1024;

/** The last `lines` non-empty lines of `file`, joined by `\n` ('' when the file is missing or empty). */
export function tailOf(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf
      .toString('utf8')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .slice(-lines)
      .join('\n');
  } finally {
    closeSync(fd);
  }
}

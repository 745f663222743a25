/**
 * A stand-in for a Bun socket as `OutQueue` (`server/http1/socket-writer.ts`) uses it: `write`
 * takes at most the free room and returns what it took; `end` is counted.
 */
import type { Socket } from 'bun';

const latin1 = new TextDecoder('latin1');

/** A socket stand-in whose kernel takes at most `room` bytes until `drain(n)` frees more. */
export function fakeSocket(room: number) {
  let free = room;
  let sent = '';
  let writes = 0;
  let ends = 0;
  const socket = {
    write(data: Uint8Array, from = 0, length = data.byteLength - from): number {
      const n = Math.min(free, length);
      sent += latin1.decode(data.subarray(from, from + n));
      free -= n;
      writes++;
      return n;
    },
    end(): void {
      ends++;
    },
  };
  return {
    socket: socket as unknown as Socket<unknown>,
    sent: () => sent,
    /** `write` calls so far (each one a `sendto` on a real socket). */
    writes: () => writes,
    ends: () => ends,
    drain: (n: number) => {
      free += n;
    },
  };
}

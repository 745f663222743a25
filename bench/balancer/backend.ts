/**
 * The benchmark's backend (`bun bench/balancer/backend.ts <port>`, started by `run.ts`): a raw
 * `Bun.listen` HTTP/1.1 server answering every path with a fixed answer (`backend-http.ts`), with
 * keep-alive, pipelining and back-pressure. It counts the TCP connections it accepted and the
 * requests it answered, served at `GET /__stats` as `{connections, requests}`: the benchmark reads
 * them before and after each measurement, so "upstream connections opened per request" is measured
 * the same way for HAProxy, nginx and the zonescale balancer, at the backend itself.
 */
import { answerFor, nextRequest } from './backend-http.ts';

interface Conn {
  buf: Buffer | null;
  pending: Buffer[];
  closing: boolean;
}

const port = Number(process.argv[2] ?? 0);
let connections = 0;
let requests = 0;
const stats = () => JSON.stringify({ connections, requests });
/** Unsent answer bytes past which a connection stops reading until drained. */
const MAX_PENDING = 8 * 1024 * 1024;

function flush(s: Bun.Socket<Conn>): void {
  const c = s.data;
  while (c.pending.length > 0) {
    const b = c.pending[0] as Buffer;
    const n = s.write(b);
    if (n < b.byteLength) {
      c.pending[0] = b.subarray(Math.max(0, n));
      return;
    }
    c.pending.shift();
  }
  if (c.closing) s.end();
  else s.resume();
}

const listener = Bun.listen<Conn>({
  hostname: '127.0.0.1',
  port,
  socket: {
    binaryType: 'buffer',
    open(s) {
      connections++;
      s.data = { buf: null, pending: [], closing: false };
    },
    data(s, data) {
      const c = s.data;
      if (c.closing) return;
      let buf = c.buf ? Buffer.concat([c.buf, data]) : data;
      const out: Buffer[] = [];
      try {
        for (;;) {
          const r = nextRequest(buf);
          if (!r) break;
          requests++;
          out.push(answerFor(r, stats));
          buf = buf.subarray(r.end);
          if (r.close) {
            c.closing = true;
            break;
          }
        }
      } catch {
        c.closing = true;
      }
      c.buf = buf.byteLength > 0 && !c.closing ? Buffer.from(buf) : null;
      if (out.length > 0) c.pending.push(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
      flush(s);
      if (c.pending.reduce((a, b) => a + b.byteLength, 0) > MAX_PENDING) s.pause();
    },
    drain(s) {
      flush(s);
    },
  },
});
console.log(`backend listening on ${listener.port}`);
process.on('SIGTERM', () => process.exit(0));

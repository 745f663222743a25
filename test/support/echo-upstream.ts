/**
 * A raw-socket fake upstream for protocol suites (`Bun.listen`, not `Bun.serve`, so nothing is
 * normalised): it answers every request with `200` and a JSON echo of exactly what arrived — its
 * id, the request line, the header lines as sent and the body (Content-Length or chunked, trailers
 * kept) — with a Content-Length, on a kept-alive connection. `GET /health_check` gets the same echo,
 * so a balancer's health checker sees it up. It counts accepted connections and requests.
 */
import type { TCPSocketListener } from 'bun';

const latin1 = new TextDecoder('latin1');

/** What the upstream echoes back for one request. */
export interface Echo {
  id: string;
  /** The request line as received, e.g. `GET /a HTTP/1.1`. */
  line: string;
  /** Header fields as received: `[name, value]`, the name's case kept. */
  headers: [string, string][];
  body: string;
  /** Chunked trailer lines as received (empty without). */
  trailers: string[];
}

/** A running echo upstream. */
export interface EchoUpstream {
  id: string;
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Requests seen (health checks included), in order. */
  seen: Echo[];
  stop(): void;
}

/** Starts an echo upstream named `id` on 127.0.0.1 (ephemeral port). */
export function startEchoUpstream(id: string): EchoUpstream {
  let accepted = 0;
  const seen: Echo[] = [];
  const listener: TCPSocketListener<{ buf: string }> = Bun.listen<{ buf: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      binaryType: 'uint8array',
      open(s) {
        accepted++;
        s.data = { buf: '' };
      },
      data(s, d) {
        s.data.buf += latin1.decode(d);
        for (;;) {
          const r = takeRequest(s.data.buf, id);
          if (!r) return;
          s.data.buf = s.data.buf.slice(r.used);
          seen.push(r.echo);
          const body = Buffer.from(JSON.stringify(r.echo), 'utf8');
          s.write(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.byteLength}\r\n\r\n`,
          );
          s.write(body);
        }
      },
    },
  });
  return {
    id,
    port: listener.port,
    url: `http://127.0.0.1:${listener.port}`,
    connections: () => accepted,
    seen,
    stop: () => listener.stop(true),
  };
}

/** One complete request at the start of `buf`, or null when more bytes are needed. */
function takeRequest(buf: string, id: string): { echo: Echo; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.slice(0, end).split('\r\n');
  const headers = lines.slice(1).map((l): [string, string] => {
    const c = l.indexOf(':');
    return [l.slice(0, c), l.slice(c + 1).trim()];
  });
  const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
  let at = end + 4;
  let body = '';
  const trailers: string[] = [];
  if (get('transfer-encoding')?.toLowerCase() === 'chunked') {
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = Number.parseInt(buf.slice(at, eol), 16);
      at = eol + 2;
      if (size === 0) break;
      if (buf.length < at + size + 2) return null;
      body += buf.slice(at, at + size);
      at += size + 2;
    }
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const line = buf.slice(at, eol);
      at = eol + 2;
      if (line === '') break;
      trailers.push(line);
    }
  } else {
    const n = Number(get('content-length') ?? 0);
    if (buf.length < at + n) return null;
    body = buf.slice(at, at + n);
    at += n;
  }
  return { echo: { id, line: lines[0] ?? '', headers, body, trailers }, used: at };
}

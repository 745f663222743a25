/**
 * The scripted TCP upstream on 127.0.0.1 and the request helpers shared by the upstream client's
 * tests (`client.test.ts`, `tls.test.ts`): `serve` answers each request head with bytes a test
 * gives it, `req` builds a request with defaults, `sendOnce` sends one and copies its answer.
 */
import type { TCPSocketListener } from 'bun';
import type {
  createUpstreamClient,
  UpstreamRequest,
  UpstreamResponse,
} from '../../server/http1/client/index.ts';

export const latin1 = new TextDecoder('latin1');

export interface Upstream {
  origin: string;
  /** Request heads received, in order. */
  got: string[];
  /** Connections accepted. */
  accepted: () => number;
  listener: TCPSocketListener<unknown>;
}

let upstream: Upstream | null = null;

/** Stops the upstream `serve` started last; each test file that serves runs it after each test. */
export function stopServed(): void {
  upstream?.listener.stop(true);
  upstream = null;
}

/** An upstream that answers each request head with `reply(head)`, sent in `split` pieces. */
export function serve(reply: (head: string) => string, split = 1): Upstream {
  const got: string[] = [];
  let accepted = 0;
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open() {
        accepted += 1;
      },
      async data(s, d) {
        const head = latin1.decode(d);
        got.push(head);
        const out = reply(head);
        const step = Math.ceil(out.length / split);
        for (let i = 0; i < out.length; i += step) {
          s.write(out.slice(i, i + step));
          if (split > 1) await Bun.sleep(5);
        }
      },
    },
  });
  upstream = { origin: `http://127.0.0.1:${listener.port}`, got, accepted: () => accepted, listener };
  return upstream;
}

export function req(over: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    method: 'GET',
    target: '/t',
    head: '',
    body: undefined,
    timeoutMs: 2_000,
    onAnswer() {},
    onDone() {},
    ...over,
  };
}

/**
 * Sends one request; resolves with what `onAnswer` saw — status and `raw` copied while they were
 * valid (a raw answer lives only during the callback), and the response itself.
 */
export function sendOnce(
  client: ReturnType<typeof createUpstreamClient>,
  origin: string,
  r: UpstreamRequest,
): Promise<{ status: number; res: UpstreamResponse; raw: string | null }> {
  return new Promise((resolve, reject) =>
    client.send(origin, {
      ...r,
      onAnswer: (err, res) =>
        res
          ? resolve({ status: res.status, res, raw: res.raw ? latin1.decode(res.raw) : null })
          : reject(err),
    }),
  );
}

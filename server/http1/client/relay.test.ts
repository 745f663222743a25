/**
 * Relayed raw answers (`relayRaw`, `RawRelay`): a clean answer whose body does not come with its
 * head goes raw as far as it came, and the rest of its body reaches the attached sink piece by
 * piece, its framing checked, with the upstream connection reused only after a complete exchange.
 * Against a scripted raw upstream on 127.0.0.1 that sends each answer in timed pieces.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { type ScriptedUpstream, startScriptedUpstream } from '../../../test/support/scripted-upstream.ts';
import {
  createUpstreamClient,
  type RawRelay,
  type RelaySink,
  type UpstreamRequest,
  type UpstreamResponse,
} from './index.ts';

const latin1 = new TextDecoder('latin1');

let upstream: ScriptedUpstream | null = null;
afterEach(() => {
  upstream?.stop();
  upstream = null;
});

/** An upstream that answers every request with `pieces`, 20 ms apart; `accepted()` counts its connections. */
function serve(pieces: string[]) {
  const u = startScriptedUpstream(() => ({ parts: pieces, gapMs: 20 }));
  upstream = u;
  return { origin: u.origin, accepted: () => u.conns.length };
}

/** What a relayed answer gave: its raw start, the relayed pieces, how it ended and `onDone`. */
interface Relayed {
  status: number;
  raw: string;
  relayed: boolean;
  /** The relay, kept from the callback (the raw answer object is cleared after it). */
  relay: RawRelay | undefined;
  pieces: string[];
  ended: Promise<boolean>;
  done: Promise<void>;
}

/**
 * Sends one `relayRaw` request; `attach` false leaves the relay unattached, `hold` makes the sink
 * refuse more after its first piece (resumed by the returned `resume`).
 */
function send(
  client: ReturnType<typeof createUpstreamClient>,
  origin: string,
  over: Partial<UpstreamRequest> & { attach?: boolean; hold?: boolean } = {},
): Promise<Relayed & { res: UpstreamResponse }> {
  let onDone = () => {};
  const done = new Promise<void>((r) => (onDone = r));
  let onEnd = (_ok: boolean) => {};
  const ended = new Promise<boolean>((r) => (onEnd = r));
  const pieces: string[] = [];
  const sink: RelaySink = {
    relayData: (d, from, to) => {
      pieces.push(latin1.decode(d.subarray(from, to)));
      return !over.hold;
    },
    relayEnd: (ok) => onEnd(ok),
  };
  return new Promise((resolve, reject) =>
    client.send(origin, {
      method: 'GET',
      target: '/t',
      head: '',
      body: undefined,
      timeoutMs: 2_000,
      relayRaw: true,
      onDone,
      ...over,
      onAnswer: (err, res) => {
        if (!res) return reject(err);
        let raw = res.raw ? latin1.decode(res.raw) : '';
        if (res.rawTail) raw += latin1.decode(res.rawTail.subarray(res.rawTailFrom, res.rawTailTo));
        if (res.relay && over.attach !== false) res.relay.attach(sink);
        resolve({
          status: res.status,
          raw,
          relayed: !!res.relay,
          relay: res.relay,
          pieces,
          ended,
          done,
          res,
        });
      },
    }),
  );
}

const body = 'x'.repeat(3000);
const chunked = `3e8\r\n${body.slice(0, 1000)}\r\n7d0\r\n${body.slice(1000)}\r\n0\r\n\r\n`;

describe('relayed raw answers', () => {
  test.each([
    [
      'Content-Length',
      false,
      [
        'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n' + body.slice(0, 100),
        body.slice(100, 2000),
        body.slice(2000),
      ],
      'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n' + body.slice(0, 100),
      body.slice(100),
    ],
    [
      'Content-Length, head only first',
      false,
      ['HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n', body],
      'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n',
      body,
    ],
    [
      'Content-Length, hop-by-hop lines cut',
      false,
      [
        'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 3000\r\n\r\nxx',
        body.slice(2),
      ],
      'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\nxx',
      body.slice(2),
    ],
    [
      'chunked, split inside a size line',
      true,
      [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e',
        chunked.slice(2, 1500),
        chunked.slice(1500),
      ],
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e',
      chunked.slice(2),
    ],
  ])(
    '%s: the start comes raw, the rest of the body reaches the sink, the connection is reused',
    async (_n, relayChunked, pieces, first, rest) => {
      const u = serve(pieces);
      const client = createUpstreamClient();
      const got = await send(client, u.origin, { relayChunked });
      expect(got.relayed).toBe(true);
      expect(got.raw).toBe(first);
      expect(await got.ended).toBe(true);
      await got.done;
      expect(got.pieces.join('')).toBe(rest);
      expect(got.pieces.length).toBeGreaterThanOrEqual(1);
      const again = await send(client, u.origin, { relayChunked });
      expect(await again.ended).toBe(true);
      expect(u.accepted()).toBe(1);
      client.close();
    },
  );

  test('without relayRaw the same answer comes as a stream, not relayed', async () => {
    const u = serve(['HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n', body]);
    const client = createUpstreamClient();
    const got = await send(client, u.origin, { relayRaw: false });
    expect(got.relayed).toBe(false);
    expect(got.res.raw).toBeUndefined();
    expect(await new Response(got.res.body as ReadableStream).text()).toBe(body);
    client.close();
  });

  test('a relay left unattached is cancelled: onDone comes, the connection is not reused', async () => {
    const u = serve(['HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n', body]);
    const client = createUpstreamClient();
    const got = await send(client, u.origin, { attach: false });
    expect(got.relayed).toBe(true);
    await got.done;
    const next = await send(client, u.origin);
    expect(await next.ended).toBe(true);
    expect(next.pieces.join('')).toBe(body);
    expect(u.accepted()).toBe(2);
    client.close();
  });

  test('a malformed chunk mid-relay ends the relay broken and destroys the connection', async () => {
    const u = serve(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '5\r\nhello\r\nzz\r\n']);
    const client = createUpstreamClient();
    const got = await send(client, u.origin, { relayChunked: true });
    expect(await got.ended).toBe(false);
    await got.done;
    await send(client, u.origin, { relayChunked: true });
    expect(u.accepted()).toBe(2);
    client.close();
  });

  test('bytes past the end of a relayed body: the answer ends whole, the connection is not reused', async () => {
    const u = serve(['HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n', `${body}HTTP/1.1 200 OK\r\n`]);
    const client = createUpstreamClient();
    const got = await send(client, u.origin);
    expect(await got.ended).toBe(true);
    expect(got.pieces.join('')).toBe(body);
    await send(client, u.origin);
    expect(u.accepted()).toBe(2);
    client.close();
  });

  test('a sink that asks for no more pauses reading the upstream until it resumes', async () => {
    const u = serve([
      'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n',
      body.slice(0, 1000),
      body.slice(1000, 2000),
      body.slice(2000),
    ]);
    const client = createUpstreamClient();
    const got = await send(client, u.origin, { hold: true });
    await Bun.sleep(50);
    expect(got.pieces).toEqual([body.slice(0, 1000)]);
    await Bun.sleep(100); // the upstream has sent everything by now; none of it was read
    expect(got.pieces).toHaveLength(1);
    let settled = false;
    void got.ended.then(() => (settled = true));
    await Bun.sleep(0);
    expect(settled).toBe(false);
    got.relay?.resume();
    expect(await got.ended).toBe(true);
    expect(got.pieces.join('')).toBe(body);
    client.close();
  });

  test('a cancelled relay ends the exchange (onDone) and a later request still gets its answer', async () => {
    const u = serve([
      'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n',
      body.slice(0, 1000),
      body.slice(1000),
    ]);
    const client = createUpstreamClient();
    const got = await send(client, u.origin);
    got.relay?.cancel();
    await got.done;
    const next = await send(client, u.origin);
    expect(await next.ended).toBe(true);
    expect(next.pieces.join('')).toBe(body);
    expect(u.accepted()).toBe(2);
    client.close();
  });
});

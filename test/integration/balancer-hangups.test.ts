/**
 * Defect 0 of issue 10: one client must never receive another client's answer. Clients hang up at
 * random points of streamed upstream answers (a Content-Length body that arrives in three reads, a
 * chunked one, a head that comes late) while 32 keep-alive clients fetch `/id/<n>` over the same
 * upstream pool and check that every body is their own and that none hangs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createUpstreamClient, requestUpstream } from '../../server/http1/client/index.ts';
import { okText, RawClient, type RawUpstream, type Step, startRawUpstream } from '../support/raw-http.ts';
import { startTestBalancer, type TestBalancer } from '../support/test-balancer.ts';

const BODY = 'x'.repeat(3000);

/** The upstream's answers: `/id/<n>` at once; `/split`, `/chunked`, `/late` streamed over several reads. */
function script(target: string): Step[] {
  const id = /^\/id\/(\d+)$/.exec(target);
  if (id) return [{ delayMs: 0, bytes: okText(`id ${id[1]}`) }];
  if (target === '/split')
    return [
      { delayMs: 0, bytes: `HTTP/1.1 200 OK\r\ncontent-length: 3000\r\n\r\n${BODY.slice(0, 1000)}` },
      { delayMs: 2, bytes: BODY.slice(1000, 2000) },
      { delayMs: 2, bytes: BODY.slice(2000) },
    ];
  if (target === '/chunked')
    return [
      { delayMs: 0, bytes: 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n' },
      { delayMs: 2, bytes: `3e8\r\n${BODY.slice(0, 1000)}\r\n` },
      { delayMs: 2, bytes: '5\r\nworld\r\n0\r\n\r\n' },
    ];
  return [{ delayMs: 1 + Math.floor(Math.random() * 6), bytes: okText(BODY) }];
}

let ups: RawUpstream[] = [];
let balancer: TestBalancer;
let port = 0;

beforeAll(async () => {
  ups = [startRawUpstream((r) => script(r.target)), startRawUpstream((r) => script(r.target))];
  balancer = await startTestBalancer(ups.map((u) => u.url));
  port = balancer.port;
});

afterAll(async () => {
  await balancer?.stop();
  for (const u of ups) u.stop();
});

/** Opens connections that ask for a streamed answer and hang up after a random 0–8 ms. */
async function hangUps(count: number): Promise<void> {
  const targets = ['/split', '/chunked', '/late'];
  for (let i = 0; i < count; i++) {
    const c = await RawClient.connect(port);
    c.write(`GET ${targets[i % 3]} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const wait = Math.floor(Math.random() * 9);
    if (wait > 0) await Bun.sleep(wait);
    if (i % 2 === 0) c.destroy();
    else c.end();
  }
}

/** One checking client: `n` keep-alive GETs of its own ids; counts wrong bodies and hangs. */
async function checker(me: number, n: number, tally: { ok: number; wrong: string[]; hung: number }) {
  let c = await RawClient.connect(port);
  for (let k = 0; k < n; k++) {
    const id = me * 10_000 + k;
    c.write(`GET /id/${id} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const a = await c.read(3_000);
    if (!a) {
      tally.hung++;
      c.destroy();
      c = await RawClient.connect(port);
      continue;
    }
    if (a.status === 200 && a.body === `id ${id}`) tally.ok++;
    else tally.wrong.push(`${id} got ${a.status} ${a.body.slice(0, 40)}`);
  }
  c.end();
}

describe('client hang-ups during streamed answers (defect 0)', () => {
  test('beside 32 clients fetching /id/<n>, every client gets exactly its own answer and none hangs', async () => {
    const tally = { ok: 0, wrong: [] as string[], hung: 0 };
    await Promise.all([
      ...Array.from({ length: 6 }, () => hangUps(60)),
      ...Array.from({ length: 32 }, (_, i) => checker(i, 40, tally)),
    ]);
    expect(tally.wrong).toEqual([]);
    expect(tally.hung).toBe(0);
    expect(tally.ok).toBe(32 * 40);
    // A second client over the same upstream pool gets exactly its own answer afterwards.
    const after = await RawClient.connect(port);
    for (const t of ['/split', '/chunked', '/id/7']) {
      after.write(`GET ${t} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const a = await after.read();
      expect(a?.status).toBe(200);
      expect(a?.body).toBe(
        t === '/split' ? BODY : t === '/chunked' ? `hello${BODY.slice(0, 1000)}world` : 'id 7',
      );
    }
    after.end();
    const servers = (await (await fetch(`${balancer.url}/servers`)).json()) as { alive: string[] } | string[];
    expect(JSON.stringify(servers)).toContain(ups[0]!.url);
    expect(JSON.stringify(servers)).toContain(ups[1]!.url);
  }, 60_000);
});

describe('late cancel of a streamed body (defect 0)', () => {
  test('cancelling a body whose exchange ended does not end the next exchange on that connection', async () => {
    // The body is fully received (so the connection is back in the pool) but not read yet.
    const up = startRawUpstream((r) =>
      r.target === '/split'
        ? [
            { delayMs: 0, bytes: 'HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nabc' },
            { delayMs: 5, bytes: 'def' },
          ]
        : [{ delayMs: 30, bytes: okText('second') }],
    );
    const client = createUpstreamClient();
    try {
      const base = { head: '', hasHost: false, body: undefined, timeoutMs: 2_000, onDone() {} };
      const first = await requestUpstream(client, up.url, { ...base, method: 'GET', target: '/split' });
      await Bun.sleep(30); // 'def' arrived: the exchange is over, its connection idle
      const second = requestUpstream(client, up.url, { ...base, method: 'GET', target: '/two' });
      await Bun.sleep(5); // the second request is on the same (reused) connection now
      await (first.body as ReadableStream).cancel();
      const got = await Promise.race([second, Bun.sleep(1_000).then(() => null)]);
      expect(got?.status).toBe(200);
      expect(up.connections()).toBe(1);
    } finally {
      client.close();
      up.stop();
    }
  });
});

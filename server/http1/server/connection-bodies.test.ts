/**
 * The raw front end's request bodies, pipelining and back-pressure over raw sockets (issue 10,
 * defects 1, 2 and 6): bodies framed by Content-Length or chunked are read by the front end itself
 * (buffered up to the retry buffer, streamed beyond it), requests on one connection are answered in
 * order whatever their method, a client that never reads holds a bounded number of bytes, and a
 * stalled body gets 408. After every case a second client gets exactly its own answer.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { testFrontEnd } from '../../../test/support/front-end.ts';
import { RawClient } from '../../../test/support/raw-http.ts';
import type { ForwardAnswer, ForwardRequest } from './handler.ts';
import { type FrontEnd, MAX_BUFFERED_INPUT } from './listen.ts';

const enc = new TextEncoder();
const MAX_RETRY = 4096;

interface Seen {
  method: string;
  target: string;
  /** How the body came: buffered bytes, a stream or none. */
  kind: 'bytes' | 'stream' | 'none';
  body: string;
  /** The whole upstream request when the front end built it as one buffer (`rawRequest`). */
  raw?: string;
}

let front: FrontEnd | null = null;
afterEach(() => {
  front?.stop(true);
  front = null;
});

/** The request body as text: the bytes after the head of a `rawRequest`, else `body`. */
async function bodyText(r: ForwardRequest): Promise<string> {
  if (r.rawRequest) {
    const whole = new TextDecoder().decode(r.rawRequest);
    return whole.slice(whole.indexOf('\r\n\r\n') + 4);
  }
  const b = r.body;
  if (!b) return '';
  if (b instanceof Uint8Array) return new TextDecoder().decode(b);
  return new Response(b).text();
}

/**
 * A front end over a fake forwarder that answers `<method> <target> <body>` once it has the whole
 * body; `delayMs` delays answers, `size` pads them to that many bytes.
 */
function setup(opts: { delayMs?: number; size?: number; clientBodyTimeoutMs?: number } = {}) {
  const seen: Seen[] = [];
  let forwards = 0;
  front = testFrontEnd(
    (r, done) => {
      forwards++;
      const method = r.method;
      const target = r.target;
      const raw = r.rawRequest ? new TextDecoder().decode(r.rawRequest) : undefined;
      const kind = r.body instanceof ReadableStream ? 'stream' : r.body || raw ? 'bytes' : 'none';
      const answer = (body: string): ForwardAnswer => ({
        status: 200,
        statusText: 'OK',
        headers: [],
        body: enc.encode(opts.size ? body.padEnd(opts.size, '.') : body),
      });
      bodyText(r).then(
        (body) => {
          seen.push({ method, target, kind, body, ...(raw === undefined ? {} : { raw }) });
          const a = answer(`${method} ${target} ${body}`);
          if (opts.delayMs) setTimeout(() => done(a), opts.delayMs);
          else done(a);
        },
        () => {
          const f = r.clientFault?.();
          done({
            status: f?.status ?? 502,
            statusText: '',
            headers: [],
            body: enc.encode(f?.error ?? 'failed'),
          });
        },
      );
    },
    { maxRetryBodyBytes: MAX_RETRY, clientBodyTimeoutMs: opts.clientBodyTimeoutMs ?? 5_000 },
  );
  return { port: front.port, seen, forwards: () => forwards, front };
}

/** A second client on the same front end gets its own answer. */
async function secondClientOk(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  c.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
  const a = await c.read();
  expect(a?.body.startsWith('GET /second ')).toBe(true);
  c.end();
}

const big = 'b'.repeat(MAX_RETRY * 3);

describe('request bodies on the raw path', () => {
  test.each([
    ['a Content-Length body is buffered', 'Content-Length: 5\r\n\r\nhello', 'bytes', 'hello'],
    [
      'a chunked body is decoded and buffered',
      'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n',
      'bytes',
      'hello world',
    ],
    [
      'a chunked body with a trailer',
      'Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 1\r\n\r\n',
      'bytes',
      'hi',
    ],
    [
      'a Content-Length body larger than the retry buffer streams',
      `Content-Length: ${big.length}\r\n\r\n${big}`,
      'stream',
      big,
    ],
    [
      'a chunked body that outgrows the retry buffer streams',
      `Transfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
      'stream',
      big,
    ],
  ])('%s', async (_name, rest, kind, body) => {
    const { port, seen } = setup();
    const c = await RawClient.connect(port);
    c.write(`POST /up HTTP/1.1\r\nHost: x\r\n${rest}GET /after HTTP/1.1\r\nHost: x\r\n\r\n`);
    const a = await c.read();
    expect(a?.status).toBe(200);
    expect(a?.body).toBe(`POST /up ${body}`);
    expect(seen[0]?.kind).toBe(kind as Seen['kind']);
    const after = await c.read();
    expect(after?.body).toBe('GET /after ');
    c.end();
    await secondClientOk(port);
  });

  test.each([
    ['with its head', ['POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello']],
    ['after its head', ['POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe', 'llo']],
  ])(
    'a buffered Content-Length body that comes %s goes upstream in one buffer with its head',
    async (_n, parts) => {
      const { port, seen } = setup();
      const c = await RawClient.connect(port);
      for (const p of parts) {
        c.write(p);
        await Bun.sleep(20);
      }
      expect((await c.read())?.body).toBe('POST /one hello');
      const raw = seen[0]?.raw ?? '';
      expect(raw.startsWith('POST /one HTTP/1.1\r\nHost: x\r\n')).toBe(true);
      expect(raw.endsWith('\r\ncontent-length: 5\r\n\r\nhello')).toBe(true);
      expect(raw.toLowerCase().split('content-length').length).toBe(2); // the client's line is replaced, not kept
      c.end();
      await secondClientOk(port);
    },
  );

  test.each([
    [
      'Transfer-Encoding with Content-Length',
      'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['a last coding other than chunked', 'Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n', 400],
    ['a malformed chunk size', 'Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400],
    ['an unknown expectation', 'Expect: teapot\r\nContent-Length: 2\r\n\r\nhi', 417],
  ])('%s gets %d and a close, and nothing is forwarded', async (_name, rest, status) => {
    const { port, seen } = setup();
    const c = await RawClient.connect(port);
    c.write(`POST /bad HTTP/1.1\r\nHost: x\r\n${rest}`);
    const a = await c.read();
    expect(a?.status).toBe(status);
    expect(a?.headers.connection).toBe('close');
    expect(await c.waitClosed()).toBe(true);
    expect(seen).toEqual([]);
    await secondClientOk(port);
  });

  test('Expect: 100-continue gets 100 Continue before the body is sent, then the answer', async () => {
    const { port } = setup();
    const c = await RawClient.connect(port);
    c.write('POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    expect(await c.waitFor((b) => b.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 2_000)).toBe(true);
    c.write('ok');
    await c.read(); // the 100
    expect((await c.read())?.body).toBe('POST /e ok');
    c.end();
  });
});

describe('pipelining for every method', () => {
  test.each([
    ['synchronous', 0],
    ['later', 5],
  ])('GET, POST, GET in one packet get three answers in order (%s answers)', async (_how, delayMs) => {
    const { port } = setup({ delayMs });
    const c = await RawClient.connect(port);
    c.write(
      'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const got = [await c.read(), await c.read(), await c.read()].map((a) => a?.body);
    expect(got).toEqual(['GET /1 ', 'POST /2 abc', 'GET /3 ']);
    c.end();
    await secondClientOk(port);
  });

  test('a GET sent while a POST body is still arriving is answered after the POST', async () => {
    const { port, seen } = setup();
    const c = await RawClient.connect(port);
    c.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
    await Bun.sleep(30);
    c.write('defGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.read())?.body).toBe('POST /slow abcdef');
    expect((await c.read())?.body).toBe('GET /next ');
    expect(seen.map((s) => s.target)).toEqual(['/slow', '/next']);
    c.end();
  });
});

describe('back-pressure and client slowness', () => {
  test('a client that pipelines 400 GETs and never reads holds a bounded number of bytes', async () => {
    const size = 64 * 1024;
    const { port, forwards, front: f } = setup({ size });
    const c = await RawClient.connect(port);
    c.socket.pause(); // never read
    let burst = '';
    for (let i = 0; i < 400; i++) burst += `GET /p${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    c.write(burst);
    // Bound: the buffered input, one answer being written and one read more of each.
    const bound = MAX_BUFFERED_INPUT + 3 * size;
    let most = 0;
    for (let i = 0; i < 40; i++) {
      await Bun.sleep(25);
      most = Math.max(most, f.stats().bufferedBytes);
    }
    if (process.env.SHOW_BOUND) console.log({ most, bound, forwards: forwards() });
    expect(most).toBeLessThan(bound);
    expect(forwards()).toBeLessThan(400);
    // Once the client reads, every answer comes, in order.
    c.socket.resume();
    for (let i = 0; i < 400; i++) {
      const a = await c.read(5_000);
      expect(a?.body.startsWith(`GET /p${i} `)).toBe(true);
    }
    c.end();
    await secondClientOk(port);
  }, 30_000);

  test('a body that stalls gets 408 and a close after the client-body timeout; others are served', async () => {
    const { port } = setup({ clientBodyTimeoutMs: 200 });
    for (const length of [2_000, 2_000_000]) {
      const c = await RawClient.connect(port);
      const started = Date.now();
      c.write(`POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n${'k'.repeat(1024)}`);
      const a = await c.read(3_000);
      expect(a?.status).toBe(408);
      expect(Date.now() - started).toBeGreaterThanOrEqual(180);
      expect(await c.waitClosed()).toBe(true);
      await secondClientOk(port);
    }
  });

  test('a slow body that keeps sending is not cut by the client-body timeout', async () => {
    const { port } = setup({ clientBodyTimeoutMs: 200 });
    const c = await RawClient.connect(port);
    c.write('POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n');
    for (const part of ['ab', 'cd', 'ef']) {
      await Bun.sleep(120);
      c.write(part);
    }
    expect((await c.read())?.body).toBe('POST /trickle abcdef');
    c.end();
  });
});

/**
 * A request head sent one byte per packet (a slowloris-style client, or a terminal typing) costs
 * the front end linear work, not quadratic: each packet is appended in place and the head-end scan
 * resumes where it stopped (before: a copy of, and a scan over, everything so far per packet), so a
 * 48 KiB head in 1-byte packets costs no more than the same packets as 48 small heads. The resumed
 * scan still refuses a bare LF or CR wherever the packets split it. Over raw sockets against an
 * in-process balancer; a second client meanwhile gets exactly its own answer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../support/echo-upstream.ts';
import { answersAtLeast, rawExchange } from '../support/raw-exchange.ts';
import { startTestBalancer, type TestBalancer } from '../support/test-balancer.ts';

let up: EchoUpstream;
let balancer: TestBalancer;

beforeAll(async () => {
  up = startEchoUpstream('a');
  balancer = await startTestBalancer([up.url]);
});

afterAll(async () => {
  await balancer?.stop();
  up?.stop();
});

/** Writes `head` one byte per packet (the balancer reads each) and reads `answers` answers. */
async function byteAtATime(
  port: number,
  head: string,
  answers: number,
): Promise<{ text: string; ms: number }> {
  let text = '';
  const s = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data(_s, d) {
        text += Buffer.from(d).toString('latin1');
      },
    },
  });
  s.setNoDelay(true);
  const t0 = performance.now();
  try {
    for (let i = 0; i < head.length; i++) {
      s.write(head[i] as string);
      await new Promise((r) => setImmediate(r)); // let the balancer read it
    }
    const deadline = performance.now() + 20_000;
    while (!answersAtLeast(answers)(text) && performance.now() < deadline) await Bun.sleep(5);
    return { text, ms: performance.now() - t0 };
  } finally {
    s.end();
  }
}

/** 48 KiB in 1-byte packets: one head, or 48 pipelined heads of 1 KiB (the same packets, no long head). */
const PAD = 48 * 1024;
const oneHead = `GET /slow HTTP/1.1\r\nHost: h\r\nX-Pad: ${'p'.repeat(PAD)}\r\n\r\n`;
const smallHeads = Array.from({ length: 48 }, (_, i) => {
  const line = `GET /small-${i} HTTP/1.1\r\nHost: h\r\nX-Pad: `;
  return `${line}${'p'.repeat(1024 - line.length - 4)}\r\n\r\n`;
}).join('');

test('a 48 KiB head sent in 1-byte packets costs no more than the same packets as small heads; a second client is unaffected', async () => {
  const base = await byteAtATime(balancer.port, smallHeads, 48);
  const [slow, second] = await Promise.all([
    byteAtATime(balancer.port, oneHead, 1),
    (async () => {
      await Bun.sleep(50);
      return rawExchange(balancer.port, 'GET /second HTTP/1.1\r\nHost: second\r\n\r\n', {
        until: answersAtLeast(1),
      });
    })(),
  ]);
  expect(slow.text).toStartWith('HTTP/1.1 200');
  const echo = JSON.parse(slow.text.slice(slow.text.indexOf('\r\n\r\n') + 4)) as Echo;
  expect(echo.line).toBe('GET /slow HTTP/1.1');
  expect(echo.headers.find(([k]) => k === 'X-Pad')?.[1]).toHaveLength(PAD);
  expect(slow.ms).toBeLessThan(1.5 * base.ms + 250);
  expect(second.answers[0]?.status).toBe(200);
  expect((JSON.parse(second.answers[0]?.body ?? 'null') as Echo).line).toBe('GET /second HTTP/1.1');
}, 30_000);

describe('the resumed head scan is as strict as a whole one', () => {
  test.each([
    ['a head ending in 1-byte packets', 'GET /split HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n', 200],
    ['a bare LF between header lines', 'GET /split HTTP/1.1\r\nHost: h\nA: b\r\n\r\n', 400],
    ['a bare LF ending the head', 'GET /split HTTP/1.1\r\nHost: h\r\n\n', 400],
    ['a bare CR ending the head', 'GET /split HTTP/1.1\r\nHost: h\r\n\rX', 400],
  ])('%s: %d', async (_name, raw, status) => {
    const r = await rawExchange(balancer.port, raw.slice(0, 1), {
      more: [...raw.slice(1)],
      gapMs: 1,
      until: answersAtLeast(1),
    });
    expect(r.answers[0]?.status).toBe(status);
    const second = await rawExchange(balancer.port, 'GET /second HTTP/1.1\r\nHost: s\r\n\r\n', {
      until: answersAtLeast(1),
    });
    expect((JSON.parse(second.answers[0]?.body ?? 'null') as Echo).line).toBe('GET /second HTTP/1.1');
  });
});

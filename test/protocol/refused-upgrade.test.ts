/**
 * A refused WebSocket upgrade does not leave the connection tunnelled into the lenient full
 * `Bun.serve` front: bytes the client sends after the upgrade request wait for its answer; on a
 * refusal (anything but 101) the client gets that answer with `connection: close`, the connection
 * closes once it is written, and nothing sent after the upgrade request reaches a server (RFC 9112
 * §9.6: requests after a `close` answer are not processed). Over raw sockets against an in-process
 * balancer; a second client then gets exactly its own answer.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../support/echo-upstream.ts';
import { answerHeader, rawExchange } from '../support/raw-exchange.ts';
import { startTestBalancer, type TestBalancer } from '../support/test-balancer.ts';

let ups: EchoUpstream[] = [];
let balancer: TestBalancer;

beforeAll(async () => {
  ups = [startEchoUpstream('a'), startEchoUpstream('b')];
  balancer = await startTestBalancer(ups.map((u) => u.url));
});

afterAll(async () => {
  await balancer?.stop();
  for (const u of ups) u.stop();
});

const reached = (path: string) => ups.flatMap((u) => u.seen).filter((e) => e.line.split(' ')[1] === path);

test('a refused WebSocket upgrade: its answer says close, the connection closes, the pipelined request reaches no server', async () => {
  // No Sec-WebSocket-Key: the full front refuses the upgrade with 400.
  const r = await rawExchange(
    balancer.port,
    'GET /up HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n',
    { timeoutMs: 3_000 },
  );
  expect(r.answers.map((a) => a.status)).toEqual([400]);
  expect(answerHeader(r.answers[0], 'connection')?.toLowerCase()).toBe('close');
  expect(r.closed).toBe(true);
  expect(r.ms).toBeLessThan(2_000); // closed once the answer was written, not at an idle timeout
  expect(reached('/after')).toEqual([]);
  const second = await rawExchange(balancer.port, 'GET /second HTTP/1.1\r\nHost: s\r\n\r\n', {
    until: (t) => t.includes('/second'),
  });
  expect((JSON.parse(second.answers[0]?.body ?? 'null') as Echo).line).toBe('GET /second HTTP/1.1');
});

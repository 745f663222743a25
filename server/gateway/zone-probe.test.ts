/** The gateway's zone probe against fake balancers: alive servers or an activating zone count as up. */
import { afterAll, describe, expect, test } from 'bun:test';
import { zoneProbe } from './zone-probe.ts';

let current: unknown = {};
const fake = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch: (req) =>
    new URL(req.url).pathname === '/health_check'
      ? Response.json(current)
      : new Response(null, { status: 404 }),
});
afterAll(() => fake.stop(true));

const health = (alive: number, activation: string) => ({
  status: 'ok',
  zone: 'zone1',
  alive,
  disconnected: 0,
  dead: 0,
  activation,
  held: 0,
});

describe('zone probe', () => {
  test.each([
    ['a zone with an alive server is up', health(1, 'idle'), true],
    [
      'a zone at zero that is activating (holding requests) is up',
      { ...health(0, 'activating'), held: 3 },
      true,
    ],
    ['a zone at zero that is not activating is down', health(0, 'idle'), false],
    ['a zone without servers and without an activator is down', health(0, 'off'), false],
  ])('%s', async (_name, body, up) => {
    current = body;
    expect(await zoneProbe(`http://127.0.0.1:${fake.port}`, 1_000)).toBe(up);
  });
});

/**
 * The start-time checks of `startBalancer` that the config schema cannot make: each bad value stops
 * the start with a `BadConfig` naming its flag, and `--servers` is checked before `--monitor`.
 */
import { describe, expect, test } from 'bun:test';
import { BalancerConfig } from '../config/roles.ts';
import { BadConfig } from '../shared/errors.ts';
import { silentLogger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { startBalancer } from './start.ts';

const base = BalancerConfig.parse({ token: 'test-token-0123456789', zone: 'zone1' });

describe('startBalancer refuses a bad start-time value', () => {
  const cases: [string, Partial<BalancerConfig>, RegExp][] = [
    ['a server that is not a URL', { servers: ['banana'] }, /^--servers: "banana"/],
    ['a monitor that is not a URL', { monitor: 'leader' }, /^--monitor: "leader" is not a URL/],
    ['both: --servers is reported first', { servers: ['banana'], monitor: 'leader' }, /^--servers: "banana"/],
  ];
  test.each(cases)('%s', async (_name, change, message) => {
    const err = await startBalancer({ ...base, ...change }, silentLogger).catch((e: unknown) => e);
    if (!(err instanceof Error)) await (err as RoleHandle).stop(); // it started: the case fails below
    expect(err).toBeInstanceOf(BadConfig);
    expect((err as Error).message).toMatch(message);
  });
});

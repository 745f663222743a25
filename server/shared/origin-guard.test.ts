/** The Host / Origin / Sec-Fetch-Site rules of page-key calls, table-driven over header sets. */
import { describe, expect, test } from 'bun:test';
import { checkBrowserCall, hostTrusted, originPolicy, originTrusted } from './origin-guard.ts';

const policy = originPolicy(
  ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://monitor3.internal:7003'],
  ['dash.example.org'],
);

describe('origin guard', () => {
  test.each([
    ['127.0.0.1:7001', true],
    ['localhost:7001', true],
    ['[::1]:7001', true],
    ['10.1.2.3', true],
    ['monitor3.internal:7003', true],
    ['MONITOR3.internal:7003', true],
    ['dash.example.org', true],
    ['evil.example.com:7001', false],
    ['127.0.0.1.evil.example.com:7001', false],
    ['localhost.evil.example.com', false],
    ['', false],
    ['127.0.0.1:7001/x', false],
    ['user@127.0.0.1', false],
  ])('Host %p is trusted: %p', (host, ok) => {
    expect(hostTrusted(policy, host)).toBe(ok);
  });

  test.each([
    ['a monitor origin', 'http://127.0.0.1:7002', '127.0.0.1:7001', true],
    ['a loopback alias of a monitor origin', 'http://localhost:7002', '127.0.0.1:7001', true],
    ['the request’s own origin', 'http://10.0.0.5:7001', '10.0.0.5:7001', true],
    ['another port of the same host', 'http://127.0.0.1:5555', '127.0.0.1:7001', false],
    ['another site', 'https://evil.example.com', '127.0.0.1:7001', false],
    ['null', 'null', '127.0.0.1:7001', false],
    ['a non-http scheme', 'file://', '127.0.0.1:7001', false],
    ['an origin with a path', 'http://127.0.0.1:7002/x', '127.0.0.1:7001', false],
  ])('Origin: %s', (_name, origin, host, ok) => {
    expect(originTrusted(policy, origin, host)).toBe(ok);
  });

  const H = '127.0.0.1:7001';
  test.each([
    ['curl: no Origin, no Sec-Fetch-Site', { host: H }, null],
    ['the page itself', { host: H, origin: 'http://127.0.0.1:7001', secFetchSite: 'same-origin' }, null],
    [
      'another replica’s page',
      { host: H, origin: 'http://127.0.0.1:7003', secFetchSite: 'same-site' },
      'cross_origin',
    ],
    [
      'a replica listed in the peers',
      { host: H, origin: 'http://127.0.0.1:7002', secFetchSite: 'same-site' },
      null,
    ],
    [
      'a page on another local port',
      { host: H, origin: 'http://127.0.0.1:5555', secFetchSite: 'same-site' },
      'cross_origin',
    ],
    [
      'another web site',
      { host: H, origin: 'https://evil.example.com', secFetchSite: 'cross-site' },
      'cross_origin',
    ],
    ['a sandboxed frame', { host: H, origin: 'null', secFetchSite: 'cross-site' }, 'cross_origin'],
    ['cross-site without Origin', { host: H, secFetchSite: 'cross-site' }, 'cross_origin'],
    ['same-site without Origin', { host: H, secFetchSite: 'same-site' }, 'cross_origin'],
    ['a typed-in navigation', { host: H, secFetchSite: 'none' }, null],
    [
      'DNS rebinding (same origin under a foreign name)',
      { host: 'evil.example.com:7001', origin: 'http://evil.example.com:7001', secFetchSite: 'same-origin' },
      'untrusted_host',
    ],
    ['no Host', { origin: 'http://127.0.0.1:7001' }, 'untrusted_host'],
  ])('%s', (_name, headers, refusal) => {
    expect(checkBrowserCall(policy, headers)?.error ?? null).toBe(refusal as never);
  });
});

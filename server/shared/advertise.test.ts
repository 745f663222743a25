/** The advertised host of a role and the URL built from it. */
import { expect, test } from 'bun:test';
import { advertisedHost, httpUrl } from './advertise.ts';

test.each([
  ['127.0.0.1', '127.0.0.1', '127.0.0.1'],
  ['0.0.0.0', '127.0.0.1', '127.0.0.1'],
  ['0.0.0.0', '10.0.0.7', '10.0.0.7'],
  ['10.0.0.7', '10.0.0.7', '10.0.0.7'],
  ['127.0.0.5', '127.0.0.1', '127.0.0.5'],
  ['::', '192.168.1.4', '192.168.1.4'],
])('listening on %s with --advertise-address %s advertises %s', (host, advertise, expected) => {
  expect(advertisedHost(host, advertise)).toBe(expected);
});

test('URLs put an IPv6 address in brackets', () => {
  expect(httpUrl('10.0.0.7', 9101)).toBe('http://10.0.0.7:9101');
  expect(httpUrl('fd00::7', 9101)).toBe('http://[fd00::7]:9101');
});

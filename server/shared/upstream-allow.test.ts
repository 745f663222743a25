import { describe, expect, test } from 'bun:test';
import { ZonescaleError } from './errors.ts';
import { cidrProblem, DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from './upstream-allow.ts';

describe('upstream allow-list', () => {
  const dflt = new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW);
  const wide = new UpstreamAllowList(['127.0.0.0/8', '10.1.0.0/16', 'fd00::/8']);

  test.each([
    // [url, allowed by the default 127.0.0.0/8, allowed by 127/8 + 10.1/16 + fd00::/8]
    ['http://127.0.0.1:9101', true, true],
    ['http://127.255.3.4:80', true, true],
    ['http://localhost:9101', true, true],
    ['http://0x7f.1:9101', true, true],
    ['http://2130706433:9101', true, true],
    ['http://10.1.2.3:9101', false, true],
    ['http://10.2.0.1:9101', false, false],
    ['http://169.254.169.254:80', false, false],
    ['http://[::1]:9101', false, false],
    ['http://[fd12::1]:9101', false, true],
    ['http://[::ffff:127.0.0.1]:9101', true, true],
    ['http://example.com:80', false, false],
    ['http://127.0.0.1.nip.io:80', false, false],
    ['not a url', false, false],
  ])('%s: default %p, wider list %p', (url, byDefault, byWide) => {
    expect(dflt.allows(url)).toBe(byDefault);
    expect(wide.allows(url)).toBe(byWide);
  });

  test('check refuses with 400 naming the field, the URL and the networks', () => {
    expect(() => dflt.check('add', ['http://127.0.0.1:1'])).not.toThrow();
    let err: unknown;
    try {
      dflt.check('add', ['http://127.0.0.1:1', 'http://10.0.0.1:80']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZonescaleError);
    expect((err as ZonescaleError).status).toBe(400);
    expect((err as ZonescaleError).code).toBe('upstream_not_allowed');
    expect((err as ZonescaleError).message).toBe(
      'add: http://10.0.0.1:80 not in the allowed upstream networks (127.0.0.0/8; set --upstream-allow)',
    );
  });

  test.each([
    ['127.0.0.0/8', null],
    ['::1/128', null],
    ['127.0.0.1', '"127.0.0.1" is not a CIDR (address/prefix, e.g. 127.0.0.0/8)'],
    ['10.0.0.0/33', '"10.0.0.0/33": the prefix must be 0..32'],
    ['example.com/8', '"example.com/8" is not a CIDR (address/prefix, e.g. 127.0.0.0/8)'],
  ])('CIDR %p: %p', (cidr, problem) => {
    expect(cidrProblem(cidr)).toBe(problem);
  });

  test('a bad entry is refused when the list is built', () => {
    expect(() => new UpstreamAllowList(['127.0.0.0/8', 'nope'])).toThrow(RangeError);
  });
});

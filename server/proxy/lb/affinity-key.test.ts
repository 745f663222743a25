/** Affinity keys for consistent hashing: from a header, a cookie or the client address. */
import { describe, expect, test } from 'bun:test';
import { affinityKey, cookieValue, parseHashKey } from './affinity-key.ts';

describe('affinity key', () => {
  test.each([
    { spec: 'client', parsed: { kind: 'client' } },
    { spec: 'header:X-Session-Id', parsed: { kind: 'header', name: 'x-session-id' } },
    { spec: 'cookie:sid', parsed: { kind: 'cookie', name: 'sid' } },
  ])('--hash-key $spec parses', ({ spec, parsed }) => {
    expect(parseHashKey(spec)).toEqual(parsed as never);
  });

  test('a malformed --hash-key throws naming it', () => {
    expect(() => parseHashKey('ip')).toThrow(/"ip"/);
  });

  test.each([
    { header: 'a=1; sid=xyz; b=2', name: 'sid', value: 'xyz' },
    { header: 'sid=1', name: 'sid', value: '1' },
    { header: 'xsid=1; sidx=2', name: 'sid', value: undefined },
    { header: null, name: 'sid', value: undefined },
  ])('cookie $name in "$header" is $value', ({ header, name, value }) => {
    expect(cookieValue(header, name)).toBe(value as string);
  });

  test.each([
    { spec: 'header:x-user', headers: { 'x-user': 'u1' }, ip: '10.0.0.1', key: 'u1' },
    { spec: 'header:x-user', headers: {}, ip: '10.0.0.1', key: '10.0.0.1' },
    { spec: 'cookie:sid', headers: { cookie: 'sid=s9' }, ip: '10.0.0.1', key: 's9' },
    { spec: 'cookie:sid', headers: { cookie: 'other=1' }, ip: '10.0.0.2', key: '10.0.0.2' },
    { spec: 'client', headers: { 'x-user': 'u1' }, ip: '10.0.0.3', key: '10.0.0.3' },
    { spec: 'client', headers: {}, ip: '', key: undefined },
  ])('with $spec and headers $headers the key is $key', ({ spec, headers, ip, key }) => {
    const h = headers as Record<string, string>;
    expect(affinityKey(parseHashKey(spec), { header: (n) => h[n] }, ip)).toBe(key as string);
  });
});

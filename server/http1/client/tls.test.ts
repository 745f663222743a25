/** The upstream client reaching an https: origin over TLS, against a self-signed `Bun.serve` on 127.0.0.1. */
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latin1, req } from '../../../test/support/upstream-client-fixtures.ts';
import { createUpstreamClient, requestUpstream, UpstreamError } from './index.ts';

describe('upstream client over TLS', () => {
  /** A self-signed certificate for 127.0.0.1 made with openssl, or null when openssl is missing. */
  function selfSigned(): { cert: string; key: string } | null {
    const dir = mkdtempSync(join(tmpdir(), 'zonescale-tls-'));
    try {
      const p = Bun.spawnSync(
        [
          'openssl',
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stderr: 'ignore', stdout: 'ignore' },
      );
      if (p.exitCode !== 0) return null;
      return {
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      };
    } catch {
      return null;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('an https: origin is reached over TLS, verified against the given CA; an unknown CA fails to connect', async () => {
    const pair = selfSigned();
    if (!pair) {
      if (process.env.CI === 'true') throw new Error('openssl is needed for the TLS test');
      console.log('skipped: openssl not found');
      return;
    }
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      tls: pair,
      fetch: (r) => new Response(`tls ${new URL(r.url).pathname}`),
    });
    try {
      const origin = `https://127.0.0.1:${server.port}`;
      const trusted = createUpstreamClient({ tls: { ca: pair.cert } });
      const res = await requestUpstream(
        trusted,
        origin,
        req({ hasHost: true, head: `host: 127.0.0.1:${server.port}\r\n` }),
      );
      expect(res.status).toBe(200);
      expect(latin1.decode(res.body as Uint8Array)).toBe('tls /t');
      trusted.close();
      const untrusted = createUpstreamClient();
      const err = await requestUpstream(untrusted, origin, req()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).kind).toBe('connect-failure');
      untrusted.close();
    } finally {
      server.stop(true);
    }
  });
});

/**
 * compose.yaml validated by Compose itself: `docker-compose config` (Debian bookworm ships
 * docker-compose 1.29, not the `docker compose` plugin; scripts/services.sh installs it). The file
 * must resolve with every service of the stack — Redis, Kafka 3.9, InfluxDB 2, the collector, the agent and
 * three monitors with the Docker socket mounted — and must refuse to resolve without a token.
 * Fails with CI=true when docker-compose is missing.
 */
import { describe, expect, test } from 'bun:test';
import { composeConfig, requireCompose } from './services.ts';

const compose = requireCompose();
const config = (env: Record<string, string>) => composeConfig('compose.yaml', env);

describe.skipIf(!compose)('compose.yaml', () => {
  test('resolves with Redis, Kafka 3.9, InfluxDB 2, the collector, the agent and three monitors on the Docker socket', async () => {
    const { code, out, err } = await config({ ZONESCALE_TOKEN: 'compose-test-token-0123' });
    expect(err).not.toContain('ERROR');
    expect(code).toBe(0);
    for (const s of ['redis', 'kafka', 'influxdb', 'collector', 'agent', 'monitor1', 'monitor2', 'monitor3'])
      expect(out).toContain(`\n  ${s}:\n`);
    expect(out).toContain('image: apache/kafka:3.9.1');
    expect(out).toContain('image: influxdb:2.7');
    expect(out.match(/\/var\/run\/docker\.sock:\/var\/run\/docker\.sock/g)?.length).toBe(5);
    expect(out.match(/RUNTIME: docker/g)?.length).toBe(5);
    expect(out).toMatch(/command:\n\s+- agent\n/);
  });

  test('refuses to resolve without ZONESCALE_TOKEN', async () => {
    const { code, err } = await config({});
    expect(code).not.toBe(0);
    expect(err).toContain('ZONESCALE_TOKEN');
  });
});

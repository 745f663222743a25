/**
 * stack.yaml, the control plane on a swarm (`docker stack deploy`), as Compose resolves the same v3
 * file (`docker-compose config`: Debian's docker.io 20.10 CLI has no `docker stack config`; the
 * `deploy` keys are validated and kept): it names every part, pins the three monitors to three
 * different manager nodes, keeps the data services together, runs the monitors with RUNTIME=swarm
 * on a manager's engine, and refuses to render without the cluster token. Fails with CI=true when
 * docker-compose is missing.
 */
import { describe, expect, test } from 'bun:test';
import { composeConfig, requireCompose } from './services.ts';

const ok = requireCompose();
const ENV = {
  ZONESCALE_TOKEN: '0123456789abcdef0123',
  ZS_DATA_ADDR: '10.0.0.11',
  ZS_MONITOR1_ADDR: '10.0.0.11',
  ZS_MONITOR2_ADDR: '10.0.0.12',
  ZS_MONITOR3_ADDR: '10.0.0.13',
  ZS_NETWORK: '10.0.0.0/24',
};

const render = (env: Record<string, string>) => composeConfig('stack.yaml', env);

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { placement?: { constraints?: string[] } };
  networks?: Record<string, unknown>;
}

describe.skipIf(!ok)('stack.yaml', () => {
  test('the control plane: data services together, three monitors on three manager nodes, RUNTIME=swarm', async () => {
    const r = await render(ENV);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const stack = Bun.YAML.parse(r.out) as { services: Record<string, Service> };
    expect(Object.keys(stack.services).sort()).toEqual(
      ['collector', 'gateway', 'influxdb', 'kafka', 'monitor1', 'monitor2', 'monitor3', 'redis'].sort(),
    );
    for (const s of ['redis', 'kafka', 'influxdb', 'collector'])
      expect(stack.services[s]?.deploy?.placement?.constraints).toEqual(['node.labels.zonescale.data==true']);
    const monitors = [1, 2, 3].map((i) => stack.services[`monitor${i}`] as Service);
    expect(monitors.map((m) => m.deploy?.placement?.constraints)).toEqual(
      [1, 2, 3].map((i) => [`node.labels.zonescale.monitor==${i}`, 'node.role==manager']),
    );
    for (const [i, m] of monitors.entries()) {
      expect(m.environment?.RUNTIME).toBe('swarm');
      expect(m.environment?.REDIS_URL).toBe('redis://10.0.0.11:6379');
      const flags = m.command ?? [];
      expect(flags[flags.indexOf('--advertise-address') + 1]).toBe(`10.0.0.1${i + 1}`);
      expect(flags[flags.indexOf('--upstream-allow') + 1]).toBe('10.0.0.0/24');
    }
    expect(Object.keys(stack.services.gateway?.networks ?? {})).toEqual(['hostnet']);
  });

  test('without the cluster token it does not render', async () => {
    const { ZONESCALE_TOKEN: _omit, ...rest } = ENV;
    const r = await render(rest);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('ZONESCALE_TOKEN');
  });
});

/**
 * The service spec: the flags (`--service`, `--service-image`, `--health-path`, repeatable
 * `--service-env`, …) through `parseConfig` and `resolveService`, the service file in JSON and
 * YAML through `parseServiceFile` / `loadServiceFile` (errors name the field), and `bun run dev`
 * refusing a bad spec with one line and exit status 2 before it starts anything.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_SERVICE } from '../adapters/runtime.ts';
import { DevConfig } from './dev.ts';
import { parseConfig } from './parse.ts';
import { MonitorConfig } from './roles.ts';
import { resolveService, type ServiceFlags } from './service.ts';
import { loadServiceFile, parseServiceFile } from './service-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'zonescale-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = (argv: string[], env: Record<string, string> = {}): ServiceFlags =>
  parseConfig(DevConfig, argv, env, { name: 'bun run dev' });

describe('service flags', () => {
  test('no service flag is the demo app, health-checked on /health_check', () => {
    expect(resolveService(flags([]), null, 'process')).toEqual({
      spec: { ...DEMO_SERVICE },
      source: 'demo',
    });
  });

  test('a command with its health path, interval, readiness delay and repeated --service-env', () => {
    const f = flags([
      '--service',
      'python3 server.py --listen 127.0.0.1:$PORT',
      '--health-path',
      '/healthz',
      '--health-interval-ms',
      '500',
      '--readiness-delay-ms',
      '250',
      '--service-env',
      'MODE=fast',
      '--service-env',
      'URL=http://x/?a=b',
    ]);
    expect(resolveService(f, null, 'process')).toEqual({
      spec: {
        command: 'python3 server.py --listen 127.0.0.1:$PORT',
        env: { MODE: 'fast', URL: 'http://x/?a=b' },
        healthPath: '/healthz',
        healthIntervalMs: 500,
        readinessDelayMs: 250,
      },
      source: 'flags',
    });
  });

  test('--service-env from the environment holds one entry a line', () => {
    expect(flags([], { ZONESCALE_SERVICE_ENV: 'A=1\nB=2' }).serviceEnv).toEqual(['A=1', 'B=2']);
  });

  test("a command without --health-path is probed on / (any 2xx), the demo app's default is not forced on it", () => {
    expect(resolveService(flags(['--service', './srv']), null, 'process').spec.healthPath).toBe('/');
  });

  test('an image with the Docker runtime; --service then replaces its command', () => {
    const f = flags(['--service-image', 'me/api:1', '--service', 'serve --port $PORT']);
    expect(resolveService(f, null, 'docker').spec).toMatchObject({
      image: 'me/api:1',
      command: 'serve --port $PORT',
    });
  });

  test.each([
    [['--health-path', 'healthz'], 'bad --health-path "healthz"', 'a path starting with /'],
    [['--health-path', '/a b'], 'bad --health-path', 'a path starting with /'],
    [['--service-env', 'A=1', '--service-env', 'no-equals'], 'bad --service-env "no-equals"', 'NAME=value'],
    [['--service-env', '1X=2'], 'bad --service-env', 'NAME=value'],
    [['--health-interval-ms', '0'], 'bad --health-interval-ms "0"', ''],
    [['--readiness-delay-ms', '-5'], 'bad --readiness-delay-ms "-5"', ''],
  ])('%p is refused naming the flag', (argv, start, detail) => {
    let msg = '';
    try {
      flags(argv);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain(start);
    expect(msg).toContain(detail);
  });

  test.each([
    [
      ['--service-image', 'me/api:1'],
      'process',
      '--service-image "me/api:1" needs the Docker or swarm runtime',
    ],
    [['--service', './srv'], 'docker', '--service: with RUNTIME=docker a service is an image'],
    [['--service', './srv'], 'swarm', '--service: with RUNTIME=swarm a service is an image'],
  ] as const)('%p with the %s runtime is refused', (argv, runtime, message) => {
    expect(() => resolveService(flags([...argv]), null, runtime)).toThrow(message);
  });

  test.each(['docker', 'swarm'] as const)('an image runs on the %s runtime', (runtime) => {
    expect(resolveService(flags(['--service-image', 'me/api:1']), null, runtime).spec).toMatchObject({
      image: 'me/api:1',
    });
  });

  test('the monitor takes the same flags', () => {
    const cfg = parseConfig(
      MonitorConfig,
      ['--id', '1', '--peers', '1=http://127.0.0.1:7001', '--service', './srv', '--service-env', 'A=1'],
      { ZONESCALE_TOKEN: 'x'.repeat(16) },
    );
    expect(resolveService(cfg, null, cfg.runtime).spec).toMatchObject({ command: './srv', env: { A: '1' } });
  });
});

describe('service file', () => {
  const yaml = [
    'command: python3 examples/python-cpu/server.py',
    'portVariable: HTTP_PORT',
    'healthPath: /healthz',
    'healthIntervalMs: 1000',
    'readinessDelayMs: 200',
    'env:',
    '  MODE: "fast"',
    'minReplicas: 1',
    'maxReplicas: 4',
    'zones:',
    '  zone2: { minReplicas: 2 }',
    'metrics:',
    '  - { name: cpu, target: 50 }',
    '  - { name: p95-latency, target: 200 }',
  ].join('\n');

  test('YAML and JSON give the same service and scaling settings', () => {
    const fromYaml = parseServiceFile('zonescale.service.yaml', yaml);
    const fromJson = parseServiceFile('zonescale.service.json', JSON.stringify(fromYaml));
    expect(fromJson).toEqual(fromYaml);
    expect(resolveService(flags([]), { path: 'zonescale.service.yaml', data: fromYaml }, 'process')).toEqual({
      spec: {
        command: 'python3 examples/python-cpu/server.py',
        env: { MODE: 'fast' },
        portVariable: 'HTTP_PORT',
        healthPath: '/healthz',
        healthIntervalMs: 1000,
        readinessDelayMs: 200,
      },
      source: 'zonescale.service.yaml',
      minReplicas: 1,
      maxReplicas: 4,
      zones: { zone2: { minReplicas: 2 } },
      metrics: [
        { name: 'cpu', target: 50 },
        { name: 'p95-latency', target: 200 },
      ],
    });
  });

  test('a flag wins over the file', () => {
    const data = parseServiceFile('s.yaml', 'command: ./a\nhealthPath: /a\nenv: { A: "1", B: "1" }');
    const spec = resolveService(
      flags(['--health-path', '/b', '--service-env', 'B=2']),
      { path: 's.yaml', data },
      'process',
    ).spec;
    expect(spec).toMatchObject({ command: './a', healthPath: '/b', env: { A: '1', B: '2' } });
  });

  test.each([
    ['comand: ./srv', 'zonescale.service.yaml: unknown field "comand"'],
    ['command: ./srv\nzones: { zone1: { max: 3 } }', 'zones.zone1: unknown field "max"'],
    ['healthPath: healthz', 'healthPath: a path starting with /'],
    ['healthIntervalMs: -1', 'healthIntervalMs: Too small'],
    ['env: { "bad-name": "x" }', 'env.bad-name'],
    ['env: { A: 3 }', 'env.A: expected string'],
    ['metrics: [{ name: gpu, target: 1 }]', 'metrics.0.name'],
    ['metrics: [{ name: cpu, target: 0 }]', 'metrics.0.target: Too small'],
    ['metrics: []', 'metrics: Too small'],
    ['minReplicas: 1.5', 'minReplicas: expected int'],
    ['zones: { ZONE: { minReplicas: 1 } }', 'zones.ZONE'],
    ['command: [a, b]', 'command: expected string'],
    ['command: "x\n  bad: [', 'not valid YAML'],
    ['- just\n- a list', '(top level): expected object'],
  ])('%p is refused naming the field', (text, message) => {
    expect(() => parseServiceFile('zonescale.service.yaml', text)).toThrow(message);
  });

  test('min above max is refused naming the field, also per zone', () => {
    const bad = (text: string) => () =>
      resolveService(flags([]), { path: 'f.yaml', data: parseServiceFile('f.yaml', text) }, 'process');
    expect(bad('minReplicas: 5\nmaxReplicas: 2')).toThrow(
      'f.yaml: minReplicas: 5 must not exceed maxReplicas (2)',
    );
    expect(bad('maxReplicas: 2\nzones: { zone1: { minReplicas: 3 } }')).toThrow('zones.zone1.minReplicas: 3');
  });

  test('args without an image is refused naming the field', () => {
    const data = parseServiceFile('f.json', '{"command":"./a","args":["x"]}');
    expect(() => resolveService(flags([]), { path: 'f.json', data }, 'process')).toThrow('f.json: args:');
  });

  test('zonescale.service.json in the working directory is picked up; --service-file names another', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    expect(loadServiceFile(undefined, cwd)).toBeNull();
    writeFileSync(join(cwd, 'zonescale.service.json'), '{"command":"./here"}');
    writeFileSync(join(cwd, 'other.yml'), 'command: ./other');
    expect(loadServiceFile(undefined, cwd)?.data.command).toBe('./here');
    expect(loadServiceFile('other.yml', cwd)?.data.command).toBe('./other');
    expect(() => loadServiceFile('missing.yaml', cwd)).toThrow('cannot read it (ENOENT)');
  });
});

describe('bun run dev with a bad service', () => {
  const run = async (args: string[]) => {
    const p = Bun.spawn(['bun', join(import.meta.dir, '../dev.ts'), '--base-port', '7900', ...args], {
      cwd: dir,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...process.env, ZONESCALE_TOKEN: 'x'.repeat(24) },
    });
    return { code: await p.exited, err: await new Response(p.stderr).text() };
  };

  test('a service file with an unknown field exits 2 with one line naming the file and the field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'command: ./srv\nhealthpath: /healthz\n');
    const { code, err } = await run(['--service-file', file]);
    expect(code).toBe(2);
    expect(err).toBe('bun run dev: bad.yaml: unknown field "healthpath"\n');
  });

  test('a bad --health-path exits 2 with one line naming the flag', async () => {
    const { code, err } = await run(['--service', './srv', '--health-path', 'healthz']);
    expect(code).toBe(2);
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toContain('bad --health-path "healthz"');
  });
});

/**
 * Every user mistake on the command line of a role (`bun server/main.ts …`) and of the dev command
 * (`bun server/dev.ts …`) — a bad or unknown flag, a missing value, a bad value, a missing token, a
 * port in use, an unknown or missing role — exits with status 2 and prints ONE line on stderr naming
 * the flag or port and the fix, with no stack trace (no `at …` frames, no Bun `error:` banner).
 * `--help` of every role and of the dev command lists each flag with its default and environment
 * names. Real child processes; the busy port is a listener this test holds.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../server/dev/cluster.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-cli-'));
const TOKEN = 'cli-test-token-0123456789';
// A listener standing in for "another process": every role is started on its port.
const busy = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('busy') });
const BUSY = busy.port as number;

afterAll(() => {
  busy.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `bun <script> ...args` with a clean zonescale environment; exit status and output. */
async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ZONESCALE_') && k !== 'RUNTIME'),
  );
  const proc = Bun.spawn(['bun', join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { ...clean, ZONESCALE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const withToken = { ZONESCALE_TOKEN: TOKEN };
const peers = `1=http://127.0.0.1:${BUSY}`;

describe('a user mistake prints one line and exits 2, without a stack trace', () => {
  test.each([
    // [case, script, args, env, what the line must name]
    ['no role', 'server/main.ts', [], withToken, /no role given: .*balancer, app, monitor/],
    ['only flags, no role', 'server/main.ts', ['--port', '1'], withToken, /no role given/],
    ['an unknown role', 'server/main.ts', ['balancr'], withToken, /unknown role "balancr": .*balancer/],
    [
      'a missing token',
      'server/main.ts',
      ['balancer', '--zone', 'zone1'],
      {},
      /missing --token \(or ZONESCALE_TOKEN\): the cluster token/,
    ],
    [
      'a short token',
      'server/main.ts',
      ['app', '--id', 'a', '--zone', 'zone1'],
      { ZONESCALE_TOKEN: 'short' },
      /bad --token .*at least 16/,
    ],
    [
      'an unknown flag',
      'server/main.ts',
      ['balancer', '--zone', 'zone1', '--bogus', '1'],
      withToken,
      /unknown flag --bogus; .*--help/,
    ],
    [
      'a flag without its value',
      'server/main.ts',
      ['balancer', '--zone', 'zone1', '--port'],
      withToken,
      /--port needs a value/,
    ],
    [
      'a bad number',
      'server/main.ts',
      ['collector', '--port', 'abc'],
      withToken,
      /bad --port "abc" \(or ZONESCALE_PORT\): expected a number/,
    ],
    [
      'a bad value in the environment',
      'server/main.ts',
      ['gateway'],
      { ...withToken, ZONESCALE_TRIES: '0' },
      /bad --tries "0" \(or ZONESCALE_TRIES\)/,
    ],
    [
      'a stray argument',
      'server/main.ts',
      ['app', '--id', 'a', '--zone', 'zone1', 'oops'],
      withToken,
      /unexpected argument "oops"/,
    ],
    [
      'a cross-field mistake',
      'server/main.ts',
      ['monitor', '--id', '1', '--peers', peers, '--low-cpu', '70'],
      withToken,
      /--low-cpu "70" .*below --high-cpu \(60\)/,
    ],
    [
      'a balancer on a port in use',
      'server/main.ts',
      ['balancer', '--zone', 'zone1', '--port', String(BUSY)],
      withToken,
      new RegExp(`port ${BUSY} on 127.0.0.1 is in use.*--port`),
    ],
    [
      'an app on a port in use',
      'server/main.ts',
      ['app', '--id', 'a', '--zone', 'zone1', '--port', String(BUSY)],
      withToken,
      new RegExp(`port ${BUSY} .*in use`),
    ],
    [
      'a collector on a port in use',
      'server/main.ts',
      ['collector', '--port', String(BUSY)],
      withToken,
      new RegExp(`port ${BUSY} .*in use`),
    ],
    [
      'a gateway on a port in use',
      'server/main.ts',
      ['gateway', '--port', String(BUSY)],
      withToken,
      new RegExp(`port ${BUSY} .*in use`),
    ],
    [
      'a monitor on a port in use',
      'server/main.ts',
      ['monitor', '--id', '1', '--peers', peers, '--port', String(BUSY)],
      withToken,
      new RegExp(`port ${BUSY} .*in use`),
    ],
    ['dev: a bad base port', 'server/dev.ts', ['--base-port', 'abc'], {}, /bad --base-port "abc"/],
    ['dev: an unknown flag', 'server/dev.ts', ['--bogus'], {}, /unknown flag --bogus/],
    ['dev: a flag without its value', 'server/dev.ts', ['--base-port'], {}, /--base-port needs a value/],
    [
      'dev: a port in use',
      'server/dev.ts',
      ['--base-port', String(BUSY), '--data-dir', join(dataDir, 'dev')],
      {},
      new RegExp(`port ${BUSY} \\(the collector.*--base-port \\d+ --data-dir`),
    ],
  ] as [string, string, string[], Record<string, string>, RegExp][])(
    '%s',
    async (_case, script, args, env, names) => {
      const r = await run(script, args, env);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(names);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr).not.toMatch(/\berror:/);
      expect(r.stdout).toBe('');
    },
    30_000,
  );
});

describe('--help lists the flags with their defaults and environment names', () => {
  test.each([
    ['server/main.ts', ['--help'], [/Roles:/, /balancer/, /gateway/]],
    [
      'server/main.ts',
      ['balancer', '--help'],
      [
        /--check-interval-ms <value>/,
        /default: 10000/,
        /ZONESCALE_CHECK_INTERVAL_MS/,
        /--token/,
        /required; env: ZONESCALE_TOKEN/,
      ],
    ],
    ['server/main.ts', ['app', '--help'], [/--scenario-mode/, /default: burn/, /KAFKA_BROKERS/]],
    [
      'server/main.ts',
      ['monitor', '--help'],
      [
        /--scale-down-stabilization-ms/,
        /default: 300000/,
        /REDIS_URL/,
        /--app-ports <value>/,
        /default: 9101-9199/,
      ],
    ],
    ['server/main.ts', ['collector', '--help'], [/--retention-ms/, /INFLUX_URL/]],
    ['server/main.ts', ['gateway', '--help'], [/--affinity-header/, /ZONESCALE_AFFINITY_HEADER/]],
    [
      'server/dev.ts',
      ['--help'],
      [/--base-port <value>/, /default: 7000/, /--data-dir/, /--simulate \[bool\]/, /ZONESCALE_TOKEN/],
    ],
  ] as [string, string[], RegExp[]][])(
    '%s %p',
    async (script, args, expected) => {
      const r = await run(script, args);
      expect(r.code).toBe(0);
      for (const re of expected) expect(r.stdout.replace(/\s+/g, ' ')).toMatch(re);
      expect(r.stderr).toBe('');
    },
    30_000,
  );
});

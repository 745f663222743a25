/**
 * A collector and an app server as real child processes (`bun server/main.ts …`, temp data dir,
 * random 127.0.0.1 ports): samples reach the SQLite metrics store through the HTTP bus, the
 * scenario switch refuses callers without the token or page key, the page key from the served
 * HTML works, and the High scenario (simulate mode) drives the zone's average CPU above 60 %.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { metricsStorePath, SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { upstreamPin } from '../../server/shared/upstream-pin.ts';
import { BUILD_UI_TIMEOUT_MS, ensureUiBuilt } from '../support/built-ui.ts';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dir, '../..');
const TOKEN = 'integration-app-token-0123456';
const CLUSTER = 'itest';

/** A free ephemeral port on 127.0.0.1 (bound once, then released). */
async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    await Bun.sleep(everyMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`,
  );
}

describe('app server → HTTP bus → collector → SQLite store', () => {
  const children: ReturnType<typeof Bun.spawn>[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'zs-app-it-'));
  const collectorPort = freePort();
  const appPort = freePort();
  const collectorUrl = `http://127.0.0.1:${collectorPort}`;
  const appUrl = `http://127.0.0.1:${appPort}`;
  let store: SqliteMetricsStore | null = null;

  const spawn = (args: string[]) => {
    const child = Bun.spawn(['bun', 'server/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ZONESCALE_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
      stdout: 'ignore',
      stderr: 'inherit',
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    ensureUiBuilt(); // the page-key case reads the built page
    spawn(['collector', '--port', String(collectorPort), '--data-dir', dataDir, '--cluster', CLUSTER]);
    spawn([
      'app',
      '--id',
      'zone1-app-1',
      '--zone',
      'zone1',
      '--port',
      String(appPort),
      '--scenario-mode',
      'simulate',
      '--collector',
      collectorUrl,
      '--sample-interval-ms',
      '500',
      '--data-dir',
      dataDir,
      '--cluster',
      CLUSTER,
    ]);
    await waitFor('the collector', async () => (await fetch(`${collectorUrl}/health_check`)).ok, 10_000);
    await waitFor('the app server', async () => (await fetch(`${appUrl}/health_check`)).ok, 10_000);
    store = new SqliteMetricsStore(metricsStorePath(dataDir, CLUSTER));
  }, 25_000 + BUILD_UI_TIMEOUT_MS);

  afterAll(async () => {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('samples published by the app arrive in the SQLite store within a few seconds', async () => {
    const latest = await waitFor(
      'a stored sample',
      async () => (await store!.latest(Date.now() - 10_000)).find((s) => s.serverId === 'zone1-app-1'),
      5_000,
    );
    expect(latest).toMatchObject({ zone: 'zone1', healthy: true, scenario: 'off' });
  });

  test('POST /scenario without the token or page key gets 401 and the scenario stays off', async () => {
    const res = await fetch(`${appUrl}/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"mode":"high"}',
    });
    expect(res.status).toBe(401);
    expect((await (await fetch(`${appUrl}/health_check`)).json()).scenario).toBe('off');
  });

  test('the page key from the served HTML switches to High, which drives the zone CPU above 60 % within 12 s', async () => {
    const html = await (await fetch(`${appUrl}/`)).text();
    if (html.includes('The page is not built'))
      throw new Error('the app UI is not built although ensureUiBuilt() ran: is app-ui/dist writable?');
    const uiKey = /"uiKey":"([^"]+)"/.exec(html)?.[1];
    expect(uiKey).toBeString();
    expect(html).not.toContain(TOKEN);
    // The page's upstream pin is the one a balancer computes for the URL the runtime registers.
    expect(/"pin":"([^"]+)"/.exec(html)?.[1]).toBe(upstreamPin(appUrl));
    const res = await fetch(`${appUrl}/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ui-key': uiKey! },
      body: '{"mode":"high"}',
    });
    expect(res.status).toBe(200);
    const started = Date.now();
    const zone = await waitFor(
      'zone CPU above 60 %',
      async () => {
        const now = Date.now();
        const z = await store!.zoneCpu('zone1', now - 1_500, now + 1);
        return z.avgCpu !== null && z.avgCpu > 60 ? z : null;
      },
      12_000,
      250,
    );
    expect(zone.avgCpu).toBeGreaterThan(60);
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 20_000);
});

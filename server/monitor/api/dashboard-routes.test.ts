/**
 * The dashboard as a monitor serves it, with `app.request` over fakes: index.html, assets and the
 * client-route fallback from a temporary directory, no way out of it, a page saying how to build it
 * when missing, no CORS on the pages carrying the injected page key, and a foreign `Host` refused
 * (DNS rebinding cannot read the key).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY, setup, url } from '../../../test/support/monitor-api.ts';

describe('monitor routes: dashboard', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  test('serves index.html, assets, falls back to index.html, and refuses to leave the directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'zs-dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<html>dash</html>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const { app } = setup({ dashboardDir: dir });
    expect(await (await app.request(url('/'))).text()).toEndWith('<html>dash</html>');
    expect(await (await app.request(url('/assets/app.js'))).text()).toBe('console.log(1)');
    expect(
      await (await app.request(url('/zones/zone1'), { headers: { accept: 'text/html' } })).text(),
    ).toEndWith('<html>dash</html>');
    expect((await app.request(url('/assets/..%2F..%2Fetc%2Fpasswd'))).status).toBe(404);
  });

  test('says how to build the dashboard when it is missing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'zs-dash-'));
    const { app } = setup({ dashboardDir: dir });
    expect(await (await app.request(url('/'))).text()).toContain('bun run build:ui');
  });

  const built = () => {
    dir = mkdtempSync(join(tmpdir(), 'zs-dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<html><head></head>dash</html>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    return setup({ dashboardDir: dir }).app;
  };

  test.each([
    ['/', 'another web site', 'https://evil.example.com'],
    ['/', 'another monitor', 'http://127.0.0.1:17001'],
    ['/index.html', 'another web site', 'https://evil.example.com'],
    ['/zones/zone1', 'another web site', 'https://evil.example.com'],
    ['/assets/app.js', 'another web site', 'https://evil.example.com'],
  ])('GET %s with the key injected carries no CORS, even asked by %s', async (path, _n, origin) => {
    const res = await built().request(url(path), { headers: { origin, accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    if (path !== '/assets/app.js') expect(await res.text()).toContain(KEY);
  });

  test.each([
    ['/', 'rebind.example.com:17001', 403],
    ['/zones/zone1', 'rebind.example.com:17001', 403],
    ['/', '127.0.0.1:17001', 200],
    ['/', 'localhost:17001', 200],
  ])('GET %s under Host %s answers %i (DNS rebinding cannot read the key)', async (path, host, status) => {
    const res = await built().request(url(path), { headers: { host, accept: 'text/html' } });
    expect(res.status).toBe(status);
    expect((await res.text()).includes(KEY)).toBe(status === 200);
  });
});

/**
 * The dashboard's page key belongs to the dashboard: from its own origin the dashboard still sets a
 * server's scenario and runs a load; a page served from another origin (a second local port this
 * test serves on 127.0.0.1) cannot read the dashboard's HTML, its key or its state, and cannot start
 * a run or set a scenario even when it holds the key — the browser shows each refusal (CORS
 * failures, and the monitor's 403 `cross_origin` for a plain form post) — and nothing changed in
 * the cluster. Leaves every scenario off and no load run going.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { clusterInfo, followerUrl, readState, shot } from './cluster-info.ts';

const scenarioOf = async (request: APIRequestContext, url: string) =>
  ((await (await request.get(`${url}/health_check`)).json()) as { scenario: string }).scenario;

/** The other web site: one page that tries every call and writes what happened into `#out`. */
function otherSite(monitor: string, key: string): Promise<{ url: string; server: Server }> {
  const run = JSON.stringify({ rate: 500, durationS: 300, target: 'gateway' });
  const page = `<!doctype html><meta charset="utf-8"><title>another web site</title>
<h1>another web site</h1><pre id="out">trying…</pre>
<form id="f" method="POST" action="${monitor}/control/load" enctype="text/plain">
<input type="hidden" name='${run.slice(0, -1)},"x":"' value='"}'><button id="post">plain form post</button></form>
<script>
const monitor = ${JSON.stringify(monitor)}, key = ${JSON.stringify(key)};
const keyed = (path, body) => fetch(monitor + path, { method: 'POST',
  headers: { 'content-type': 'application/json', 'x-dashboard-key': key }, body: JSON.stringify(body) });
const tries = {
  'read the dashboard HTML (and its key)': () => fetch(monitor + '/').then((r) => r.text()),
  'read /state': () => fetch(monitor + '/state').then((r) => r.json()),
  'start a 500 req/s run with the key': () => keyed('/control/load', ${run}),
  'set zone1 to High with the key': () => keyed('/control/scenario', { zone: 'zone1', mode: 'high' }),
};
(async () => {
  const out = {};
  for (const [what, f] of Object.entries(tries)) {
    try { await f(); out[what] = 'ALLOWED'; } catch (e) { out[what] = 'refused (' + e.name + ': ' + e.message + ')'; }
  }
  document.getElementById('out').textContent = JSON.stringify(out, null, 1);
  window.__results = out;
})();
</script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }),
    ),
  );
}

test('the dashboard controls scenarios and load from its own origin; another origin can neither read its key nor start a run', async ({
  page,
  context,
  request,
}) => {
  test.setTimeout(300_000);
  const { token, monitors } = clusterInfo();
  const auth = { authorization: `Bearer ${token}` };
  const monitor = await followerUrl(request);
  const state = await readState(request);
  const server = state.zones.find((z) => z.zone === 'zone2')!.servers[0]!;

  // From its own origin the dashboard works.
  await page.goto(`${monitor}/`);
  await page.getByTestId(`server-scenario-${server.id}-low`).click();
  await expect.poll(() => scenarioOf(request, server.url)).toBe('low');
  await page.getByTestId(`server-scenario-${server.id}-off`).click();
  await expect.poll(() => scenarioOf(request, server.url)).toBe('off');
  await page.getByTestId('load-rate').fill('2');
  await page.getByTestId('load-duration').fill('2');
  await page.getByTestId('load-target').selectOption('zone2');
  await page.getByTestId('load-start').click();
  // A 2 s run may be over before a poll sees it running: wait for its final figures.
  await expect(page.getByTestId('load-status')).toContainText(
    /finished → zone2 · 2 req\/s × 2 s\s*sent 4\/4/,
    {
      timeout: 20_000,
    },
  );
  // The run is on the monitor the page streamed from (the one that served it, unless it failed over).
  const runs = async () => {
    const out: Record<string, unknown> = {};
    for (const m of monitors)
      out[m.url] = (await (await request.get(`${m.url}/control/load`, { headers: auth })).json()).run;
    return out;
  };
  const runBefore = await runs();
  expect(Object.values(runBefore).filter((r) => r !== null)).toHaveLength(1);

  // The key the page holds (the other site is even given it, to show the Origin check itself).
  const key = await page.evaluate(() => window.__ZONESCALE_DASHBOARD__?.key ?? '');
  expect(key).not.toBe('');
  const other = await otherSite(monitor, key);
  try {
    const evil = await context.newPage();
    await evil.goto(other.url);
    const results = (
      await evil.waitForFunction(() => (window as { __results?: unknown }).__results)
    ).jsonValue();
    const got = (await results) as Record<string, string>;
    expect(Object.keys(got)).toHaveLength(4);
    for (const [what, outcome] of Object.entries(got)) expect(outcome, what).toMatch(/^refused \(TypeError/);
    await expect(evil.locator('#out')).toContainText('refused');
    await evil.screenshot({ path: shot('40-other-origin-refused') });

    // A plain form post needs no preflight: the monitor itself refuses it, and the browser shows why.
    const [answer] = await Promise.all([
      evil.waitForResponse((r) => r.url() === `${monitor}/control/load`),
      evil.click('#post'),
    ]);
    expect(answer.status()).toBe(403);
    await expect(evil.locator('body')).toContainText('cross_origin');
    await evil.screenshot({ path: shot('41-other-origin-form-post-403') });
  } finally {
    other.server.close();
  }

  // Nothing changed: no new run, every server still off.
  expect(await runs()).toEqual(runBefore);
  const now = await readState(request);
  for (const z of now.zones)
    for (const s of z.servers) expect(await scenarioOf(request, s.url), `${s.id} scenario`).toBe('off');
});

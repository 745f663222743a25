/**
 * The app UI acts on the server that served it, wherever it was opened: the zone that the gateway
 * routes this client to is grown to two, then three servers (High CPU on the servers already
 * there), and for each size the test opens every server's page through the zone balancer and
 * through the gateway, then clicks ten times across those pages. Every click must be answered by
 * the page's own server (200, naming it), switch that server (its own `/health_check`), leave the
 * others as they were, and show no error on the page. Servers kept on High to hold the zone's size
 * get the High button (their scenario is already High; only their server can answer 200 with its
 * key); the others alternate High / Off, which keeps the zone's CPU inside the thresholds (High
 * starts at 0 %). Leaves every scenario off and every zone at one server.
 */
import { type APIRequestContext, type BrowserContext, expect, type Page, test } from '@playwright/test';
import type { ServerView } from '../server/shared/types.ts';
import { clusterInfo, oneServerEachZone, readState, shot } from './cluster-info.ts';

type Mode = 'high' | 'off';

const health = async (request: APIRequestContext, url: string) =>
  (await (await request.get(`${url}/health_check`)).json()) as { id: string; scenario: string };

async function setDirect(request: APIRequestContext, url: string, mode: Mode | 'low') {
  const res = await request.post(`${url}/scenario`, {
    headers: { authorization: `Bearer ${clusterInfo().token}` },
    data: { mode },
  });
  expect(res.status(), `${url} scenario ${mode}`).toBe(200);
}

/** Waits until `zone` has exactly `n` servers, all alive in its balancer's pool; returns them. */
async function grown(request: APIRequestContext, zone: string, n: number): Promise<ServerView[]> {
  let servers: ServerView[] = [];
  let seen = '';
  await expect
    .poll(
      async () => {
        const z = (await readState(request)).zones.find((x) => x.zone === zone)!;
        servers = z.servers;
        seen = `${z.replicas} replicas, avg CPU ${z.avgCpu}, ${servers.map((s) => `${s.id} ${s.state} ${s.scenario} ${s.cpu}`).join('; ')}`;
        return z.replicas === n && servers.length === n && servers.every((s) => s.state === 'alive');
      },
      { timeout: 90_000, intervals: [500], message: `${zone} grows to ${n} alive servers (last: ${seen})` },
    )
    .toBe(true);
  return servers;
}

/** One page per server, opened through `entry`; after a page of a server seen already, round-robin is shifted. */
async function pagesThrough(
  context: BrowserContext,
  request: APIRequestContext,
  entry: string,
  servers: ServerView[],
): Promise<Map<string, Page>> {
  const pages = new Map<string, Page>();
  for (let i = 0; i < 40 && pages.size < servers.length; i++) {
    const p = await context.newPage();
    await p.goto(`${entry}/`);
    const id = await p.evaluate(() => window.__ZONESCALE_APP__?.id ?? '');
    if (servers.some((s) => s.id === id) && !pages.has(id)) {
      await expect(p.getByRole('heading', { name: id })).toBeVisible();
      pages.set(id, p);
    } else {
      await p.close();
      // Shift round-robin by a random step (a page load makes a varying number of picks).
      const step = 1 + Math.floor(Math.random() * servers.length);
      for (let k = 0; k < step; k++) await request.get(`${entry}/hello`);
    }
  }
  expect([...pages.keys()].sort(), `a page of every server through ${entry}`).toEqual(
    servers.map((s) => s.id).sort(),
  );
  return pages;
}

/** Ten clicks across `pages`, each checked on every server of the zone. */
async function tenClicks(
  request: APIRequestContext,
  pages: Map<string, Page>,
  servers: ServerView[],
  holders: Set<string>,
  expected: Map<string, string>,
): Promise<void> {
  const order = [...pages.keys()];
  for (let i = 0; i < 10; i++) {
    const id = order[i % order.length]!;
    const page = pages.get(id)!;
    const mode: Mode = holders.has(id) || expected.get(id) === 'off' ? 'high' : 'off';
    const button = page.getByRole('button', { name: mode === 'high' ? /high cpu/i : /^off/i });
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/scenario') && r.request().method() === 'POST'),
      button.click(),
    ]);
    expect(answer.status(), `click ${i + 1} on ${id}'s page`).toBe(200);
    expect(((await answer.json()) as { server: string }).server, `click ${i + 1} answered by`).toBe(id);
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator('.error')).toHaveText('');
    expected.set(id, mode);
    for (const s of servers)
      expect((await health(request, s.url)).scenario, `${s.id} after click ${i + 1}`).toBe(
        expected.get(s.id),
      );
  }
  // Back to the holding picture: only the holders on High.
  for (const s of servers)
    if (!holders.has(s.id) && expected.get(s.id) !== 'off') {
      await setDirect(request, s.url, 'off');
      expected.set(s.id, 'off');
    }
}

test('app UI clicks through the balancer and through the gateway reach the page’s own server, with two and three servers in the zone', async ({
  context,
  request,
}) => {
  test.setTimeout(300_000);
  await oneServerEachZone(request);
  const { gateway } = clusterInfo();
  const zone = ((await (await request.get(`${gateway.url}/hello`)).json()) as { zone: string }).zone;
  const balancer = (await readState(request)).zones.find((z) => z.zone === zone)!.balancer!.url;
  const holders = new Set<string>();
  const expected = new Map<string, string>();
  try {
    for (const n of [2, 3]) {
      // Grow the zone by one: one more server on High.
      const before = (await readState(request)).zones.find((z) => z.zone === zone)!.servers;
      const next = before.find((s) => !holders.has(s.id))!;
      await setDirect(request, next.url, 'high');
      holders.add(next.id);
      const servers = await grown(request, zone, n);
      for (const s of servers) expected.set(s.id, holders.has(s.id) ? 'high' : 'off');
      for (const [name, entry] of [
        ['balancer', balancer],
        ['gateway', gateway.url],
      ] as const) {
        const pages = await pagesThrough(context, request, entry, servers);
        await tenClicks(request, pages, servers, holders, expected);
        await pages.get(servers[0]!.id)!.screenshot({ path: shot(`12-app-ui-through-${name}-${n}-servers`) });
        for (const p of pages.values()) await p.close();
      }
    }
  } finally {
    const z = (await readState(request)).zones.find((x) => x.zone === zone)!;
    for (const s of z.servers) await setDirect(request, s.url, 'off').catch(() => {});
  }
  await oneServerEachZone(request, 120_000);
});

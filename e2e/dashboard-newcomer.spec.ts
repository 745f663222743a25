/**
 * What a newcomer saw on the dashboard in their first hour (issue 12), each checked at 1280×800 and
 * 390 px wide: the event toast never covers a control (it used to sit over zone1's High/Low/Off
 * buttons) and no-op decisions (`AtMinReplicas`, `WithinThresholds`) do not toast; the replicas
 * chart draws no point before the cluster existed, and lines of equal value stay distinguishable;
 * `scale-up` is not coloured like an alarm; the theme button names the theme it switches to; the
 * app page's time axis shows the hour. Leaves every zone at one server with scenarios off.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { followerUrl, oneServerEachZone, readState, shot } from './cluster-info.ts';

/** Records every toast the page shows (kind and text) in `window.__toasts`. */
async function recordToasts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __toasts: { kind: string; text: string }[] };
    w.__toasts = [];
    const seen = new WeakSet<Element>();
    const scan = () => {
      for (const el of document.querySelectorAll('[data-testid="event-toast"]')) {
        if (seen.has(el)) continue;
        seen.add(el);
        w.__toasts.push({ kind: el.getAttribute('data-kind') ?? '', text: el.textContent ?? '' });
      }
    };
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
    scan();
  });
}

const toasts = (page: Page) =>
  page.evaluate(() => (window as unknown as { __toasts: { kind: string; text: string }[] }).__toasts);

/**
 * Every visible control whose box intersects the toast slot's, as `tag#testid` strings; also
 * `toast outside its slot` when a shown toast spills out of it. The slot is where every toast is
 * drawn, so this holds for every toast, also one that came and went between two checks on a slow
 * machine. Controls under the sticky header bar (scrolled beneath it, hidden by the bar itself) are
 * not counted.
 */
function overlaps(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const slot = document.querySelector('[data-testid="event-toast-slot"]');
    if (!slot) throw new Error('no toast slot');
    const t = slot.getBoundingClientRect();
    if (t.width === 0 || t.height === 0) throw new Error('the toast slot has no box');
    const toast = document.querySelector('[data-testid="event-toast"]')?.getBoundingClientRect();
    const spills =
      toast !== undefined &&
      (toast.left < t.left - 0.5 ||
        toast.right > t.right + 0.5 ||
        toast.top < t.top - 0.5 ||
        toast.bottom > t.bottom + 0.5);
    const bar = document.querySelector('.topbar')!.getBoundingClientRect();
    const hits: string[] = spills ? ['toast outside its slot'] : [];
    for (const el of document.querySelectorAll('button, a[href], input, select, textarea, [role="button"]')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || slot.contains(el)) continue;
      if (window.scrollY > 0 && !el.closest('.topbar') && r.top < bar.bottom) continue;
      const apart = r.right <= t.left || r.left >= t.right || r.bottom <= t.top || r.top >= t.bottom;
      if (!apart)
        hits.push(`${el.tagName.toLowerCase()}#${el.getAttribute('data-testid') ?? el.textContent}`);
    }
    return hits;
  });
}

test('the event toast never covers a control, and no-op decisions do not toast', async ({
  page,
  request,
}) => {
  await oneServerEachZone(request);
  await page.goto(`${await followerUrl(request)}/`);
  await expect(page.getByTestId('stream-status')).toHaveText('live', { timeout: 30_000 });
  await recordToasts(page);
  const loadedAt = Date.now();

  // A real event that does not depend on spare CPU: zone3's app server is killed, reported dead,
  // removed and replaced (remove-dead, then a scale-up back to the minimum).
  const monitor = await followerUrl(request);
  const { containers } = (await (await request.get(`${monitor}/containers`)).json()) as {
    containers: { id: string; role: string; zone: string; runtimeId: string }[];
  };
  const app = containers.find((c) => c.role === 'app' && c.zone === 'zone3')!;
  if (readFileSync(`/proc/${app.runtimeId}/cmdline`, 'utf8').includes(app.id))
    process.kill(Number(app.runtimeId), 'SIGKILL');
  // And Low on zone2 (one server): its no-op decisions (WithinThresholds, AtMinReplicas) must not toast.
  await page.getByTestId('zone-scenario-zone2-low').click();
  await expect(page.getByTestId('event-toast')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('event-toast')).not.toHaveAttribute('data-kind', 'decision');
  expect(await overlaps(page)).toEqual([]); // checked while this toast is shown
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    expect(await overlaps(page)).toEqual([]);
    // The issue's case: zone1's High/Low/Off buttons at the bottom left of the window.
    await page.getByTestId('zone-scenario-zone1-off').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    expect(await overlaps(page)).toEqual([]);
    await page.screenshot({ path: shot(`50-toast-${width}`) });
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  await expect
    .poll(
      async () =>
        (await readState(request)).events.filter((e) => e.kind === 'decision' && e.ts > loadedAt).length,
      { timeout: 30_000 },
    )
    .toBeGreaterThan(0);
  await page.getByTestId('zone-scenario-zone2-off').click();
  const shown = await toasts(page);
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.filter((t) => t.kind === 'decision')).toEqual([]);
  await oneServerEachZone(request);
});

test('the replicas chart starts where the cluster did, and equal lines stay apart', async ({
  page,
  request,
}) => {
  const state = await readState(request);
  const born = Math.min(...state.events.map((e) => e.ts));
  test.skip(state.now - born > 14 * 60_000, 'the cluster is older than the widest window');
  await page.goto(`${await followerUrl(request)}/`);
  await page.getByTestId('window-15m').click();
  const chart = page.getByTestId('replicas-chart');
  await expect(chart.locator('path.recharts-line-curve')).toHaveCount(3);
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await chart.scrollIntoViewIfNeeded();
    const geometry = await chart.evaluate((el) => {
      const grid = [...el.querySelectorAll('.recharts-cartesian-grid-horizontal line')].map((l) => ({
        x1: Number(l.getAttribute('x1')),
        x2: Number(l.getAttribute('x2')),
      }))[0]!;
      const lines = [...el.querySelectorAll('path.recharts-line-curve')].map((p) => ({
        firstX: Number(/^M\s*([\d.]+)/.exec(p.getAttribute('d') ?? '')?.[1] ?? Number.NaN),
        width: p.getAttribute('stroke-width'),
        dash: p.getAttribute('stroke-dasharray') ?? 'none',
      }));
      return { grid, lines };
    });
    const { x1, x2 } = geometry.grid;
    const now = (await readState(request)).now;
    // Where the cluster's first event falls on the 15-minute axis; no line may start left of it.
    const bornX = x1 + ((born - (now - 15 * 60_000)) / (15 * 60_000)) * (x2 - x1);
    for (const l of geometry.lines) {
      expect(l.firstX).toBeGreaterThan(x1 + 2);
      expect(l.firstX).toBeGreaterThanOrEqual(bornX - 0.02 * (x2 - x1));
    }
    // Every zone has one server: the three lines coincide, so width and dash tell them apart.
    const styles = new Set(geometry.lines.map((l) => `${l.width}/${l.dash}`));
    expect(styles.size).toBe(3);
    await page.screenshot({ path: shot(`51-replicas-chart-${width}`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('window-5m').click();
});

test('scale-up is not coloured like an alarm, and the theme button names the theme it switches to', async ({
  page,
  request,
}) => {
  await page.goto(`${await followerUrl(request)}/`);
  const row = page.locator('[data-testid="event-row"][data-kind="scale-up"]').first();
  await expect(row).toBeVisible();
  const colours = await row.evaluate((el) => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--bad)';
    document.body.append(probe);
    const bad = getComputedStyle(probe).color;
    probe.remove();
    return {
      kind: getComputedStyle(el.querySelector('.event-kind')!).color,
      edge: getComputedStyle(el).borderLeftColor,
      bad,
    };
  });
  expect(colours.kind).not.toBe(colours.bad);
  expect(colours.edge).not.toBe(colours.bad);

  const toggle = page.getByTestId('theme-toggle');
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    const shown = await toggle.getAttribute('data-theme');
    const other = shown === 'dark' ? 'light' : 'dark';
    await expect(toggle).toContainText(other);
    await expect(toggle).toHaveAccessibleName(`Switch to the ${other} theme`);
    await toggle.click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', other);
    await expect(toggle).toContainText(shown!);
    await page.screenshot({ path: shot(`52-theme-button-${width}-${other}`) });
    await toggle.click();
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

test("the app page's time axis shows the hour", async ({ page, request }) => {
  const server = (await readState(request)).zones.find((z) => z.zone === 'zone2')!.servers[0]!;
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(server.uiUrl);
    const tick = page.locator('.recharts-xAxis-tick-labels text').first();
    await expect(tick).toHaveText(/^\d{2}:\d{2}:\d{2}$/, { timeout: 15_000 });
    await page.screenshot({ path: shot(`53-app-ui-axis-${width}`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

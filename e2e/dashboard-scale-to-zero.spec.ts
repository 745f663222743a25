/**
 * Scale to zero on the dashboard, against a cluster of its own (`kpa-cluster-process.ts`: one
 * concurrency zone at `--min-replicas 0`, 2 s grace): zone1's card says `at zero`; one request to
 * zone1's balancer is held, wakes the zone and is answered 200; the card then shows one server (and
 * `activating` while the balancer held the request, if the page saw it); once idle past the stable
 * window and the grace, the card is back at zero with the `ScaledToZero` decision.
 */
import { expect, test } from '@playwright/test';
import { testBasePort } from '../server/dev/layout.ts';
import { shot } from './cluster-info.ts';
import { type SpawnedCluster, spawnCluster } from './spawn-cluster.ts';

let cluster: SpawnedCluster | null = null;
let info: { token: string; monitor: string; balancer: string };

test.beforeAll(async () => {
  test.setTimeout(150_000);
  cluster = await spawnCluster('kpa-cluster-process.ts', testBasePort('reaction-bench'));
  info = JSON.parse(cluster.info);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await cluster?.stop();
});

test('the dashboard shows a zone scale to zero and come back on the first request', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(`${info.monitor}/`);
  const scale = page.getByTestId('zone-scale-zone1');
  const replicas = page.getByTestId('zone-replicas-zone1');
  await expect(scale).toHaveAttribute('data-scale', 'zero');
  await expect(scale).toContainText('at zero');
  await expect(replicas).toHaveText('0');
  await page.screenshot({ path: shot('60-dashboard-zone-at-zero') });

  // Watch the card from the page itself so a short `activating` phase is not missed between polls.
  await page.evaluate(() => {
    const w = window as unknown as { sawActivating: boolean };
    w.sawActivating = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="zone-scale-zone1"][data-scale="activating"]'))
        w.sawActivating = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const t0 = Date.now();
  const res = await fetch(`${info.balancer}/work?ms=1`, { signal: AbortSignal.timeout(25_000) });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  const coldMs = Date.now() - t0;
  await expect(replicas).toHaveText('1', { timeout: 10_000 });
  await expect(scale).toHaveCount(0);
  const sawActivating = await page.evaluate(
    () => (window as unknown as { sawActivating: boolean }).sawActivating,
  );
  test.info().annotations.push({
    type: 'activation',
    description: `first request answered in ${coldMs} ms; the card showed "activating": ${sawActivating}`,
  });
  await page.screenshot({ path: shot('61-dashboard-zone-woken') });

  // Idle: 4 s stable window + 2 s grace at 1 s periods, then the last server goes.
  await expect(scale).toHaveAttribute('data-scale', 'zero', { timeout: 30_000 });
  await expect(replicas).toHaveText('0');
  await expect(page.getByTestId('zone-decision-zone1')).toContainText(/ScaledToZero|AtZero/);
  await page.screenshot({ path: shot('62-dashboard-zone-back-at-zero') });
});

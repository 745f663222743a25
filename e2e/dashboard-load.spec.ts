/**
 * Load from the dashboard: the load generator panel sends real `/work?ms=20` requests through the
 * gateway (one client address, so one zone by affinity); that zone's CPU crosses the 60 % threshold
 * and it scales out, the overview shows its requests/s, and when the run ends the zone scales back
 * to one server. Leaves every zone at one server.
 */
import { expect, test } from '@playwright/test';
import { followerUrl, oneServerEachZone, readState, shot } from './cluster-info.ts';

test('an operator starts load through the gateway from the dashboard and watches a zone scale out and back', async ({
  page,
  request,
}) => {
  await oneServerEachZone(request);
  await page.goto(`${await followerUrl(request)}/`);
  await expect(page.getByTestId('gateway-status')).toHaveAttribute('data-status', 'up');
  await page.getByTestId('load-rate').fill('45');
  await page.getByTestId('load-duration').fill('25');
  await page.getByTestId('load-target').selectOption('gateway');
  await page.getByTestId('load-start').click();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-running', 'true');

  // The zone the gateway sends this client to scales out.
  let zone = '';
  await expect
    .poll(
      async () => {
        const s = await readState(request);
        zone = s.zones.find((z) => z.replicas >= 2)?.zone ?? '';
        return zone;
      },
      { timeout: 60_000, intervals: [500] },
    )
    .not.toBe('');
  await expect(page.getByTestId(`zone-replicas-${zone}`)).toHaveText(/^[2-5]$/);
  await expect(page.getByTestId(`zone-rps-${zone}`)).toHaveText(/^[1-9]\d*(\.\d)?$/, { timeout: 10_000 });
  await expect(page.getByTestId('kpi-total-rps')).not.toHaveText('0.0');
  // The zone balancer measures its servers: some server of the zone shows req/s and a p95 latency.
  const metrics = page.locator(`[data-testid^="server-metrics-${zone}-"]`);
  await expect(metrics.filter({ hasText: /[1-9]\d*\.\d req\/s/ }).first()).toBeVisible({ timeout: 15_000 });
  await expect(metrics.filter({ hasText: /p95 \d+\.\d ms/ }).first()).toBeVisible();
  await expect(
    page.getByTestId('event-row').filter({ hasText: 'AboveHighThreshold' }).filter({ hasText: zone }).first(),
  ).toBeVisible();
  await page.screenshot({ path: shot('30-dashboard-load-scaled-out') });

  // The run ends by itself; the zone goes back to one server.
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-running', 'false', { timeout: 40_000 });
  await expect(page.getByTestId('load-status')).toContainText('errors 0');
  await expect(page.getByTestId(`zone-replicas-${zone}`)).toHaveText('1', { timeout: 90_000 });
  await expect(page.getByTestId('event-row').filter({ hasText: 'BelowLowThreshold' }).first()).toBeVisible();
  await page.screenshot({ path: shot('31-dashboard-load-scaled-in') });
});

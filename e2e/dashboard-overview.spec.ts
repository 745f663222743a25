/**
 * The overview an operator lands on: requests/s, replicas, the gateway, the leader and every
 * monitor, each zone's policy and last decision; the chart window picker; the light/dark toggle (persisted across a
 * reload); keyboard-reachable controls; and the same page on a narrow screen.
 */
import { expect, test } from '@playwright/test';
import { clusterInfo, followerUrl, readState, shot } from './cluster-info.ts';

test('the overview shows traffic, replicas, the gateway, the leader, every monitor and each zone policy', async ({
  page,
  request,
}) => {
  const info = clusterInfo();
  // Some traffic through the front door so requests/s is not zero.
  for (let i = 0; i < 30; i++) await request.get(`${info.gateway.url}/api/hello`);
  const state = await readState(request);
  await page.goto(`${await followerUrl(request)}/`);

  await expect(page.getByTestId('leader')).toContainText(`monitor ${state.leader!.id}`);
  for (const m of info.monitors) await expect(page.getByTestId(`monitor-${m.id}`)).toBeVisible();
  await expect(page.getByTestId('gateway-status')).toHaveAttribute('data-status', 'up');
  await expect(page.getByTestId('gateway-status')).toContainText('3/3 zones');
  await expect(page.getByTestId('kpi-replicas')).toHaveText('3');
  await expect(page.getByTestId('kpi-total-rps')).toHaveText(/\d/);
  for (const zone of ['zone1', 'zone2', 'zone3']) {
    await expect(page.getByTestId(`zone-policy-${zone}`)).toContainText(/threshold|target/);
    await expect(page.getByTestId(`zone-rps-${zone}`)).toBeVisible();
    // The zone card's last decision under its policy (a follower derives it from the events).
    await expect(page.getByTestId(`zone-decision-${zone}`)).toContainText(/threshold \w+ → \d/);
  }
  await expect(page.getByTestId('window-5m')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('window-1m').click();
  await expect(page.getByTestId('window-1m')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('window-5m').click();
  await page.screenshot({ path: shot('40-dashboard-overview-light') });

  // Keyboard: Tab reaches the theme toggle and Enter switches it.
  const toggle = page.getByTestId('theme-toggle');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('stream-status')).toHaveText('live');
  await page.screenshot({ path: shot('41-dashboard-overview-dark') });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: shot('42-dashboard-narrow-dark'), fullPage: false });
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.setViewportSize({ width: 1280, height: 800 });
});

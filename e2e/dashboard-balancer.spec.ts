/**
 * A zone balancer dies: the dashboard shows it down (zone card, overview tile, gateway routing to
 * fewer zones) instead of hiding it, the gateway keeps answering, and the leader recreates the
 * balancer on its port with the zone's servers, which the dashboard shows as up again.
 */
import { expect, test } from '@playwright/test';
import { clusterInfo, followerUrl, readState, shot } from './cluster-info.ts';

test('a killed zone balancer is shown down, the gateway keeps serving, and the recreated balancer is shown up', async ({
  page,
  request,
}) => {
  const monitor = await followerUrl(request);
  await page.goto(`${monitor}/`);
  await expect(page.getByTestId('zone-balancer-zone2')).toHaveAttribute('data-status', 'up');
  const { containers } = await (await request.get(`${monitor}/containers`)).json();
  const balancer = containers.find(
    (c: { id: string; role: string; zone: string }) => c.role === 'balancer' && c.zone === 'zone2',
  );
  expect(balancer, 'zone2 has a balancer in the registry').toBeTruthy();

  process.kill(Number(balancer.runtimeId), 'SIGKILL');
  // Shown as down until the leader recreates it (it checks every period, 2 s in the dev timings).
  await expect(page.getByTestId('zone-balancer-zone2')).toHaveAttribute('data-status', 'down', {
    timeout: 10_000,
  });
  await expect(page.getByTestId('zone-alert-zone2')).toBeVisible();
  await page.screenshot({ path: shot('20-dashboard-balancer-down') });
  // The front door keeps answering while the zone is gone.
  const res = await request.get(`${clusterInfo().gateway.url}/api/hello`);
  expect(res.status()).toBe(200);

  await expect(page.getByTestId('zone-balancer-zone2')).toHaveAttribute('data-status', 'up', {
    timeout: 30_000,
  });
  await expect(page.getByTestId('event-row').filter({ hasText: 'BalancerDown' }).first()).toBeVisible();
  await expect(page.getByTestId('gateway-status')).toHaveAttribute('data-status', 'up');
  await expect
    .poll(async () => (await readState(request)).gateway?.availableZones?.length ?? 0, { timeout: 20_000 })
    .toBe(3);
  await page.screenshot({ path: shot('21-dashboard-balancer-recreated') });
});

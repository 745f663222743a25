/**
 * A zone balancer hangs (SIGSTOP: it holds its port and answers nothing): the dashboard shows it
 * down (zone card, overview tile, gateway routing to fewer zones) instead of hiding it, the gateway
 * keeps answering, and the leader replaces the balancer on its port with the zone's servers (the
 * runtime stops the hung process: SIGTERM, then SIGKILL after 3 s), which the dashboard shows as up
 * again. A hang rather than a SIGKILL so the down state lasts long enough to be seen every time: a
 * killed balancer frees its port and is often recreated within one dashboard tick.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { clusterInfo, followerUrl, readState, shot } from './cluster-info.ts';

test('a hung zone balancer is shown down, the gateway keeps serving, and the recreated balancer is shown up', async ({
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

  const pid = Number(balancer.runtimeId);
  process.kill(pid, 'SIGSTOP');
  try {
    await watchBalancerReplaced();
  } finally {
    // If the test failed before the runtime replaced it, end the hung process (it is ours: check).
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('zone2-balancer'))
        process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  async function watchBalancerReplaced(): Promise<void> {
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
  }
});

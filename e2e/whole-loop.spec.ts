/**
 * The user story of the whole loop, in Debian's Chromium against a real cluster: the dashboard shows
 * three zones and the leader; High CPU on zone1's app UI grows zone1 to two servers with a reason;
 * Low CPU shrinks it back; killing the leader monitor (the one the page streams from) makes the
 * dashboard reconnect to another replica and show the new leader with a higher term.
 * Screenshots of each state land in e2e/artifacts/screenshots/.
 */

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

interface ClusterInfo {
  token: string;
  monitors: { id: number; url: string; pid: number }[];
}

const info = (): ClusterInfo => JSON.parse(process.env.E2E_CLUSTER_INFO ?? 'null');
const shot = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), 'artifacts', 'screenshots', `${name}.png`);

test('a user watches zone1 scale out on High CPU, back in on Low CPU, and the dashboard follow a leader failover', async ({
  page,
  context,
  request,
}) => {
  const cluster = info();
  expect(cluster, 'E2E_CLUSTER_INFO is set by global-setup').not.toBeNull();
  const state = await (await request.get(`${cluster.monitors[0]!.url}/state`)).json();
  const leader = cluster.monitors.find((m) => m.id === state.leader.id)!;
  const firstTerm: number = state.leader.term;

  // The dashboard, served by the leader itself so that killing it forces a reconnect.
  await page.goto(`${leader.url}/`);
  for (const zone of ['zone1', 'zone2', 'zone3']) {
    await expect(page.getByTestId(`zone-card-${zone}`)).toBeVisible();
    await expect(page.getByTestId(`zone-replicas-${zone}`)).toHaveText('1');
  }
  await expect(page.getByTestId('leader')).toContainText(`monitor ${leader.id}`);
  await expect(page.getByTestId('leader')).toContainText(`term ${firstTerm}`);
  await expect(page.getByTestId('stream-status')).toHaveText(/live/i);
  await page.screenshot({ path: shot('01-dashboard-three-zones') });

  // zone1's app UI, reached through the dashboard's link.
  const zone1 = state.zones.find((z: { zone: string }) => z.zone === 'zone1');
  const uiUrl: string = zone1.servers[0].uiUrl;
  const appPage = await context.newPage();
  await appPage.goto(uiUrl);
  await expect(appPage.getByText(zone1.servers[0].id).first()).toBeVisible();
  await appPage.getByRole('button', { name: /high cpu/i }).click();
  await expect(appPage.getByRole('button', { name: /high cpu/i })).toHaveAttribute('aria-pressed', 'true');

  // Within seconds zone1 gets a second server, with the reason shown.
  await expect(page.getByTestId('zone-replicas-zone1')).toHaveText(/^[2-5]$/, { timeout: 90_000 });
  await expect(page.getByTestId('event-row').filter({ hasText: 'AboveHighThreshold' }).first()).toBeVisible();
  await appPage.screenshot({ path: shot('02-app-ui-high-cpu') });
  await page.screenshot({ path: shot('03-dashboard-zone1-scaled-out') });

  // Low CPU: zone1 shrinks back to one server.
  await appPage.getByRole('button', { name: /low cpu/i }).click();
  await expect(page.getByTestId('zone-replicas-zone1')).toHaveText('1', { timeout: 90_000 });
  await expect(page.getByTestId('event-row').filter({ hasText: 'BelowLowThreshold' }).first()).toBeVisible();
  await page.screenshot({ path: shot('04-dashboard-zone1-scaled-in') });

  // Kill the leader (the page's own origin): the page reconnects elsewhere and shows the new leader.
  process.kill(leader.pid, 'SIGKILL');
  await expect(page.getByTestId('leader')).not.toContainText(`monitor ${leader.id}`, { timeout: 15_000 });
  await expect(page.getByTestId('leader')).toContainText(/term \d+/);
  const newTerm = Number((await page.getByTestId('leader').textContent())?.match(/term (\d+)/)?.[1]);
  expect(newTerm).toBeGreaterThan(firstTerm);
  await expect(page.getByTestId('stream-status')).toHaveText(/live/i, { timeout: 10_000 });
  await expect(page.getByTestId(`monitor-${leader.id}`)).toHaveAttribute('data-status', 'down', {
    timeout: 10_000,
  });
  await page.screenshot({ path: shot('05-dashboard-after-leader-failover') });
});

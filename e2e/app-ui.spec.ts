/**
 * High and Low from an app UI, and from the dashboard: the app page's buttons switch its scenario
 * (shown pressed on the page and on the dashboard's server row), the page lists the requests it
 * served in the last minute, and the dashboard's per-server buttons switch it back. Leaves every
 * scenario off.
 */
import { expect, test } from '@playwright/test';
import { followerUrl, oneServerEachZone, readState, shot } from './cluster-info.ts';

test('an operator switches a server to High and Low from its app UI and back to Off from the dashboard', async ({
  page,
  context,
  request,
}) => {
  const state = await readState(request);
  const zone3 = state.zones.find((z) => z.zone === 'zone3')!;
  const server = zone3.servers[0]!;
  const dash = await context.newPage();
  await dash.goto(`${await followerUrl(request)}/`);
  await expect(dash.getByTestId(`server-${server.id}`)).toBeVisible();

  await page.goto(server.uiUrl);
  await expect(page.getByRole('heading', { name: server.id })).toBeVisible();
  // Real user traffic through the zone's balancer shows up in the page's request list.
  for (let i = 0; i < 12; i++) await request.get(`${zone3.balancer!.url}/work?ms=${5 + i}`);
  await expect(page.getByTestId('request-row').first()).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('recent-requests')).toContainText('/work?ms=');

  await page.getByRole('button', { name: /high cpu/i }).click();
  await expect(page.getByRole('button', { name: /high cpu/i })).toHaveAttribute('aria-pressed', 'true');
  await expect(dash.getByTestId(`server-scenario-${server.id}-high`)).toHaveAttribute(
    'aria-pressed',
    'true',
    {
      timeout: 10_000,
    },
  );
  await expect(page.getByTestId('recent-requests')).toBeVisible();
  await page.waitForTimeout(4_000); // a few seconds of the rising High curve on the chart
  await page.screenshot({ path: shot('10-app-ui-high'), fullPage: true });

  await page.getByRole('button', { name: /low cpu/i }).click();
  await expect(page.getByRole('button', { name: /low cpu/i })).toHaveAttribute('aria-pressed', 'true');
  await expect(dash.getByTestId(`server-scenario-${server.id}-low`)).toHaveAttribute('aria-pressed', 'true', {
    timeout: 10_000,
  });

  // From the dashboard (page key through the monitor): Off, reflected on the app page's stream.
  await dash.getByTestId(`server-scenario-${server.id}-off`).click();
  await expect(page.getByRole('button', { name: /^off/i })).toHaveAttribute('aria-pressed', 'true', {
    timeout: 10_000,
  });
  await expect(dash.getByTestId(`server-scenario-${server.id}-off`)).toHaveAttribute('aria-pressed', 'true', {
    timeout: 10_000,
  });
  await dash.screenshot({ path: shot('11-dashboard-after-app-controls') });
  await oneServerEachZone(request);
});

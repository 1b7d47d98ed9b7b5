// Analytics as a viewer uses it: the page opens from the navigation, the range changes through the form (and
// the URL), a CSV export downloads, and the page is axe-clean and fits a 375 px screen.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectNoAxeViolations, logIn, newPage, ownerApi } from './support';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

test('a viewer opens Analytics, changes the range and exports CSV', async ({ browser, request, baseURL }) => {
  const owner = await ownerApi(request, baseURL!);
  const viewer = { email: `viewer-${Date.now().toString(36)}@example.test`, password: 'viewer password 1' };
  await owner.post('/api/team/members', { ...viewer, name: 'Vera Viewer', role: 'VIEWER' });
  // Something to count: a conversation the owner opens and resolves today.
  const channels = await owner.get('/api/channels');
  const conversation = await owner.post('/api/conversations', {
    channelId: channels[0].id,
    contact: { name: 'Analytics Customer', externalId: `analytics-${Date.now()}` },
    content: 'Your order has shipped.',
  });
  const closed = await request.patch(`/api/conversations/${conversation.id}`, {
    data: { status: 'CLOSED' },
    headers: { origin: baseURL! },
  });
  expect(closed.status()).toBe(200);
  await expect
    .poll(async () => (await owner.get(`/api/analytics/overview?from=${day(0)}&to=${day(0)}`)).current.resolutions, {
      timeout: 20_000,
    })
    .toBeGreaterThan(0);

  const page = await newPage(browser);
  await logIn(page, viewer);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(page.getByRole('heading', { name: 'Analytics', level: 1 })).toBeVisible();
  const resolutions = page.locator('.metric', { hasText: 'Resolutions' });
  await expect(resolutions.locator('.metric-value')).not.toHaveText('0');
  await expectNoAxeViolations(page);

  // A range that ended before today: nothing resolved then.
  await page.getByLabel('From', { exact: true }).fill(day(-20));
  await page.getByLabel('To', { exact: true }).fill(day(-10));
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(new RegExp(`from=${day(-20)}&to=${day(-10)}`));
  await expect(page.getByRole('heading', { name: `Overview ${day(-20)} to ${day(-10)}` })).toBeVisible();
  await expect(resolutions.locator('.metric-value')).toHaveText('0');

  // The chart's numbers are in its table too.
  await page.getByText('Conversations per day: table').click();
  await expect(page.getByRole('table', { name: 'Conversations per day' }).getByRole('row')).toHaveCount(12);

  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Overview (CSV)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`overview-${day(-20)}-${day(-10)}.csv`);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe(`metric,${day(-20)}..${day(-10)},${day(-31)}..${day(-21)}`);
  expect(csv).toContain('Resolutions,0,');

  // A phone: nothing wider than the screen, still axe-clean.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`/analytics?from=${day(-6)}&to=${day(0)}`);
  await expect(page.getByRole('heading', { name: `Overview ${day(-6)} to ${day(0)}` })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await expectNoAxeViolations(page);
});

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

test('an admin sets the time zone and business hours, then reads the reports in business time; a viewer reads the hours', async ({
  browser,
  request,
  baseURL,
}) => {
  // A workspace of its own: the demo organisation's calendar stays as the other journeys expect it.
  const owner = { email: `hours-${Date.now().toString(36)}@example.test`, password: 'owner password 1' };
  const headers = { origin: baseURL! };
  const signup = await request.post('/api/auth/signup', {
    data: { ...owner, name: 'Hana Hours', organizationName: 'Hours Ltd' },
    headers,
  });
  expect(signup.status()).toBe(201);
  expect((await request.post('/api/auth/login', { data: owner, headers })).status()).toBe(200);
  const viewer = { email: `hours-viewer-${Date.now().toString(36)}@example.test`, password: 'viewer password 1' };
  const added = await request.post('/api/team/members', {
    data: { ...viewer, name: 'Vida Viewer', role: 'VIEWER' },
    headers,
  });
  expect(added.status()).toBe(201);

  const page = await newPage(browser);
  await logIn(page, owner);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  // Without business hours the reports offer no business-time toggle.
  await expect(page.getByRole('heading', { name: /^Overview / })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByLabel('Business hours only')).toHaveCount(0);
  await page.getByRole('link', { name: 'Time zone and business hours' }).click();
  await expect(page).toHaveURL(/\/analytics\/business-hours$/);
  // A loaded machine takes its time over the page's first load and the save (it recalculates the reports).
  const slow = { timeout: 20_000 };
  await expect(page.getByRole('heading', { name: 'Time zone and business hours', level: 1 })).toBeVisible(slow);

  await page.getByLabel('Time zone', { exact: true }).fill('Europe/Ljubljana');
  await page.getByRole('group', { name: 'Monday' }).getByRole('checkbox', { name: 'Open' }).check();
  await page.getByLabel('Monday closes').fill('08:00');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Closing time must be after the opening time')).toBeVisible(slow);
  await expect(page.getByLabel('Monday closes')).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page);

  await page.getByLabel('Monday closes').fill('17:00');
  await page.getByRole('group', { name: 'Tuesday' }).getByRole('checkbox', { name: 'Open' }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Reports can now show response times in business hours', slow);
  expect((await (await request.get('/api/analytics/settings')).json()).data).toEqual({
    timeZone: 'Europe/Ljubljana',
    businessHours: [
      { day: 1, start: '09:00', end: '17:00' },
      { day: 2, start: '09:00', end: '17:00' },
    ],
  });

  await page.getByRole('link', { name: 'open Analytics in business time' }).click();
  await expect(page).toHaveURL(/\/analytics\?businessTime=true$/);
  await expect(page.getByLabel('Business hours only')).toBeChecked(slow);
  await expect(page.getByText('Days are in Europe/Ljubljana.')).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Overview / })).toBeVisible();

  // A phone: the form wraps, nothing is wider than the screen.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('/analytics/business-hours');
  await expect(page.getByLabel('Monday opens')).toHaveValue('09:00', slow);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await expectNoAxeViolations(page);

  const viewerPage = await newPage(browser);
  await logIn(viewerPage, viewer);
  await viewerPage.goto('/analytics/business-hours');
  const hours = viewerPage.getByRole('table', { name: 'Business hours' });
  await expect(hours.getByRole('row', { name: /Monday/ })).toHaveText('Monday09:00–17:00', slow);
  await expect(hours.getByRole('row', { name: /Sunday/ })).toHaveText('SundayClosed');
  await expect(viewerPage.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expectNoAxeViolations(viewerPage);
});

// Notifications in the dashboard: the bell counts what a visitor writes, live, and opens the conversation; the
// settings page tells this device's push state (and the iPhone install steps); the app is installable.
import { devices, expect, test } from '@playwright/test';
import { DEMO_OWNER, expectNoAxeViolations, logIn, newPage, openWidget, sendFromWidget } from './support';

test('the bell count rises when a visitor writes, and a notification opens the conversation', async ({ browser }) => {
  const agent = await newPage(browser);
  await logIn(agent, DEMO_OWNER);
  const bell = agent.getByRole('button', { name: /^Notifications/ });
  await expect(bell).toBeVisible();

  // Start from nothing unread.
  await bell.click();
  const centre = agent.getByRole('region', { name: 'Notifications' });
  await expect(centre).toBeVisible();
  const markAll = centre.getByRole('button', { name: 'Mark all read' });
  // Earlier journeys' notifications may still be arriving (and the list may still be loading): mark all read
  // again until nothing is unread, as a person would.
  await expect(async () => {
    if (await markAll.isEnabled()) await markAll.click();
    await expect(agent.getByTestId('notification-count')).toHaveCount(0, { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expectNoAxeViolations(agent);
  await agent.keyboard.press('Escape');
  await expect(centre).toHaveCount(0);

  const visitor = await newPage(browser);
  await visitor.goto('/demo');
  const chat = await openWidget(visitor);
  const question = `Can I change my delivery address? #${Date.now()}`;
  await sendFromWidget(chat, question);

  // Live, without a reload: the count rises (other journeys' late follow-ups may add their own).
  await expect(agent.getByTestId('notification-count')).toHaveText(/^[1-9]\d*$/, { timeout: 20_000 });
  await expect(bell).toHaveAccessibleName(/^Notifications, [1-9]\d* unread$/);

  await bell.click();
  const ours = centre.getByRole('listitem').filter({ hasText: question });
  await expect(ours).toContainText('New conversation with', { timeout: 20_000 });
  await ours.getByRole('button', { name: /^Unread: New conversation with/ }).click();

  await expect(agent).toHaveURL(/\/conversations\/[\w-]+$/);
  await expect(agent.getByRole('list', { name: 'Messages' })).toContainText(question);
});

test('the notification settings page shows this device’s push state and the preferences', async ({ browser }) => {
  const page = await newPage(browser);
  await logIn(page, DEMO_OWNER);
  await page.getByRole('link', { name: 'Notifications', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible();
  // Chromium can do push; this member has not turned it on here.
  await expect(page.getByTestId('device-state')).toHaveText('Not subscribed');
  await expect(page.getByRole('button', { name: 'Enable push on this device' })).toBeVisible();
  // The service worker is registered (same origin, under the dashboard's CSP) and the manifest is linked.
  await expect
    .poll(() => page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration('/'))?.active)))
    .toBe(true);
  const manifest = await (await page.request.get('/manifest.webmanifest')).json();
  expect(manifest).toMatchObject({ display: 'standalone', start_url: '/conversations' });
  expect((await page.request.get('/icons/icon-512.png')).status()).toBe(200);

  // The matrix saves.
  const checkbox = page.getByRole('checkbox', { name: 'Status changed: Email' });
  await expect(checkbox).not.toBeChecked();
  await checkbox.check();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('checkbox', { name: 'Status changed: Email' })).toBeChecked();
  await page.getByRole('checkbox', { name: 'Status changed: Email' }).uncheck();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await expectNoAxeViolations(page);
});

test('on an iPhone in Safari the page says push needs the Home Screen app and how to install it', async ({
  browser,
}) => {
  const { defaultBrowserType: _webkit, ...iPhone } = devices['iPhone 13'];
  const context = await browser.newContext(iPhone);
  const page = await context.newPage();
  await logIn(page, DEMO_OWNER);
  await page.goto('/settings/notifications');
  await expect(page.getByTestId('device-state')).toHaveText('iOS needs Home Screen install');
  const steps = page.getByRole('list').filter({ hasText: 'Add to Home Screen' });
  await expect(steps).toContainText('Tap the Share button');
  await expect(page.getByRole('button', { name: 'Enable push on this device' })).toHaveCount(0);
  await expectNoAxeViolations(page);
  await context.close();
});

// A member who forgot their password gets a link by email (read in the dev mailbox), chooses a new password and
// logs in with it; the profile page changes the name. Every new screen passes axe.
import { expect, test } from '@playwright/test';
import { expectNoAxeViolations, logIn, newPage } from './support';

test('password reset through the dev mailbox, then the profile page', async ({ browser, request, baseURL }) => {
  test.setTimeout(90_000);
  const email = `reset-${Date.now()}@example.test`;
  const signUp = await request.post('/api/auth/signup', {
    data: { email, password: 'first password 1', name: 'Rita Reset', organizationName: 'Reset Co' },
    headers: { origin: baseURL! },
  });
  expect(signUp.status()).toBe(201);

  const page = await newPage(browser);
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect(page.getByRole('status')).toContainText('If this address has an account');

  await page.goto('/dev/mailbox');
  const mail = page.getByRole('article', { name: 'Reset your HelpStack password' }).filter({ hasText: email });
  await expect(mail).toBeVisible();
  await expectNoAxeViolations(page);
  await mail
    .getByRole('link', { name: /reset-password\?token=/ })
    .first()
    .click();

  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('New password', { exact: true }).fill('second password 2');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is changed');
  const used = page.url();

  // The link works once.
  await page.goto(used);
  await page.getByLabel('New password', { exact: true }).fill('third password 3');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('This reset link is invalid, already used or expired')).toBeVisible();

  await logIn(page, { email, password: 'second password 2' });
  await page.getByRole('link', { name: 'Rita Reset' }).click();
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Rita R.');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('link', { name: 'Rita R.' })).toBeVisible();
  await page.getByLabel('Current password').fill('wrong password');
  await page.getByLabel('New password', { exact: true }).fill('fourth password 4');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('The current password is not right')).toBeVisible();
});

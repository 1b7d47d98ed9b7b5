// An owner invites a teammate, copies the invitation link and passes it on; the teammate opens it in a browser of
// their own, sees which organisation, role and email it is for, sets a name and password, and lands in the
// organisation with that role. The link works once. A fresh organisation on the Free plan (2 seats: the owner
// and this invitation), so the journey never competes for the demo organisation's seats.
import { expect, test } from '@playwright/test';
import { expectNoAxeViolations, logIn, newPage } from './support';

test('an invitation link is copied, opened in another browser and accepted with the right role', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const owner = { email: `inviter-${stamp}@example.test`, password: 'owner password 1' };
  const organizationName = `Invite Co ${stamp}`;
  const signUp = await request.post('/api/auth/signup', {
    data: { ...owner, name: 'Olivia Owner', organizationName },
    headers: { origin: baseURL! },
  });
  expect(signUp.status()).toBe(201);
  const invitee = `teammate-${stamp}@example.test`;

  const ownerPage = await newPage(browser);
  await ownerPage.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL! });
  await logIn(ownerPage, owner);
  await ownerPage.goto('/settings/team');
  const form = ownerPage.getByRole('form', { name: 'Invite by email' });
  await form.getByLabel('Invite email').fill(invitee);
  await form.getByLabel('Role').selectOption('AGENT');
  await form.getByRole('button', { name: 'Send invitation' }).click();
  await expect(form.getByRole('status')).toContainText(`Invitation sent to ${invitee}`);
  const shown = await form.getByLabel('Invitation link').inputValue();
  expect(shown).toMatch(/\/invite\/[\w-]+$/);
  await form.getByRole('button', { name: 'Copy link' }).click();
  await expect(form.getByRole('button', { name: 'Copied' })).toBeVisible();
  const copied = await ownerPage.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(shown);
  await expect(ownerPage.getByRole('list', { name: 'Pending invitations' })).toContainText(invitee);

  // The teammate's own browser: no session, the link from the clipboard.
  const teammate = await newPage(browser);
  await teammate.goto(copied);
  await expect(teammate.getByRole('heading', { name: 'Accept your invitation' })).toBeVisible();
  await expect(teammate.locator('.invite-about')).toHaveText(
    `Olivia Owner invited ${invitee} to join ${organizationName} as AGENT.`,
  );
  await expectNoAxeViolations(teammate);
  await teammate.getByLabel('Your name').fill('Tara Teammate');
  await teammate.getByLabel('Password').fill('teammate password 1');
  await teammate.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(teammate).toHaveURL(/\/conversations/);
  const me = await (await teammate.request.get('/api/auth/me')).json();
  expect(me.data.user).toMatchObject({ email: invitee, name: 'Tara Teammate' });
  expect(me.data.organization.name).toBe(organizationName);
  expect(me.data.role).toBe('AGENT');

  // The owner sees the new member with that role; the invitation is no longer pending.
  await ownerPage.reload();
  await expect(ownerPage.getByRole('row').filter({ hasText: invitee })).toContainText('Tara Teammate');
  await expect(ownerPage.getByLabel('Role of Tara Teammate')).toHaveValue('AGENT');
  await expect(ownerPage.getByText('No pending invitations.')).toBeVisible();

  // The link works once.
  const stranger = await newPage(browser);
  await stranger.goto(copied);
  await expect(stranger.getByRole('alert')).toHaveText(
    'This invitation has already been accepted. Log in to continue.',
  );
  await expectNoAxeViolations(stranger);
});

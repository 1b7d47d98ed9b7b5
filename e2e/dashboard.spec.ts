// Agent and admin journeys through the dashboard, with accessibility checks and screenshots.
import { expect, type Page, test } from '@playwright/test';
import { expectNoAxeViolations, logIn, newPage, openWidget, sendFromWidget } from './support';

/** A link of the main navigation (its name may carry a live unread badge: "Inbox 3"). */
const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function signUp(page: Page) {
  const account = { email: `founder-${unique()}@example.test`, password: 'a long password' };
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Fran Founder');
  await page.getByLabel('Organization name').fill('Fran’s Flowers');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/conversations/);
  return account;
}

test('sign up, add a website chat, chat through it, close the conversation and find it again', async ({
  browser,
}, testInfo) => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const agent = await context.newPage();
  await agent.goto('/login');
  await expectNoAxeViolations(agent);
  await signUp(agent);

  // Add a WEBSITE_CHAT channel through the stepper.
  await nav(agent, 'Channels').click();
  await agent.getByRole('link', { name: 'Add channel' }).click();
  await agent.getByLabel('Website chat').check();
  await agent.getByRole('button', { name: 'Next' }).click();
  await agent.getByLabel('Channel name').fill('Shop chat');
  await agent.getByRole('button', { name: 'Next' }).click();
  await agent.getByRole('button', { name: 'Next' }).click();
  await agent.getByRole('button', { name: 'Create channel' }).click();
  await expect(agent.getByRole('heading', { name: 'Embed code' })).toBeVisible();
  await expectNoAxeViolations(agent);

  // Copy the snippet and open the demo page with that channel.
  await agent.getByRole('button', { name: 'Copy embed code' }).click();
  const snippet = await agent.evaluate(() => navigator.clipboard.readText());
  const channelId = snippet.match(/widget\.js\?id=([\w-]+)/)![1];
  expect(snippet).toBe(`<script src="${new URL(agent.url()).origin}/widget.js?id=${channelId}" async></script>`);

  const visitor = await newPage(browser);
  await visitor.goto(`/demo?id=${channelId}`);
  const chat = await openWidget(visitor);
  const question = `Do you deliver tulips on Sundays? ${unique()}`;
  await sendFromWidget(chat, question);

  // Answer as the agent.
  await nav(agent, 'Inbox').click();
  await agent.getByRole('link', { name: new RegExp(question.split(' ').at(-1)!) }).click();
  await expect(agent.getByRole('list', { name: 'Messages' })).toContainText(question);
  await agent.getByLabel('Reply to the customer').fill('Yes, every Sunday before noon.');
  await agent.getByRole('button', { name: /^Send reply/ }).click();
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText('Yes, every Sunday before noon.');
  await expectNoAxeViolations(agent);
  await agent.screenshot({ path: testInfo.outputPath('conversation-view.png'), fullPage: true });

  // Close it; it leaves the default view and is found again with the CLOSED filter.
  // The inbox's filters stay mounted beside the thread: the conversation's own status is the other select.
  await agent.getByLabel('Status').last().selectOption('CLOSED');
  await expect(agent.getByLabel('Status').last()).toHaveValue('CLOSED');
  await nav(agent, 'Inbox').click();
  const filters = agent.getByLabel('Filter conversations');
  // The status filter sits with the other filters behind the Filters toggle.
  await agent.getByRole('button', { name: /^Filters/ }).click();
  await filters.getByLabel('Status').selectOption('CLOSED');
  // The list previews the latest message: the agent's reply.
  const row = agent.getByRole('link', { name: /Yes, every Sunday before noon/ });
  await expect(row).toBeVisible();
  await filters.getByLabel('Status').selectOption('OPEN');
  // The list refetches with the new filter; on a loaded machine that can take a few seconds.
  await expect(row).toHaveCount(0, { timeout: 15_000 });
  await expectNoAxeViolations(agent);
  await agent.screenshot({ path: testInfo.outputPath('inbox.png'), fullPage: true });

  // The settings pages are accessible too, and the inbox works on a phone.
  for (const link of ['Channels', 'FAQs', 'Team']) {
    await nav(agent, link).click();
    await expect(agent.locator('main')).toBeVisible();
    await expectNoAxeViolations(agent);
  }
  await agent.setViewportSize({ width: 375, height: 800 });
  await agent.goto('/conversations');
  await expect(agent.getByRole('list', { name: 'Conversations' })).toBeVisible();
  await expectNoAxeViolations(agent);
});

test('an admin adds an agent who cannot edit channels, and a viewer cannot reply', async ({ browser }) => {
  const admin = await newPage(browser);
  await signUp(admin);
  await nav(admin, 'Team').click();

  async function addMember(role: 'AGENT' | 'VIEWER') {
    const email = `${role.toLowerCase()}-${unique()}@example.test`;
    const form = admin.locator('form', { has: admin.getByRole('button', { name: 'Add member' }) });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Name').fill(`${role} person`);
    await form.getByLabel('Role').selectOption(role);
    await form.getByLabel('Password (optional)').fill('member password');
    await form.getByRole('button', { name: 'Add member' }).click();
    await expect(admin.getByRole('table')).toContainText(email);
    return { email, password: 'member password' };
  }
  const agentAccount = await addMember('AGENT');
  // Free includes two seats, the admin's and the agent's: adding someone else waits for a free seat.
  await expect(admin.getByTestId('seats')).toHaveText('2 of 2 seats used on the Free plan.');
  await expect(admin.getByRole('button', { name: 'Add member' })).toBeDisabled();

  // A conversation to look at: created by the admin through the API.
  const origin = new URL(admin.url()).origin;
  const channel = await admin.evaluate(async (o) => {
    const res = await fetch('/api/channels', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: o },
      body: JSON.stringify({ type: 'WEBSITE_CHAT', name: 'Help desk', credentials: {} }),
    });
    return (await res.json()).data;
  }, origin);
  await admin.evaluate(
    async ({ channelId }) => {
      await fetch('/api/conversations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channelId, contact: { name: 'Casey Customer' }, content: 'Hello there' }),
      });
    },
    { channelId: channel.id },
  );

  const agent = await newPage(browser);
  await logIn(agent, agentAccount);
  await nav(agent, 'Channels').click();
  await agent.getByRole('link', { name: 'Help desk' }).click();
  await expect(agent.getByRole('heading', { name: 'Embed code' })).toBeVisible();
  await expect(agent.getByRole('button', { name: /Save/ })).toHaveCount(0);
  await expect(agent.getByRole('button', { name: /Delete/ })).toHaveCount(0);
  await expect(agent.getByRole('link', { name: 'Add channel' })).toHaveCount(0);

  // The agent leaves, and their seat goes to a viewer.
  await admin.getByRole('button', { name: 'Remove AGENT person' }).click();
  await admin.getByRole('alertdialog').getByRole('button', { name: 'Remove AGENT person' }).click();
  await expect(admin.getByTestId('seats')).toHaveText('1 of 2 seats used on the Free plan.');
  const viewerAccount = await addMember('VIEWER');

  const viewer = await newPage(browser);
  await logIn(viewer, viewerAccount);
  await viewer.getByRole('link', { name: /Casey Customer/ }).click();
  await expect(viewer.getByRole('list', { name: 'Messages' })).toContainText('Hello there');
  await expect(viewer.getByLabel('Reply to the customer')).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /^Send reply/ })).toHaveCount(0);
});

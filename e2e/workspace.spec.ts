// The agent's workspace (issue 19) in real Chromium at 1366 and 375 px, axe-clean: a queue worked with the
// keyboard only, a bulk resolve, a snooze that comes back, an AI draft edited before approval reaching the
// widget, and no horizontal scrolling at phone width.
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { DEMO_OWNER, expectNoAxeViolations, logIn, newPage, openWidget, ownerApi, sendFromWidget } from './support';

const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 375, height: 760 };
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function websiteChannel(request: APIRequestContext, baseURL: string, extra: Record<string, unknown> = {}) {
  const api = await ownerApi(request, baseURL);
  const channel = await api.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: `Workspace ${unique()}`,
    credentials: {},
    autoTranslate: false,
    ...extra,
  });
  return { api, channel };
}

/** A conversation as a customer starts it: through the widget on the demo page. */
async function customerWrites(page: Page, channelId: string, text: string) {
  await page.goto(`/demo?id=${channelId}`);
  const chat = await openWidget(page);
  await sendFromWidget(chat, text);
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText(text);
  return chat;
}

async function noHorizontalScroll(page: Page) {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
}

/**
 * Opens the conversation a search finds. The visitor's message reaches D1's search index a moment after its ack
 * (the actor's outbox), so the search is repeated until it finds it, as a person would press Search again.
 */
async function openFromSearch(agent: Page, tag: string) {
  const link = agent.getByRole('link', { name: new RegExp(tag) });
  await expect(async () => {
    await agent.goto(`/conversations?search=${tag}`);
    await expect(link).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await link.click();
}

test('an agent works through a queue with the keyboard only: open, saved reply, resolve, next', async ({
  browser,
  request,
  baseURL,
}) => {
  const tag = unique();
  const { api, channel } = await websiteChannel(request, baseURL!);
  await api
    .post('/api/saved-replies', {
      shortcut: `thx${tag}`,
      content: 'Thanks {{contact.firstName}}, it is on its way!',
    })
    .catch(() => {});
  for (const n of [1, 2]) {
    const visitor = await newPage(browser);
    await customerWrites(visitor, channel.id, `Where is order ${n}? ${tag}`);
  }

  const context = await browser.newContext({ viewport: DESKTOP });
  const agent = await context.newPage();
  await logIn(agent, DEMO_OWNER);
  await agent.goto(`/conversations?search=${tag}`);
  await expect(agent.getByRole('list', { name: 'Conversations' }).getByRole('listitem')).toHaveCount(2);
  await expectNoAxeViolations(agent);

  // j opens the first conversation beside the list; the list stays.
  await agent.locator('body').press('j');
  await expect(agent).toHaveURL(/\/conversations\/[^?]+\?search=/);
  const thread = agent.getByRole('list', { name: 'Messages' });
  await expect(thread).toContainText(`Where is order 2? ${tag}`);
  await expect(agent.getByRole('list', { name: 'Conversations' })).toBeVisible();
  await expectNoAxeViolations(agent);

  // r, then "/" and the shortcut, Enter inserts the saved reply, Enter sends it.
  await agent.locator('body').press('r');
  const box = agent.getByLabel('Reply to the customer');
  await expect(box).toBeFocused();
  await box.pressSequentially(`/thx${tag}`);
  await expect(agent.getByRole('list', { name: 'Saved replies' })).toBeVisible();
  await box.press('Enter');
  // The contact's first name from the contact panel (a nameless visitor is greeted as "there").
  const name = (await agent.locator('.conv-side dt:text-is("Name") + dd').innerText()).trim();
  const first = name === '—' ? 'there' : name.split(/\s+/)[0];
  await expect(box).toHaveValue(`Thanks ${first}, it is on its way!`);
  await box.press('Enter');
  await expect(thread).toContainText('it is on its way!');
  // Replying assigned the conversation to the replier.
  const details = agent.getByRole('complementary', { name: 'Conversation details' });
  await expect(details.getByLabel('Assignee')).not.toHaveValue('');

  // Escape leaves the reply box; e resolves; j goes on to the next one.
  await box.press('Escape');
  await agent.locator('body').press('e');
  await expect(agent.getByText(/This conversation is resolved/)).toBeVisible();
  await agent.locator('body').press('j');
  await expect(thread).toContainText(`Where is order 1? ${tag}`);
  await agent.locator('body').press('?');
  await expect(agent.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await expectNoAxeViolations(agent);
});

test('bulk-resolve three conversations', async ({ browser, request, baseURL }) => {
  const tag = unique();
  const { channel } = await websiteChannel(request, baseURL!);
  for (const n of [1, 2, 3]) {
    const visitor = await newPage(browser);
    await customerWrites(visitor, channel.id, `Bulk question ${n} ${tag}`);
  }
  const agent = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  await logIn(agent, DEMO_OWNER);
  await agent.goto(`/conversations?search=${tag}`);
  const list = agent.getByRole('list', { name: 'Conversations' });
  await expect(list.getByRole('listitem')).toHaveCount(3);
  await agent.getByLabel('Select all').check();
  await expect(agent.getByRole('group', { name: 'Change 3 selected' })).toBeVisible();
  await expectNoAxeViolations(agent);
  await agent.getByRole('group', { name: 'Change 3 selected' }).getByRole('button', { name: 'Resolve' }).click();
  await expect(list.getByText('Resolved', { exact: true })).toHaveCount(3);
  await agent.goto(`/conversations?search=${tag}&status=OPEN`);
  await expect(agent.getByText('Nothing matches these filters.')).toBeVisible();
});

test('snooze a conversation and see it come back as Open', async ({ browser, request, baseURL }) => {
  test.setTimeout(240_000);
  const tag = unique();
  const { channel } = await websiteChannel(request, baseURL!);
  const visitor = await newPage(browser);
  await customerWrites(visitor, channel.id, `Call me back later ${tag}`);

  const agent = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  await logIn(agent, DEMO_OWNER);
  await openFromSearch(agent, tag);
  await agent.getByRole('button', { name: 'Snooze' }).click();
  // The nearest whole minute the API accepts (over a minute from now), in the browser's local time.
  const { until, waitMs } = await agent.evaluate(() => {
    const d = new Date(Date.now() + 65_000);
    d.setSeconds(0, 0);
    d.setMinutes(d.getMinutes() + 1);
    const pad = (n: number) => String(n).padStart(2, '0');
    return {
      until: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`,
      waitMs: d.getTime() - Date.now() + 3_000,
    };
  });
  await agent.getByLabel('Until').fill(until);
  await expectNoAxeViolations(agent);
  await agent.getByRole('button', { name: 'Snooze until then' }).click();
  await expect(agent.getByText(/Snoozed until/).first()).toBeVisible();
  await expect(agent.locator('.conv-head .status')).toHaveText('Pending');

  // The minute cron wakes it once the time has passed (triggered here as Cloudflare would).
  await agent.waitForTimeout(waitMs);
  const cron = await request.get('/cdn-cgi/handler/scheduled');
  expect(cron.status()).toBeLessThan(400);
  await expect(agent.locator('.conv-head .status')).toHaveText('Open', { timeout: 20_000 });
  await expect(agent.getByText(/Snoozed until/)).toHaveCount(0);
});

test('edit an AI draft before approving it: the edited text reaches the widget', async ({
  browser,
  request,
  baseURL,
}) => {
  const api = await ownerApi(request, baseURL!);
  const groups = await api.get('/api/knowledge/groups');
  const policies = groups.find((g: { name: string }) => g.name === 'Shop policies');
  const channel = await api.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: `AI drafts ${unique()}`,
    credentials: {},
    autoReply: true,
    autoApprove: false,
    knowledgeGroupIds: [policies.id],
  });
  const tag = unique();
  const visitor = await newPage(browser);
  const chat = await customerWrites(visitor, channel.id, `Can I return an unused item? ${tag}`);

  const agent = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  await logIn(agent, DEMO_OWNER);
  await openFromSearch(agent, tag);
  const thread = agent.getByRole('list', { name: 'Messages' });
  await expect(thread).toContainText('AI draft awaiting approval', { timeout: 40_000 });
  await agent.getByRole('button', { name: 'Edit', exact: true }).click();
  const edited = `Yes: within 30 days, and we pay the return label. ${tag}`;
  await agent.getByLabel('Edit before sending').fill(edited);
  await expectNoAxeViolations(agent);
  await agent.getByRole('button', { name: 'Approve edited reply' }).click();
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText(edited, { timeout: 15_000 });
  await expect(thread).toContainText('Edited before sending');
  await agent.getByRole('button', { name: 'Show AI draft' }).click();
});

test('phone width: one pane at a time with a way back, and no page scrolls sideways', async ({
  browser,
  request,
  baseURL,
}) => {
  const tag = unique();
  const { channel } = await websiteChannel(request, baseURL!);
  const visitor = await newPage(browser);
  await customerWrites(visitor, channel.id, `${'x'.repeat(3000)} ${tag}`);

  const agent = await (await browser.newContext({ viewport: PHONE, hasTouch: true })).newPage();
  await logIn(agent, DEMO_OWNER);
  await agent.goto(`/conversations?search=${tag}`);
  await expect(agent.getByRole('list', { name: 'Conversations' }).getByRole('listitem')).toHaveCount(1);
  await noHorizontalScroll(agent);
  await expectNoAxeViolations(agent);

  await agent.getByRole('list', { name: 'Conversations' }).getByRole('link').first().click();
  await expect(agent.getByRole('list', { name: 'Messages' })).toContainText(tag);
  await expect(agent.getByRole('list', { name: 'Conversations' })).toBeHidden();
  await noHorizontalScroll(agent);
  await expectNoAxeViolations(agent);
  await agent.getByRole('link', { name: '← Conversations' }).click();
  await expect(agent.getByRole('list', { name: 'Conversations' })).toBeVisible();
  await expect(agent).toHaveURL(new RegExp(`/conversations\\?search=${tag}$`));

  for (const path of [
    '/settings/saved-replies',
    '/settings/channels',
    '/settings/team',
    '/settings/faqs',
    '/knowledge-base',
    '/settings/ai-providers',
    '/settings/agent-tools',
    '/settings/general',
  ]) {
    await agent.goto(path);
    await expect(agent.getByRole('heading', { level: 1 })).toBeVisible();
    await noHorizontalScroll(agent);
  }
  await agent.goto('/settings/saved-replies');
  await expect(agent.getByRole('heading', { level: 1, name: 'Saved replies' })).toBeVisible();
  await expectNoAxeViolations(agent);
});

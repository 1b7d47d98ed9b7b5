// What a new user meets: the demo organisation's sample conversations on first login, the AI answering on /demo,
// and a site outside a channel's allowed domains that never shows the launcher.
import { expect, test } from '@playwright/test';
import { DEMO_OWNER, expectNoAxeViolations, logIn, newPage, openWidget, ownerApi, sendFromWidget } from './support';

test('first login shows the sample conversations, and the AI answers a question on /demo', async ({ browser }) => {
  test.setTimeout(90_000);
  const agent = await newPage(browser);
  await logIn(agent, DEMO_OWNER);
  for (const name of ['Emma Schmidt', 'Noah Williams', 'Lena Fischer']) {
    await expect(agent.getByRole('link', { name: new RegExp(name) }).first()).toBeVisible({ timeout: 15_000 });
  }

  const visitor = await newPage(browser);
  await visitor.goto('/demo');
  const chat = await openWidget(visitor);
  await sendFromWidget(chat, 'How much does express delivery cost?');
  const log = chat.getByRole('log', { name: 'Conversation' });
  // The built-in AI answers from the demo's knowledge base ("Express delivery … costs 9.90 EUR").
  await expect(log).toContainText('9.90 EUR', { timeout: 30_000 });
  await expect(log).toContainText('AI assistant');
});

test('a site outside the allowed domains shows no launcher at all, and the channel page says which site to add', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const owner = await ownerApi(request, baseURL!);
  const channel = await owner.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: `Locked ${Date.now()}`,
    credentials: {},
    settings: { allowedDomains: ['shop.example'] },
  });
  const page = await newPage(browser);
  // A shop on another site embeds the snippet from a CDN name that the test forwards to the local stack, so the
  // Worker sees the shop's Origin as the browser sends it.
  const shop = 'http://blocked-shop.test/';
  const cdn = 'http://helpstack-cdn.test';
  await page.route(`${cdn}/**`, async (route) => {
    const url = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${baseURL}${url.pathname}${url.search}` }) });
  });
  await page.route(shop, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><title>Blocked shop</title></head><body><main><h1>Shop</h1></main>
<script src="${cdn}/widget.js?id=${channel.id}" async></script></body></html>`,
    }),
  );
  const config = page.waitForResponse((res) => res.url().includes(`/api/widget/${channel.id}/config`));
  await page.goto(shop);
  expect((await config).status()).toBe(403);
  await expect(page.locator('#chat-widget-container')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Open / })).toHaveCount(0);
  await expect(page.locator('iframe')).toHaveCount(0);

  // The channel page tells the owner which site was refused; adding it brings the launcher.
  const admin = await newPage(browser);
  await logIn(admin, DEMO_OWNER);
  await admin.goto(`/settings/channels/${channel.id}`);
  const refused = admin.getByRole('region', { name: 'Sites where the widget was refused' });
  await expect(refused.getByRole('row').filter({ hasText: 'http://blocked-shop.test' })).toContainText(
    'Add blocked-shop.test',
    { timeout: 15_000 },
  );
  await expectNoAxeViolations(admin);
  await admin.getByLabel('Allowed domains').fill('shop.example\nnot a domain');
  await admin.getByRole('button', { name: 'Save channel' }).click();
  await expect(admin.getByRole('list', { name: 'Domains to fix' })).toContainText('“not a domain”');
  await admin.getByLabel('Allowed domains').fill('shop.example\nblocked-shop.test');
  await admin.getByRole('button', { name: 'Save channel' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(refused.getByRole('row').filter({ hasText: 'http://blocked-shop.test' })).toContainText('Allowed');
  await page.reload();
  await expect(page.getByRole('button', { name: /^Open / })).toBeVisible();
});

test('outside business hours the widget says when the team is back, and a required pre-chat form asks first', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const owner = await ownerApi(request, baseURL!);
  // Open only tomorrow (UTC), so now is always outside the hours.
  const today = new Date().getUTCDay() || 7;
  const channel = await owner.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: `Pre-chat ${Date.now()}`,
    credentials: {},
    settings: {
      preChatForm: 'REQUIRED',
      businessHours: {
        timeZone: 'UTC',
        intervals: [{ day: (today % 7) + 1, start: '09:00', end: '17:00' }],
        replyTime: 'within a day',
      },
    },
  });
  const visitor = await newPage(browser);
  await visitor.goto(`/widget/${channel.id}?visitorId=visitor_${crypto.randomUUID()}`);
  await expect(visitor.getByText(/^We are away\. Back \w+day .*\. We reply within a day\.$/)).toBeVisible();
  const composer = visitor.getByLabel('Type your message');
  await expect(composer).toBeDisabled();
  await expect(visitor.getByRole('button', { name: 'Skip' })).toHaveCount(0);
  await expectNoAxeViolations(visitor);

  const stamp = Date.now();
  const email = `prechat-${stamp}@example.test`;
  await visitor.getByLabel('Name (optional)').fill('Petra Prechat');
  await visitor.getByLabel('Email', { exact: true }).fill('petra@');
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  await expect(visitor.getByRole('alert')).toHaveText('Enter a valid email address');
  await visitor.getByLabel('Email', { exact: true }).fill(email);
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  await expect(composer).toBeEnabled();
  await composer.fill(`Do you deliver on Sundays? ref${stamp}`);
  await visitor.getByRole('button', { name: 'Send message' }).click();

  await expect
    .poll(
      async () => ((await owner.get(`/api/conversations?search=ref${stamp}`)) as { items: any[] }).items[0]?.contact,
      { timeout: 15_000 },
    )
    .toMatchObject({ name: 'Petra Prechat', email });
});

test('when the AI hands off, the widget asks for an email and the agent sees it', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const visitor = await newPage(browser);
  await visitor.goto('/demo');
  const chat = await openWidget(visitor);
  const stamp = Date.now();
  await sendFromWidget(chat, `Can you engrave my initials on a compass? ref${stamp}`);
  const log = chat.getByRole('log', { name: 'Conversation' });
  await expect(log).toContainText('a teammate will follow up', { timeout: 30_000 });
  const email = `visitor-${stamp}@example.test`;
  await chat.getByRole('textbox', { name: /Leave your email/ }).fill(email);
  await chat.getByRole('button', { name: 'Save email' }).click();
  await expect(chat.getByRole('button', { name: 'Save email' })).toHaveCount(0);

  const owner = await ownerApi(request, baseURL!);
  await expect
    .poll(
      async () =>
        ((await owner.get(`/api/conversations?search=ref${stamp}`)) as { items: any[] }).items[0]?.contact?.email,
      {
        timeout: 15_000,
      },
    )
    .toBe(email);
  const waiting = (await owner.get('/api/conversations?needsHuman=true')) as {
    items: { id: string; contact: { email: string } }[];
  };
  const handedOff = waiting.items.find((c) => c.contact.email === email);
  expect(handedOff).toBeTruthy();
  // The team was told: the owner has a NEEDS_HUMAN notification for this conversation.
  await expect
    .poll(async () => {
      const centre = (await owner.get('/api/notifications?pageSize=50')) as {
        items: { event: string; conversationId: string; title: string }[];
      };
      return centre.items.filter((n) => n.event === 'NEEDS_HUMAN' && n.conversationId === handedOff!.id).length;
    })
    .toBe(1);
});

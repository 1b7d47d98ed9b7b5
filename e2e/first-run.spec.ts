// What a new user meets: the demo organisation's sample conversations on first login, the AI answering on /demo,
// and a site outside a channel's allowed domains that never shows the launcher.
import { expect, test } from '@playwright/test';
import { DEMO_OWNER, logIn, newPage, openWidget, ownerApi, sendFromWidget } from './support';

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

test('a site outside the allowed domains shows no launcher at all', async ({ browser, request, baseURL }) => {
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
    items: { contact: { email: string } }[];
  };
  expect(waiting.items.map((c) => c.contact.email)).toContain(email);
});

// The knowledge base, AI provider and agent tool screens, and file attachments in a reply, as a new
// organisation's admin uses them: each screen works end to end and has no axe-core violations.
import { expect, type Page, test } from '@playwright/test';
import { expectNoAxeViolations, newPage, openWidget, sendFromWidget } from './support';

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}`) });

async function signUp(page: Page) {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Kim Keeper');
  await page.getByLabel('Organization name').fill('Kim’s Kayaks');
  await page.getByLabel('Email').fill(`keeper-${unique()}@example.test`);
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/conversations/);
}

test('an admin builds a knowledge base, finds a passage through test retrieval, and adds an AI provider and a tool', async ({
  browser,
}) => {
  const admin = await newPage(browser);
  await signUp(admin);

  await nav(admin, 'Knowledge base').click();
  await expect(admin.getByText('No groups yet')).toBeVisible();
  await admin.getByRole('button', { name: 'New group' }).click();
  await admin.getByLabel('Group name').fill('Rentals');
  await admin.getByRole('button', { name: 'Create group' }).click();
  await expect(admin.getByRole('heading', { name: 'Articles in Rentals' })).toBeVisible();

  await admin.getByRole('button', { name: 'Add article' }).click();
  const form = admin.getByRole('form', { name: 'Add article' });
  await form.getByLabel('Title').fill('Kayak rental hours');
  await form
    .getByLabel('Content')
    .fill('Kayaks can be rented every day from 9 am to 6 pm. A life jacket is included with every rental.');
  await form.getByRole('button', { name: 'Add article' }).click();
  const article = admin.locator('.kb-article', { hasText: 'Kayak rental hours' });
  await expect(article).toContainText('Ready', { timeout: 20_000 });
  await expectNoAxeViolations(admin);

  await admin.getByLabel('Question').fill('Is a life jacket included?');
  await admin.getByRole('button', { name: 'Search' }).click();
  const passages = admin.getByRole('list', { name: 'Passages, best first' });
  await expect(passages).toContainText('Kayak rental hours');
  await expect(passages).toContainText('life jacket is included');

  await nav(admin, 'AI providers').click();
  await admin.getByRole('button', { name: 'Add provider' }).click();
  await admin.getByLabel('Type').selectOption('BUILTIN');
  await admin.getByLabel('Name').fill('Offline answers');
  await admin.getByRole('button', { name: 'Add provider' }).last().click();
  await expect(admin.locator('main')).toContainText('Offline answers');
  await expectNoAxeViolations(admin);

  await nav(admin, 'Agent tools').click();
  await admin.getByRole('button', { name: 'Add tool' }).click();
  await admin.getByLabel('Name').fill('check_availability');
  await admin.getByLabel('Description').fill('Checks whether kayaks are free on a date.');
  await admin.getByLabel('URL').fill('https://api.example.com/availability');
  await admin.getByRole('button', { name: 'Create tool' }).click();
  await admin.getByRole('link', { name: 'check_availability' }).click();
  await expect(admin.getByText('No calls yet')).toBeVisible();
  await expectNoAxeViolations(admin);
});

test('an agent attaches a file to a reply and the visitor can open it', async ({ browser }) => {
  const admin = await newPage(browser);
  await signUp(admin);
  const channel = await admin.evaluate(async () => {
    const res = await fetch('/api/channels', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'WEBSITE_CHAT', name: 'Shop', credentials: {}, autoTranslate: false }),
    });
    return (await res.json()).data as { id: string };
  });

  const visitor = await newPage(browser);
  await visitor.goto(`/demo?id=${channel.id}`);
  const chat = await openWidget(visitor);
  const question = `Can you send me the price list? ${unique()}`;
  await sendFromWidget(chat, question);

  await nav(admin, 'Inbox').click();
  await admin.getByRole('link', { name: new RegExp(question.split(' ').at(-1)!) }).click();
  await admin
    .getByRole('region', { name: 'Compose' })
    .getByLabel('Attach file')
    .setInputFiles({
      name: 'price-list.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Single kayak: 25 EUR a day\n'),
    });
  await expect(admin.getByRole('list', { name: 'Files to send' })).toContainText('price-list.txt');
  await admin.getByLabel('Reply to the customer').fill('Here is our price list.');
  await admin.getByRole('button', { name: /^Send reply/ }).click();

  const thread = admin.getByRole('list', { name: 'Messages' });
  await expect(thread.getByRole('link', { name: /price-list\.txt/ })).toBeVisible();
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText('Here is our price list.');
  await expect(chat.getByRole('link', { name: /price-list\.txt/ })).toBeVisible();
  await expectNoAxeViolations(admin);
});

// A visitor chats on the demo shop while an agent answers from the dashboard, live on both sides.
import { expect, test } from '@playwright/test';
import { DEMO_OWNER, logIn, newPage, openWidget, sendFromWidget, XSS } from './support';

test('a visitor and an agent chat live, and markup is shown as text on both sides', async ({ browser }) => {
  const agent = await newPage(browser);
  await logIn(agent, DEMO_OWNER);

  const visitor = await newPage(browser);
  const dialogs: string[] = [];
  visitor.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  agent.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await visitor.goto('/demo');
  const chat = await openWidget(visitor);

  // An FAQ chip shows its answer.
  await chat.getByRole('button', { name: 'How long does shipping take?' }).click();
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText('Orders placed before 2 pm');

  const question = `Where is my order #${Date.now()}? ${XSS}`;
  await sendFromWidget(chat, question);
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText(question);

  // The agent sees it arrive without reloading, as text.
  const row = agent.getByRole('link', { name: new RegExp(`Where is my order #${question.match(/#(\d+)/)![1]}`) });
  await expect(row).toBeVisible({ timeout: 15_000 });
  await row.click();
  await expect(agent.getByRole('list', { name: 'Messages' })).toContainText(question);
  await expect(agent.locator('img[src="x"]')).toHaveCount(0);

  await agent.getByLabel('Reply to the customer').fill('It left our warehouse this morning.');
  await agent.getByRole('button', { name: /^Send reply/ }).click();

  // The visitor sees the reply without reloading.
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText('It left our warehouse this morning.', {
    timeout: 15_000,
  });
  expect(await chat.locator('img[src="x"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

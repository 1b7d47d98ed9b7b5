// AI replies with the built-in offline provider, grounded in the demo knowledge base: sent on their own on
// an auto-approve channel, waiting for an agent's approval on a prepare channel.
import { expect, test } from '@playwright/test';
import { DEMO_OWNER, logIn, newPage, openWidget, ownerApi, sendFromWidget } from './support';

const ARTICLE = 'Shipping, returns and warranty';

async function aiChannel(request: Parameters<typeof ownerApi>[0], baseURL: string, mode: 'prepare' | 'auto-approve') {
  const api = await ownerApi(request, baseURL);
  const groups = await api.get('/api/knowledge/groups');
  const policies = groups.find((g: { name: string }) => g.name === 'Shop policies');
  return api.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: `AI ${mode} ${Date.now()}`,
    credentials: {},
    autoReply: true,
    autoApprove: mode === 'auto-approve',
    knowledgeGroupIds: [policies.id],
    systemPrompt: 'You are the friendly assistant of the Demo Shop.',
  });
}

test('on an auto-approve channel the visitor gets an answer citing the knowledge base', async ({
  browser,
  request,
  baseURL,
}) => {
  const channel = await aiChannel(request, baseURL!, 'auto-approve');
  const visitor = await newPage(browser);
  await visitor.goto(`/demo?id=${channel.id}`);
  const chat = await openWidget(visitor);
  await sendFromWidget(chat, 'How long does express delivery take?');
  const thread = chat.getByRole('log', { name: 'Conversation' });
  await expect(thread).toContainText(`According to ${ARTICLE}`, { timeout: 20_000 });
  await expect(thread).toContainText('next working day');
});

test('on a prepare channel the agent sees the AI draft with its source and approves it', async ({
  browser,
  request,
  baseURL,
}) => {
  const channel = await aiChannel(request, baseURL!, 'prepare');
  const visitor = await newPage(browser);
  await visitor.goto(`/demo?id=${channel.id}`);
  const chat = await openWidget(visitor);
  const question = `Can I return an unused item? ${Date.now()}`;
  await sendFromWidget(chat, question);

  const agent = await newPage(browser);
  await logIn(agent, DEMO_OWNER);
  await agent.getByRole('link', { name: new RegExp(String(question.split(' ').at(-1))) }).click();
  const thread = agent.getByRole('list', { name: 'Messages' });
  await expect(thread).toContainText('AI draft awaiting approval', { timeout: 20_000 });
  await expect(thread).toContainText(ARTICLE);
  // Nothing reaches the visitor before approval.
  await expect(chat.getByRole('log', { name: 'Conversation' })).not.toContainText(`According to ${ARTICLE}`);

  await agent.getByRole('button', { name: 'Approve and send' }).click();
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText(`According to ${ARTICLE}`, {
    timeout: 15_000,
  });
  await expect(chat.getByRole('log', { name: 'Conversation' })).toContainText('30 days');
});

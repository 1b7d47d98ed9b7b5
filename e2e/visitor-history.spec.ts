// The visitor's side of a conversation that an agent resolves: the history never scrambles or vanishes, the
// resolved conversation ends with a divider and a rating, and the rating reaches the agent.
import { type APIRequestContext, expect, test } from '@playwright/test';
import { DEMO_OWNER, expectNoAxeViolations, logIn, newPage, openWidget, ownerApi, sendFromWidget } from './support';

interface Row {
  id: string;
  lastMessagePreview: string | null;
}

/** The conversation holding a message with this unique word (the demo's AI may have answered after it). */
async function conversationOf(request: APIRequestContext, baseURL: string, word: string): Promise<string> {
  const owner = await ownerApi(request, baseURL);
  let found: Row | undefined;
  await expect
    .poll(
      async () => {
        const page = (await owner.get(`/api/conversations?search=${word}`)) as { items: Row[] };
        found = page.items[0];
        return found?.id ?? null;
      },
      { timeout: 15_000 },
    )
    .not.toBeNull();
  return found!.id;
}

test('close, write again, reload: both conversations in order with the divider, and the rating reaches the agent', async ({
  browser,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const base = baseURL!;
  const visitor = await newPage(browser);
  await visitor.goto('/demo');
  let chat = await openWidget(visitor);
  const log = () => chat.getByRole('log', { name: 'Conversation' });

  const stamp = Date.now();
  const first = `Where is parcel #${stamp}? Reference ref${stamp}`;
  await sendFromWidget(chat, first);
  await expect(log()).toContainText(first);

  // The agent answers and resolves the conversation.
  const conversationId = await conversationOf(request, base, `ref${stamp}`);
  const owner = await ownerApi(request, base);
  const answer = `Parcel ${stamp} left this morning.`;
  await owner.post(`/api/conversations/${conversationId}/messages`, { conversationId, content: answer });
  await expect(log()).toContainText(answer, { timeout: 15_000 });
  const closed = await request.patch(`/api/conversations/${conversationId}`, {
    data: { status: 'CLOSED' },
    headers: { origin: base },
  });
  expect(closed.status()).toBe(200);
  await expect(log()).toContainText('Conversation resolved', { timeout: 25_000 });

  // The visitor writes again: the new message goes below the divider, not into the old thread.
  const second = `And a gift wrap for #${Date.now()}?`;
  await sendFromWidget(chat, second);
  await expect(log()).toContainText(second);
  const positions = async () => {
    const text = (await log().textContent()) ?? '';
    return [first, answer, 'Conversation resolved', second].map((part) => text.indexOf(part));
  };
  // Every part present (no -1), in this order.
  const inOrder = async () => {
    const at = await positions();
    return at.every((i) => i >= 0) && at.every((i, n) => n === 0 || i > at[n - 1]!);
  };
  await expect.poll(inOrder, { timeout: 15_000 }).toBe(true);

  // After a reload, the same history in the same order.
  await visitor.reload();
  chat = await openWidget(visitor);
  await expect.poll(inOrder, { timeout: 15_000 }).toBe(true);

  // One click rates the resolved conversation; the agent sees it.
  await chat.getByRole('button', { name: '👍 Good' }).click();
  await expect(chat.getByText('You rated this conversation good.')).toBeVisible();
  const agent = await newPage(browser);
  await logIn(agent, DEMO_OWNER);
  await agent.goto(`/conversations/${conversationId}`);
  const details = agent.getByRole('complementary', { name: 'Conversation details' });
  await expect(details).toContainText('Visitor rating');
  await expect(details).toContainText('Good');

  // The chat window with the divider and rating passes axe.
  const src = await visitor.locator('iframe[src*="/widget/"]').getAttribute('src');
  const direct = await newPage(browser);
  await direct.goto(new URL(src!, base).pathname + new URL(src!, base).search);
  await expect(direct.getByText('Conversation resolved')).toBeVisible({ timeout: 15_000 });
  await expectNoAxeViolations(direct);
});

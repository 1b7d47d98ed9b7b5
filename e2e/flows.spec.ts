// DM flows and human handoff end to end: the owner connects TikTok (the fake approves), builds a flow with a
// message, quick replies and a question in the editor, attaches it to a keyword trigger, a signed comment starts
// it (the quick replies go out as the comment's DM), the buyer answers the quick replies with free text twice
// (signed DM webhooks), the conversation lands in Unassigned humans, an agent takes it, hands it back to the bot,
// and the bot asks the quick-reply question again. Run with the fake:
//   E2E_FAKE_TIKTOK_PORT=12140 node e2e/run.mjs e2e/flows.spec.ts
import { randomUUID } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { postComment, tiktokWebhook, useFakeTikTok } from './fakes';
import { createFlowTrigger, DEMO_OWNER, expectNoAxeViolations, logIn } from './support';

const FAKE_PORT = process.env.E2E_FAKE_TIKTOK_PORT;
test.skip(!FAKE_PORT, 'start the stack with E2E_FAKE_TIKTOK_PORT set (see the top of this file)');

const tiktok = useFakeTikTok(FAKE_PORT ?? '');

const QUESTION = 'Which tone suits you best?';

/** The DMs the fake TikTok received that carry the quick-reply question. */
const questionsSent = () => tiktok().dms.filter((d) => d.text.includes(QUESTION));

async function fillBlock(page: Page, n: number, type: string) {
  await page.getByLabel('New block').selectOption({ label: type });
  await page.getByRole('button', { name: 'Add block' }).click();
  return page.getByRole('group', { name: new RegExp(`^Block ${n}: ${type}`) });
}

test('a flow built in the editor runs from a comment, hands off after two free-text answers, and resumes when handed back', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  const run = randomUUID().slice(0, 8);
  const openId = `e2e-biz-${randomUUID()}`;
  const videoId = `e2e-video-${Date.now()}`;
  tiktok().account({
    openId,
    displayName: '@glowshop',
    scopes: ['comment.list.manage', 'message.list.send', 'video.list'],
    videos: [
      { item_id: videoId, create_time: Math.floor(Date.now() / 1000) - 3600, caption: 'Tint drop', is_live: false },
    ],
  });
  tiktok().defaultAccount = openId;

  await test.step('connect TikTok', async () => {
    await logIn(page, DEMO_OWNER);
    await page.goto('/settings/integrations');
    const card = page.getByRole('article', { name: 'TikTok', exact: true });
    await card.getByRole('button', { name: /Connect TikTok|Reconnect/ }).click();
    await expect(page.getByRole('status').filter({ hasText: 'TikTok is connected.' })).toBeVisible();
  });

  const flowName = `Shade finder ${run}`;
  await test.step('build the flow in the editor', async () => {
    await page.getByRole('link', { name: 'Automations' }).click();
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.getByLabel('Flow name').fill(flowName);
    await page
      .getByRole('group', { name: /^Block 1: Message/ })
      .getByLabel('Message')
      .fill('Hi! 💄 Let’s find your shade.');

    const replies = await fillBlock(page, 2, 'Quick replies');
    await replies.getByLabel('Message').fill(QUESTION);
    await replies.getByLabel('Keep the choice in field').fill('tone');
    await replies.getByLabel('Button 1', { exact: true }).fill('Fair');
    await replies.getByLabel('Button 2', { exact: true }).fill('Medium');
    await replies.getByRole('button', { name: 'Add quick reply' }).click();
    await replies.getByLabel('Button 3', { exact: true }).fill('Talk to admin');

    const question = await fillBlock(page, 3, 'Question');
    await question.getByLabel('Question').fill('Which size, 30 ml or 50 ml?');
    await question.getByLabel('Keep the answer in field').fill('size');

    await fillBlock(page, 4, 'Handoff');
    await replies.getByLabel('Button 3 goes to').selectOption('handoff-1');

    // Added last, then moved up to second place with the keyboard-reachable buttons.
    const tag = await fillBlock(page, 5, 'Tag');
    await tag.getByLabel('Tag to add to the contact').fill(`shade-${run}`);
    for (const n of [5, 4, 3]) await page.getByRole('button', { name: `Move block ${n} up` }).click();
    await expect(page.getByRole('group', { name: /^Block 2: Tag/ })).toBeVisible();
    await expect(page.getByRole('group', { name: /^Block 3: Quick replies/ })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Save flow' }).click();
    await expect(page.getByRole('heading', { name: flowName })).toBeVisible();
    await expect(page.getByText(/^Version 1 · used by 0 triggers/)).toBeVisible();
  });

  await test.step('attach it to a keyword trigger', async () => {
    await createFlowTrigger(page, { name: `Shade ${run}`, keyword: `SHADE${run}`, flowName });
  });

  const commentId = `e2e-comment-${randomUUID()}`;
  const buyer = `e2e-buyer-${randomUUID()}`;
  const buyerName = `Nok ${run}`;
  const tiktokConversation = `e2e-dm-${randomUUID()}`;
  await test.step('a comment starts the flow: the quick replies go out as the comment’s DM', async () => {
    await postComment(request, tiktok(), {
      openId,
      videoId,
      commentId,
      text: `shade${run} please?`,
      commenter: { openId: buyer, name: buyerName },
    });
    await expect.poll(() => questionsSent().length, { timeout: 30_000 }).toBe(1);
    expect(questionsSent()[0]).toMatchObject({ recipientType: 'COMMENT', recipient: commentId });
    expect(questionsSent()[0]!.text).toContain('1. Fair');
  });

  const answer = async (text: string) => {
    const now = Math.floor(Date.now() / 1000);
    await tiktokWebhook(request, {
      client_key: 'local-tiktok-client-key',
      event: 'direct_message.receive',
      create_time: now,
      user_openid: openId,
      content: JSON.stringify({
        message_id: `e2e-msg-${randomUUID()}`,
        conversation_id: tiktokConversation,
        text,
        create_time: now,
        user: { open_id: buyer, display_name: buyerName },
      }),
    });
  };

  await test.step('free text once: the bot asks again', async () => {
    await answer('hmm not sure, I am kind of olive?');
    await expect.poll(() => questionsSent().length, { timeout: 30_000 }).toBe(2);
    expect(questionsSent()[1]).toMatchObject({ recipientType: 'CONVERSATION', recipient: tiktokConversation });
  });

  await test.step('free text twice: handed off to Unassigned humans, the bot does not ask a third time', async () => {
    await answer('can someone just tell me?');
    await page.goto('/conversations');
    const views = page.getByRole('navigation', { name: 'Views' });
    await views.getByRole('button', { name: 'Unassigned humans' }).click();
    await expect(page).toHaveURL(/unassignedHumans=true/);
    const card = page.getByRole('listitem').filter({ hasText: buyerName });
    await expect(async () => {
      await page.reload();
      await expect(card).toBeVisible({ timeout: 10_000 });
    }).toPass({ timeout: 60_000 });
    await expect(card.locator('.state-chip')).toHaveText('Automation: Human');
    await expect(card).toContainText(`Triggered by Shade ${run}`);
    await expect(card.locator('.tag-chip')).toHaveText(`#shade-${run}`);
    expect(questionsSent()).toHaveLength(2);
    await expectNoAxeViolations(page);
    // The contact's tag is a view of its own.
    await views.getByRole('button', { name: new RegExp(`^#shade-${run}`) }).click();
    await expect(page).toHaveURL(new RegExp(`contactTag=shade-${run}`));
    await expect(page.getByRole('list', { name: 'Conversations' }).getByRole('listitem')).toHaveCount(1);
    await card.getByRole('link').click();
  });

  const panel = page.getByRole('region', { name: 'Automation' });
  await test.step('take it', async () => {
    // The machine running the journeys may be busy: the conversation and its panel load at their own pace.
    await expect(panel).toContainText('Handed off because', { timeout: 30_000 });
    await expect(panel).toContainText(flowName);
    await page.getByRole('button', { name: 'Take it' }).click();
    await expect(page.getByRole('button', { name: 'Take it' })).toBeHidden({ timeout: 15_000 });
    const details = page.getByRole('complementary', { name: 'Conversation details' });
    await expect(details.getByLabel('Assignee')).not.toHaveValue('');
    await expect(panel.locator('.state-chip')).toHaveText('Automation: Human');
  });

  await test.step('hand back: the flow resumes at the quick replies and asks again', async () => {
    await page.getByRole('button', { name: 'Hand back to bot' }).click();
    await expect(panel.locator('.state-chip')).toHaveText(/Automation: (Bot|Waiting)/, { timeout: 15_000 });
    await expect.poll(() => questionsSent().length, { timeout: 30_000 }).toBe(3);
    expect(questionsSent()[2]).toMatchObject({ recipientType: 'CONVERSATION', recipient: tiktokConversation });
    await expect(page.getByRole('list', { name: 'Messages' }).getByText(QUESTION)).toHaveCount(3, { timeout: 15_000 });
    await expectNoAxeViolations(page);
  });

  await test.step('a flow a trigger uses is not deleted, and the list says which trigger', async () => {
    await page.goto('/automations/flows');
    await page.getByRole('button', { name: `Delete ${flowName}` }).click();
    await page
      .getByRole('alertdialog')
      .getByRole('button', { name: `Delete ${flowName}` })
      .click();
    await expect(page.getByRole('alert')).toContainText(
      `This flow cannot be deleted. The flow is used by the trigger "Shade ${run}"`,
    );
    await expect(page.getByRole('link', { name: flowName })).toBeVisible();
    await expectNoAxeViolations(page);
  });

  await test.step('Settings → Handoff rules: a workspace term that tags and hands off', async () => {
    await page.getByRole('link', { name: 'Handoff rules' }).click();
    await expect(page.getByRole('list', { name: 'Built-in words: English' })).toContainText('refund');
    await page.getByRole('button', { name: 'Add a word' }).click();
    const word = page.getByRole('textbox', { name: /^Word \d+$/ }).last();
    await word.fill(`late parcel ${run}`);
    const n = (await word.getAttribute('aria-label'))!.replace('Word ', '');
    await page.getByLabel(`Word ${n}: tag`).fill('shipping');
    await page.getByRole('button', { name: 'Save handoff rules' }).click();
    await expect(page.getByText('Handoff rules saved.')).toBeVisible();
    await page.reload();
    await expect(page.getByLabel(`Word ${n}`, { exact: true })).toHaveValue(`late parcel ${run}`);
    await expectNoAxeViolations(page);
  });
});

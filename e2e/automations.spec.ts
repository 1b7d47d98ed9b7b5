// Comment-to-DM end to end: the owner connects TikTok (the fake TikTok approves the OAuth request), creates a
// keyword trigger, a signed comment webhook arrives, the DM and the public reply reach the fake TikTok, and the
// trigger's evaluation log shows the comment. Run with the fake:
//   E2E_FAKE_TIKTOK_PORT=12140 node e2e/run.mjs e2e/automations.spec.ts
import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { postComment, useFakeTikTok } from './fakes';
import { DEMO_OWNER, expectNoAxeViolations, logIn } from './support';

const FAKE_PORT = process.env.E2E_FAKE_TIKTOK_PORT;
test.skip(!FAKE_PORT, 'start the stack with E2E_FAKE_TIKTOK_PORT set (see the top of this file)');

const tiktok = useFakeTikTok(FAKE_PORT ?? '');

test('an owner connects TikTok, creates a keyword trigger, and a comment gets one DM, the public reply and a log line', async ({
  page,
  request,
}) => {
  const openId = `e2e-biz-${randomUUID()}`;
  const videoId = `e2e-video-${Date.now()}`;
  tiktok().account({
    openId,
    displayName: '@glowshop',
    scopes: ['comment.list.manage', 'message.list.send', 'video.list'],
    videos: [
      { item_id: videoId, create_time: Math.floor(Date.now() / 1000) - 3600, caption: 'Shade drop', is_live: true },
    ],
  });
  tiktok().defaultAccount = openId;

  await logIn(page, DEMO_OWNER);
  await page.goto('/settings/integrations');
  const card = page.getByRole('article', { name: 'TikTok', exact: true });
  await card.getByRole('button', { name: /Connect TikTok|Reconnect/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'TikTok is connected.' })).toBeVisible();
  await expect(card).toContainText('Connected as @glowshop');
  await expect(card).toContainText('Waiting…');
  await expectNoAxeViolations(page);

  await page.getByRole('link', { name: 'Automations' }).click();
  await page.getByRole('link', { name: 'New trigger' }).click();
  await page.getByLabel('Name').fill('Price');
  await page.getByRole('radio', { name: 'Active' }).check();
  await page.getByLabel('Keywords (comma-separated)').fill('PRICE, ราคา');
  await page.getByLabel('Public reply under the comment (optional, one sentence)').fill('Sent you a DM 💌');
  await page.getByLabel('DM message').fill('Hi! The Velvet Tint is $12 — here is the link.');
  await page.getByRole('button', { name: 'Save trigger' }).click();
  await expect(page.getByRole('heading', { name: 'Price' })).toBeVisible();

  const commentId = `e2e-comment-${randomUUID()}`;
  const userId = `e2e-user-${randomUUID()}`;
  // The second delivery is a replay (the same bytes): it must not send a second DM.
  await postComment(
    request,
    tiktok(),
    { openId, videoId, commentId, text: 'ราคาเท่าไหร่คะ？', commenter: { openId: userId, name: 'Nok' } },
    2,
  );

  await expect.poll(() => tiktok().dms.filter((d) => d.recipient === commentId).length, { timeout: 30_000 }).toBe(1);
  await expect.poll(() => tiktok().replies.filter((r) => r.commentId === commentId).length).toBe(1);
  expect(tiktok().dms.find((d) => d.recipient === commentId)).toMatchObject({
    recipientType: 'COMMENT',
    text: 'Hi! The Velvet Tint is $12 — here is the link.',
  });
  expect(tiktok().replies.find((r) => r.commentId === commentId)?.text).toBe('Sent you a DM 💌');

  const log = page.getByRole('table', { name: 'Last 50 evaluations' });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(log).toContainText('ราคาเท่าไหร่คะ？', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(log).toContainText('Fired: DM sent');
  await expect(log).toContainText('public reply posted');
  await expectNoAxeViolations(page);
});

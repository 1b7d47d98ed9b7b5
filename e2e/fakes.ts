// Local fakes of outside services for the browser tests: a fake's fetch handler (test/fake-*.ts) served on the
// port the stack was pointed at (e2e/run.mjs), and the secrets `npm run dev` wrote to .dev.vars.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { FakeTikTok } from '../test/fake-tiktok';

/** A variable of the local stack's .dev.vars. */
export function devVar(name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync('.dev.vars', 'utf8'));
  if (!match) throw new Error(`${name} is not in .dev.vars (npm run dev generates it)`);
  return match[1]!.trim();
}

/** Serves `handle` on 127.0.0.1:`port` for the spec's tests (started before them, closed after). */
export function serveFake(port: string, handle: (request: Request) => Promise<Response> | Response): void {
  let server: Server | undefined;
  test.beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
      });
      const response = await handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server!.listen(Number(port), '127.0.0.1', resolve));
  });
  test.afterAll(() => server?.close());
}

/** The fake TikTok and TikTok Shop, with the keys the local stack uses, served for the spec's tests. */
export function useFakeTikTok(port: string): () => FakeTikTok {
  let fake: FakeTikTok | undefined;
  const current = () => {
    fake ??= new FakeTikTok(
      'local-tiktok-client-key',
      devVar('TIKTOK_CLIENT_SECRET'),
      'local-tiktok-shop-key',
      devVar('TIKTOK_SHOP_APP_SECRET'),
    );
    return fake;
  };
  serveFake(port, (request) => current().handle(request));
  return current;
}

/** TikTok's comment.create event: `commenter` wrote `text` under the video `videoId` of the account `openId`. */
export function commentEvent(comment: {
  openId: string;
  videoId: string;
  commentId: string;
  text: string;
  commenter: { openId: string; name: string };
}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    client_key: 'local-tiktok-client-key',
    event: 'comment.create',
    create_time: now,
    user_openid: comment.openId,
    content: JSON.stringify({
      comment_id: comment.commentId,
      video_id: comment.videoId,
      text: comment.text,
      create_time: now,
      user: { open_id: comment.commenter.openId, display_name: comment.commenter.name },
    }),
  };
}

/**
 * Posts `raw` to `path` signed as TikTok signs its webhooks (t=<seconds>,s=HMAC-SHA256 of "<t>.<body>" keyed with
 * the .dev.vars secret `secretName`: the client secret, or the Shop app secret for TikTok Shop); expects 200.
 */
export async function postSignedTikTok(request: APIRequestContext, path: string, secretName: string, raw: string) {
  const now = Math.floor(Date.now() / 1000);
  const signature = `t=${now},s=${createHmac('sha256', devVar(secretName)).update(`${now}.${raw}`).digest('hex')}`;
  const res = await request.post(path, {
    data: raw,
    headers: { 'content-type': 'application/json', 'tiktok-signature': signature },
  });
  expect(res.status()).toBe(200);
  return res;
}

/**
 * A comment on the fake TikTok: it knows who wrote it (a DM to the comment reaches `commenter`), and its
 * comment.create webhook is posted, signed, `times` times (the same bytes each time: a replay).
 */
export async function postComment(
  request: APIRequestContext,
  fake: FakeTikTok,
  comment: Parameters<typeof commentEvent>[0],
  times = 1,
) {
  fake.comments.set(comment.commentId, comment.commenter.openId);
  await tiktokWebhook(request, commentEvent(comment), times);
}

/** Posts a TikTok webhook, signed, `times` times (the same bytes each time: a replay). */
export async function tiktokWebhook(request: APIRequestContext, body: object | string, times = 1) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  for (let i = 0; i < times; i++) await postSignedTikTok(request, '/api/webhooks/tiktok', 'TIKTOK_CLIENT_SECRET', raw);
}

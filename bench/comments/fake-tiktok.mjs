// The bench's fake TikTok over HTTP (plain JS: the bench runs under node without a TypeScript step): the
// authorisation page, OAuth token exchange, the video list, comment replies and DMs, in TikTok's wire format.
// Records each DM and public reply, and refuses a second private reply to the same comment as TikTok does.
import { createServer } from 'node:http';

export function startFakeTikTok({ port, clientKey, clientSecret, account }) {
  const state = { dms: new Map(), replies: new Map(), duplicateDmAttempts: 0, tokens: new Set() };
  let counter = 0;
  const json = (res, body, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const ok = (res, data) => json(res, { code: 0, message: 'OK', request_id: `r${++counter}`, data });
  const fail = (res, code, message, status = 200) =>
    json(res, { code, message, request_id: `r${++counter}`, data: {} }, status);
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') : {};
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const path = url.pathname;
    if (path.endsWith('/v2/auth/authorize/')) {
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', `code-${++counter}`);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (path.endsWith('/tt_user/oauth2/token/') || path.endsWith('/tt_user/oauth2/refresh_token/')) {
      if (body.client_id !== clientKey || body.client_secret !== clientSecret)
        return fail(res, 40001, 'Invalid client');
      const token = `at-${++counter}`;
      state.tokens.add(token);
      return ok(res, {
        open_id: account.openId,
        display_name: account.displayName,
        scope: 'comment.list.manage,message.list.send,video.list',
        access_token: token,
        expires_in: 86_400,
        refresh_token: `rt-${counter}`,
        refresh_token_expires_in: 31_536_000,
      });
    }
    if (!state.tokens.has(req.headers['access-token'])) return fail(res, 40105, 'Access token is invalid', 401);
    if (path.endsWith('/business/video/list/')) return ok(res, { videos: account.videos, cursor: 0, has_more: false });
    if (path.endsWith('/business/comment/reply/create/')) {
      state.replies.set(body.comment_id, (state.replies.get(body.comment_id) ?? 0) + 1);
      return ok(res, { comment_id: `reply-${++counter}` });
    }
    if (path.endsWith('/business/message/send/')) {
      if (body.recipient_type === 'COMMENT' && state.dms.has(body.recipient)) {
        state.duplicateDmAttempts++;
        return fail(res, 40011, 'A private reply was already sent for this comment');
      }
      state.dms.set(body.recipient, body.text?.body);
      return ok(res, { message_id: `msg-${++counter}` });
    }
    return fail(res, 40400, `No fake for ${path}`, 404);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, state })));
}

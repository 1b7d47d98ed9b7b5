// /api/live: the dashboard's live connection, a WebSocket to the organisation's hub (session cookie auth).
import { Hono } from 'hono';
import { HUB_SOCKET_HEADER, type HubSocketInfo, orgHubSocket } from '../conversations/hub';
import type { AppEnv } from '../http/context';
import { errorBody } from '../http/envelope';
import { withOrganization } from '../http/session';
import { ForbiddenError } from '../lib/errors';

export const liveRoutes = new Hono<AppEnv>().get('/', withOrganization, async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return c.json(errorBody('Expected a WebSocket upgrade', 'UPGRADE_REQUIRED'), 426);
  }
  // Browsers send cookies on cross-site WebSocket handshakes, so the Origin must be ours.
  const origin = c.req.header('origin');
  const allowed = [new URL(c.req.url).origin, ...(c.env.APP_ORIGIN ? [new URL(c.env.APP_ORIGIN).origin] : [])];
  if (origin && !allowed.includes(origin)) throw new ForbiddenError('Cross-site WebSocket refused');
  const info: HubSocketInfo = { organizationId: c.var.auth.organization.id, userId: c.var.auth.user.id };
  const headers = new Headers(c.req.raw.headers);
  headers.set(HUB_SOCKET_HEADER, JSON.stringify(info));
  return orgHubSocket(c.env, info.organizationId).fetch(new Request(c.req.url, { headers }));
});

// GET /api/channels/:id/identity-secret (admins): the secret a site's server uses to prove who its logged-in user
// is to the chat widget (ChatWidget.identify with userHash = hex(HMAC-SHA256(secret, userId))). See
// docs/widget-identity.md.
import { Hono } from 'hono';
import { loadChannel } from '../channels/channels';
import { channelIdentitySecret } from '../channels/website-chat/identity';
import { assertWebsiteChat } from '../channels/website-chat/widget';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { idParams } from '../http/validate';

export const widgetIdentityRoutes = new Hono<AppEnv>()
  .use('/:id/identity-secret', withOrganization)
  .get('/:id/identity-secret', idParams('id'), withAdmin, async (c) => {
    const channel = await loadChannel(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    assertWebsiteChat(channel);
    return ok(c, {
      channelId: channel.id,
      secret: await channelIdentitySecret(c.env.SESSION_SECRET, channel.id),
      algorithm: 'HMAC-SHA256, hex digest of the user id',
    });
  });

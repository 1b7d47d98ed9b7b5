// AI endpoints that live under other resources: generate a reply to a message, enhance a draft in a
// conversation, suggest FAQs. Mounted at /messages, /conversations and /faqs beside those routes.
import { Hono } from 'hono';
import { z } from 'zod';
import { suggestFaqs } from '../ai/faq-suggestions';
import { enhanceDraft, generateReplyToMessage } from '../ai/replies';
import { presentLogMessage } from '../conversations/inbox';
import { postOutbound } from '../conversations/pipeline';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';

const enhanceSchema = z.object({ content: z.string().trim().min(1, 'Content is required').max(10_000) });
const faqSchema = z.object({
  groupIds: z.array(id('groupId')).max(50).optional(),
  count: z.number().int().min(1, 'count is 1–10').max(10, 'count is 1–10').optional(),
});

export const aiMessageRoutes = new Hono<AppEnv>()
  .use('/:id/generate-reply', withOrganization)
  .post('/:id/generate-reply', idParams('id'), withAgent, async (c) => {
    const draft = await generateReplyToMessage(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'));
    const message = await postOutbound(c.env, { ...draft, approvalStatus: 'PENDING' });
    return ok(c, await presentLogMessage(c.var.db, message), 201);
  });

export const aiConversationRoutes = new Hono<AppEnv>()
  .use('/:id/enhance', withOrganization)
  .post('/:id/enhance', idParams('id'), withAgent, validate('json', enhanceSchema), async (c) =>
    ok(
      c,
      await enhanceDraft(c.env, c.var.db, {
        organizationId: c.var.auth.organization.id,
        conversationId: c.req.param('id'),
        content: c.req.valid('json').content,
      }),
    ),
  );

export const aiFaqRoutes = new Hono<AppEnv>()
  .use('/generate', withOrganization)
  .post('/generate', withAdmin, validate('json', faqSchema), async (c) =>
    ok(c, await suggestFaqs(c.env, c.var.db, { organizationId: c.var.auth.organization.id, ...c.req.valid('json') })),
  );

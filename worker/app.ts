// The Hono app: one middleware chain, the API routes, and the error handler that shapes every failure.
import { Hono } from 'hono';
import { createDb } from './db/client';
import type { AppEnv } from './http/context';
import { csrfGuard } from './http/csrf';
import { handleError, handleNotFound } from './http/error-handler';
import { securityHeaders } from './http/security-headers';
import { boundedRequest } from './http/validate';
import { agentToolRoutes, channelAgentToolRoutes } from './routes/agent-tools';
import { analyticsRoutes } from './routes/analytics';
import { aiProviderRoutes } from './routes/ai-providers';
import { aiConversationRoutes, aiFaqRoutes, aiMessageRoutes } from './routes/ai-replies';
import { authRoutes } from './routes/auth';
import { channelRoutes } from './routes/channels';
import { conversationRoutes } from './routes/conversations';
import { faqRoutes } from './routes/faqs';
import { knowledgeRoutes } from './routes/knowledge';
import { liveRoutes } from './routes/live';
import { mediaRoutes } from './routes/media';
import { messageRoutes } from './routes/messages';
import { teamRoutes } from './routes/team';
import { widgetRoutes } from './routes/widget';
import { widgetChatRoutes } from './routes/widget-chat';
import { widgetPages } from './routes/widget-pages';

const api = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    c.set('db', createDb(c.env.DB));
    await next();
  })
  .use('*', csrfGuard)
  .route('/auth', authRoutes)
  .route('/team', teamRoutes)
  .route('/channels', channelRoutes)
  .route('/faqs', faqRoutes)
  .route('/knowledge', knowledgeRoutes)
  .route('/media', mediaRoutes)
  .route('/widget', widgetRoutes)
  .route('/ai-providers', aiProviderRoutes)
  .route('/agent-tools', agentToolRoutes)
  .route('/channels', channelAgentToolRoutes)
  .route('/messages', aiMessageRoutes)
  .route('/conversations', aiConversationRoutes)
  .route('/faqs', aiFaqRoutes)
  .route('/conversations', conversationRoutes)
  .route('/messages', messageRoutes)
  .route('/live', liveRoutes)
  .route('/widget', widgetChatRoutes)
  .route('/analytics', analyticsRoutes);

export const app = new Hono<AppEnv>()
  .use('*', securityHeaders)
  .use('*', boundedRequest)
  .route('/api', api)
  .route('/', widgetPages)
  .notFound(handleNotFound)
  .onError(handleError);

export type AppType = typeof app;

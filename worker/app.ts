// The Hono app: one middleware chain, the API routes, and the error handler that shapes every failure.
import { Hono } from 'hono';
import { createDb } from './db/client';
import type { AppEnv } from './http/context';
import { csrfGuard } from './http/csrf';
import { handleError, handleNotFound } from './http/error-handler';
import { securityHeaders } from './http/security-headers';
import { boundedRequest } from './http/validate';
import { agentToolRoutes, channelAgentToolRoutes } from './routes/agent-tools';
import { aiProviderRoutes } from './routes/ai-providers';
import { aiConversationRoutes, aiFaqRoutes, aiMessageRoutes } from './routes/ai-replies';
import { analyticsRoutes } from './routes/analytics';
import { analyticsAutomationRoutes } from './routes/analytics-automations';
import { authRoutes } from './routes/auth';
import { automationRoutes } from './routes/automations';
import { billingRoutes } from './routes/billing';
import { channelRoutes } from './routes/channels';
import { conversationRatingRoutes } from './routes/conversation-ratings';
import { conversationRoutes } from './routes/conversations';
import { emailRoutes } from './routes/email';
import { faqRoutes } from './routes/faqs';
import { flowConversationRoutes, flowRoutes } from './routes/flows';
import { integrationRoutes } from './routes/integrations';
import { knowledgeRoutes } from './routes/knowledge';
import { labelRoutes } from './routes/labels';
import { liveRoutes } from './routes/live';
import { mediaRoutes } from './routes/media';
import { messageRoutes } from './routes/messages';
import { metaChannelRoutes, metaConversationRoutes } from './routes/meta-channels';
import { notificationRoutes } from './routes/notifications';
import { orderRoutes } from './routes/orders';
import { organizationRoutes } from './routes/organization';
import { savedReplyRoutes } from './routes/saved-replies';
import { teamRoutes } from './routes/team';
import { tiktokShopWebhookRoutes } from './routes/tiktok-shop-webhook';
import { viewRoutes, workspaceConversationRoutes } from './routes/views';
import { metaWebhookRoutes } from './routes/webhooks/meta';
import { stripeWebhookRoutes } from './routes/webhooks/stripe';
import { tiktokWebhookRoutes } from './routes/webhooks/tiktok';
import { widgetRoutes } from './routes/widget';
import { widgetChatRoutes } from './routes/widget-chat';
import { widgetIdentityRoutes } from './routes/widget-identity';
import { widgetPages } from './routes/widget-pages';

const api = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    c.set('db', createDb(c.env.DB));
    await next();
  })
  .use('*', csrfGuard)
  .route('/auth', authRoutes)
  .route('/team', teamRoutes)
  .route('/organization', organizationRoutes)
  .route('/channels', widgetIdentityRoutes)
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
  .route('/conversations', conversationRatingRoutes)
  .route('/conversations', conversationRoutes)
  .route('/conversations', flowConversationRoutes)
  .route('/messages', messageRoutes)
  .route('/live', liveRoutes)
  .route('/webhooks', metaWebhookRoutes)
  .route('/channels', metaChannelRoutes)
  .route('/conversations', metaConversationRoutes)
  .route('/notifications', notificationRoutes)
  .route('/widget', widgetChatRoutes)
  .route('/analytics', analyticsRoutes)
  .route('/analytics', analyticsAutomationRoutes)
  .route('/billing', billingRoutes)
  .route('/webhooks/stripe', stripeWebhookRoutes)
  .route('/webhooks/tiktok', tiktokWebhookRoutes)
  .route('/webhooks/tiktok-shop', tiktokShopWebhookRoutes)
  .route('/integrations', integrationRoutes)
  .route('/automations/orders', orderRoutes)
  .route('/automations', flowRoutes)
  .route('/automations', automationRoutes)
  .route('/labels', labelRoutes)
  .route('/saved-replies', savedReplyRoutes)
  .route('/views', viewRoutes)
  .route('/conversations', workspaceConversationRoutes)
  .route('/email', emailRoutes);

export const app = new Hono<AppEnv>()
  .use('*', securityHeaders)
  .use('*', boundedRequest)
  .route('/api', api)
  .route('/', widgetPages)
  .notFound(handleNotFound)
  .onError(handleError);

export type AppType = typeof app;

// The Worker's entry: HTTP through the Hono app, queued jobs, the minute cron, inbound email, and the Durable
// Object classes.
import { app } from './app';
import { handleIncomingEmail } from './channels/email/email-worker';
import { consumeJobs } from './jobs/consumer';
import { runScheduled } from './jobs/scheduled';
import type { Job } from './jobs/types';

export { ConversationActor } from './conversations/actor';
export { OrgHub } from './conversations/hub';

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeJobs(batch as MessageBatch<Job>, env),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(runScheduled(env)),
  // Email Workers: mail to an email channel's address on the deployment's own domain.
  email: (message, env) => handleIncomingEmail(message, env),
} satisfies ExportedHandler<Cloudflare.Env, Job>;

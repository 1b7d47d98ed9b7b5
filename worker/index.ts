// The Worker's entry: HTTP through the Hono app, queued jobs, and the Durable Object classes it hosts.
import { app } from './app';
import { consumeJobs } from './jobs/consumer';
import type { Job } from './jobs/types';

export { ConversationActor } from './conversations/actor';
export { OrgHub } from './conversations/hub';

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeJobs(batch as MessageBatch<Job>, env),
} satisfies ExportedHandler<Cloudflare.Env, Job>;

// Follow-up work that runs on the JOBS queue. Every job is idempotent: a retry (or a duplicate delivery)
// must not repeat its effect. Domain events travel as `event` jobs and are fanned out to subscribers.
import type { DomainEvent } from '../events/types';

export type Job =
  | { kind: 'event'; event: DomainEvent }
  | { kind: 'knowledge.ingest'; organizationId: string; articleId: string }
  | { kind: 'ai.reply'; organizationId: string; conversationId: string; messageId: string }
  | { kind: 'message.deliver'; organizationId: string; conversationId: string; messageId: string }
  | {
      kind: 'message.translate';
      organizationId: string;
      conversationId: string;
      messageId: string;
      /** 1 for the first try; the job re-enqueues itself with the next attempt after a provider failure. */
      attempt?: number;
    };

export type JobKind = Job['kind'];
export type JobOf<K extends JobKind> = Extract<Job, { kind: K }>;

export async function enqueue(queue: Queue, job: Job, options: { delaySeconds?: number } = {}): Promise<void> {
  await queue.send(job, { contentType: 'json', ...options });
}

// Follow-up work that runs on the JOBS queue after a message or article is accepted. Every job is
// idempotent: a retry (or a duplicate delivery) must not repeat its effect.
export type Job =
  | { kind: 'message.accepted'; organizationId: string; conversationId: string; messageId: string }
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

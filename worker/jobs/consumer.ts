// The queue consumer: runs each job through its handler, retries failures with backoff, and records
// jobs that exhausted their retries (delivered to the dead-letter queue) in failed_jobs.
import { createDb } from '../db/client';
import { failedJobs } from '../db/schema';
import type { AppBindings } from '../env';
import { onDomainEvents } from '../events/subscribers';
import { type JobHandler, jobHandlers } from './handlers';
import type { Job, JobKind, JobOf } from './types';

export const DEAD_LETTER_QUEUE = 'helpstack-jobs-dlq';

export async function runJob(env: AppBindings, job: Job): Promise<void> {
  const handler = jobHandlers[job.kind] as JobHandler<JobKind> | undefined;
  if (!handler) throw new Error(`No handler for job kind "${job.kind}"`);
  await handler(env, job as never);
}

export async function consumeJobs(batch: MessageBatch<Job>, env: AppBindings): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) {
    const db = createDb(env.DB);
    for (const message of batch.messages) {
      console.error(`Job ${message.body.kind} failed permanently after ${message.attempts} attempts`);
      await db
        .insert(failedJobs)
        .values({ kind: message.body.kind, payload: message.body, attempts: message.attempts });
      message.ack();
    }
    return;
  }
  const retry = (message: Message<Job>, error: unknown) => {
    console.error(`Job ${message.body.kind} failed (attempt ${message.attempts}):`, error);
    message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
  };
  // The batch's domain events go to their subscribers together (events/subscribers.ts), in the batch's order.
  const events = batch.messages.filter((message) => message.body.kind === 'event');
  if (events.length) {
    const problems = await onDomainEvents(
      env,
      events.map((message) => (message.body as JobOf<'event'>).event),
    );
    for (const [i, message] of events.entries()) {
      if (problems[i]) retry(message, problems[i]);
      else message.ack();
    }
  }
  for (const message of batch.messages) {
    if (message.body.kind === 'event') continue;
    try {
      await runJob(env, message.body);
      message.ack();
    } catch (error) {
      retry(message, error);
    }
  }
}

// Follow-up work that runs on the JOBS queue. Every job is idempotent: a retry (or a duplicate delivery)
// must not repeat its effect. Domain events travel as `event` jobs and are fanned out to subscribers.
import type { InboundEvent, InboundMessage } from '../channels/adapter';
import type { DomainEvent } from '../events/types';

export type Job =
  | MetaReceiptJob
  | MetaInboundJob
  | { kind: 'event'; event: DomainEvent }
  | { kind: 'knowledge.ingest'; organizationId: string; articleId: string }
  | { kind: 'ai.reply'; organizationId: string; conversationId: string; messageId: string }
  /** Automations: evaluate one stored comment against the triggers and act (automations/engine.ts). */
  | { kind: 'automation.comment'; organizationId: string; commentId: string }
  /** Automations: a flow run's Wait is over (automations/flows/runs.ts; the cron catches a lost or capped delay). */
  | { kind: 'automation.flow'; organizationId: string; runId: string }
  | { kind: 'message.deliver'; organizationId: string; conversationId: string; messageId: string }
  | {
      kind: 'message.translate';
      organizationId: string;
      conversationId: string;
      messageId: string;
      /** 1 for the first try; the job re-enqueues itself with the next attempt after a provider failure. */
      attempt?: number;
    }
  /** Notifications: one notification to each of its member's push devices (notifications/push.ts). */
  | { kind: 'notification.push'; organizationId: string; notificationId: string }
  /** Notifications: one domain event posted to one Slack / webhook integration (notifications/integrations.ts). */
  | {
      kind: 'notification.integration';
      organizationId: string;
      integrationId: string;
      eventId: string;
      message: {
        event: 'NEW_CONVERSATION' | 'NEW_MESSAGE' | 'ASSIGNED' | 'STATUS_CHANGED' | 'NEEDS_HUMAN';
        conversationId: string;
        title: string;
        body: string | null;
        occurredAt: string;
      };
    };

/** A Meta webhook event as a `meta.inbound` job carries it: JSON, so a message's time is ms since epoch. */
export type QueuedMetaEvent =
  | Exclude<InboundEvent, { kind: 'message' }>
  | { kind: 'message'; message: Omit<InboundMessage, 'receivedAt'> & { receivedAt?: number } };

/** Verified Meta webhook events of one channel (a meta_inbound_batches row), handed to the pipeline. */
export type MetaInboundJob = { kind: 'meta.inbound'; organizationId: string; batchId: string };

export type MetaReceiptJob = {
  kind: 'meta.receipt';
  organizationId: string;
  externalMessageId: string;
  status: 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';
  detail?: string | null;
  /** 1 for the first retry; re-enqueued with a growing delay while the sent message is not recorded yet. */
  attempt: number;
};

export type JobKind = Job['kind'];
export type JobOf<K extends JobKind> = Extract<Job, { kind: K }>;

export async function enqueue(queue: Queue, job: Job, options: { delaySeconds?: number } = {}): Promise<void> {
  await queue.send(job, { contentType: 'json', ...options });
}

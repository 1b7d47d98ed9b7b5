// Which module runs each job kind. Each area registers its handler here (one line per kind).
import { onAutomationComment } from '../automations/engine';
import { onFlowJob } from '../automations/flows/runs';
import { onMetaInbound, onMetaReceipt } from '../channels/meta/inbound';
import { onMessageDeliver } from '../conversations/follow-ups';
import type { AppBindings } from '../env';
import { runAutoReply } from '../events/ai-replies';
import { onDomainEvent } from '../events/subscribers';
import { knowledgeIngestJob } from '../knowledge/ingest';
import { onNotificationIntegration } from '../notifications/integrations';
import { onNotificationPush } from '../notifications/push';
import { onMessageTranslate } from '../translation/messages';
import type { JobKind, JobOf } from './types';

export type JobHandler<K extends JobKind> = (env: AppBindings, job: JobOf<K>) => Promise<void>;

export const jobHandlers: { [K in JobKind]?: JobHandler<K> } = {
  'ai.reply': runAutoReply,
  'automation.comment': onAutomationComment,
  'automation.flow': onFlowJob,
  'knowledge.ingest': knowledgeIngestJob,
  event: onDomainEvent,
  'message.deliver': onMessageDeliver,
  'message.translate': onMessageTranslate,
  'meta.inbound': onMetaInbound,
  'meta.receipt': onMetaReceipt,
  'notification.push': onNotificationPush,
  'notification.integration': onNotificationIntegration,
};

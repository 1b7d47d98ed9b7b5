// Which module runs each job kind. Each area registers its handler here (one line per kind).
import { runAutoReply } from '../ai/auto-reply';
import { onMessageAccepted, onMessageDeliver } from '../conversations/pipeline';
import type { AppBindings } from '../env';
import { knowledgeIngestJob } from '../knowledge/ingest';
import { onMessageTranslate } from '../translation/messages';
import type { JobKind, JobOf } from './types';

export type JobHandler<K extends JobKind> = (env: AppBindings, job: JobOf<K>) => Promise<void>;

export const jobHandlers: { [K in JobKind]?: JobHandler<K> } = {
  'ai.reply': runAutoReply,
  'knowledge.ingest': knowledgeIngestJob,
  'message.accepted': onMessageAccepted,
  'message.deliver': onMessageDeliver,
  'message.translate': onMessageTranslate,
};

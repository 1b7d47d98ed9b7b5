// Who hears domain events, in the order they run for one event. Notifications, automations and analytics
// join this list.

import { analyticsSubscriber } from '../analytics/subscriber';
import { flowSubscriber } from '../automations/flows/subscriber';
import { activeContactsSubscriber } from '../billing/contacts';
import { createDb } from '../db/client';
import type { AppBindings } from '../env';
import type { Job } from '../jobs/types';
import { notificationSubscriber } from '../notifications/dispatch';
import { aiReplySubscriber } from './ai-replies';
import { fanOutBatch, type Subscriber } from './fan-out';
import { needsHumanSubscriber } from './needs-human';
import { translationSubscriber } from './translation';
import type { DomainEvent } from './types';

export const subscribers: readonly Subscriber[] = [
  translationSubscriber,
  // Before AI replies: a TikTok DM sets the automation state the AI-reply check reads.
  flowSubscriber,
  aiReplySubscriber,
  notificationSubscriber,
  analyticsSubscriber,
  activeContactsSubscriber,
  needsHumanSubscriber,
];

/** The `event` job: one domain event fanned out to every subscriber. */
export async function onDomainEvent(env: AppBindings, job: Extract<Job, { kind: 'event' }>): Promise<void> {
  const [problem] = await onDomainEvents(env, [job.event]);
  if (problem) throw problem;
}

/**
 * The `event` jobs of one queue batch, fanned out together (fan-out.ts: the batch's channels are read once and
 * each event's claims share a D1 round trip with the previous event's outcomes). Null for an event fully
 * handled, else the error to retry it with.
 */
export function onDomainEvents(env: AppBindings, events: readonly DomainEvent[]): Promise<(Error | null)[]> {
  return fanOutBatch(env, createDb(env.DB), subscribers, events);
}

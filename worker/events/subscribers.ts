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
import { fanOut, type Subscriber } from './fan-out';
import { needsHumanSubscriber } from './needs-human';
import { translationSubscriber } from './translation';

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
export function onDomainEvent(env: AppBindings, job: Extract<Job, { kind: 'event' }>): Promise<void> {
  return fanOut(env, createDb(env.DB), subscribers, job.event);
}

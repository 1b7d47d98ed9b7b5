// Domain events: what happened to a conversation, committed by its actor in the same transaction as the
// change itself, then fanned out to every subscriber (translation, AI replies, and later notifications,
// automations and analytics). An event's id is unique, so a subscriber can act on it exactly once.
import type { LogMessage } from '../conversations/log';

/** Who caused an event: a member, the customer, the AI or the system. */
export interface EventActor {
  type: 'USER' | 'CONTACT' | 'AI' | 'SYSTEM';
  id?: string | null;
}

interface EventBase {
  id: string;
  organizationId: string;
  conversationId: string;
  occurredAt: number;
  actor: EventActor;
}

interface MessageRef {
  messageId: string;
  channelId: string;
}

export type DomainEvent = EventBase &
  (
    | { type: 'conversation.opened'; channelId: string; contactId: string }
    /** A customer's message is stored; `first` when it is the conversation's first message. */
    | ({
        type: 'message.accepted';
        first: boolean;
        /**
         * The message's language as the actor settled it when storing it (null: neither its text nor the
         * conversation told; absent on events stored before the actor settled languages).
         */
        language?: string | null;
      } & MessageRef)
    /** A message from the team (agent, AI, system) is stored; notes and held replies included. */
    | ({
        type: 'message.posted';
        senderType: LogMessage['senderType'];
        isNote: boolean;
        approvalStatus: LogMessage['approvalStatus'];
        /** The reply waits while the message.translate job translates it. */
        awaitingTranslation: boolean;
        /** The members an internal note @mentions (checked members of the organisation; notes only). */
        mentions?: string[];
      } & MessageRef)
    | ({ type: 'message.approved'; senderType: LogMessage['senderType']; edited?: boolean } & MessageRef)
    | ({ type: 'message.rejected'; senderType: LogMessage['senderType'] } & MessageRef)
    | ({
        type: 'message.sent' | 'message.delivered' | 'message.read' | 'message.failed';
        detail: string | null;
      } & MessageRef)
    | {
        type: 'conversation.assigned';
        channelId: string;
        assignedToId: string | null;
        previousAssigneeId: string | null;
      }
    | { type: 'conversation.status_changed'; channelId: string; from: string; to: string }
    | { type: 'conversation.priority_changed'; channelId: string; from: string; to: string }
  );

export type DomainEventType = DomainEvent['type'];
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/** What the actor needs to build an event; it adds the id, organisation, conversation and time. */
export type EventDraft = DistributiveOmit<DomainEvent, keyof Omit<EventBase, 'actor'>>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

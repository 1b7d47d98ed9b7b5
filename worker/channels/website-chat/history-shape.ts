// The visitor history's wire shape (GET /api/widget/:channelId/history), kept free of runtime imports so the
// widget can import the type without pulling in the Worker.
import type { PublicMessage } from '../../conversations/log';

export type Rating = 'GOOD' | 'BAD';

export interface VisitorConversation {
  id: string;
  status: 'OPEN' | 'PENDING' | 'CLOSED' | 'ARCHIVED';
  /** CLOSED or ARCHIVED: the widget draws the "Conversation resolved" divider after it. */
  resolved: boolean;
  createdAt: string;
  closedAt: string | null;
  rating: { rating: Rating; comment: string | null } | null;
  /** The AI handed the conversation to a human who has not answered yet: the widget asks for an email. */
  needsHuman: boolean;
  messages: PublicMessage[];
}

/** What the visitor told us about themselves (their own contact), so the widget knows whether to ask. */
export interface VisitorSelf {
  name: string | null;
  email: string | null;
}

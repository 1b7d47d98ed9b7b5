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
  messages: PublicMessage[];
}

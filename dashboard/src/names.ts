// Plain-language names for the API's enums: the one place the dashboard turns OPEN or WEBSITE_CHAT into words.
import type { ChannelType, ConversationStatus, PLANS } from '../../worker/db/schema';

export const STATUS_NAMES: Record<ConversationStatus, string> = {
  OPEN: 'Open',
  PENDING: 'Pending',
  CLOSED: 'Resolved',
  ARCHIVED: 'Archived',
};
export const STATUSES = Object.keys(STATUS_NAMES) as ConversationStatus[];

export const CHANNEL_TYPE_NAMES: Record<ChannelType, string> = {
  WEBSITE_CHAT: 'Website chat',
  EMAIL: 'Email',
  FACEBOOK: 'Facebook Messenger',
  INSTAGRAM: 'Instagram',
  WHATSAPP: 'WhatsApp',
  TELEGRAM: 'Telegram',
  TIKTOK: 'TikTok',
};
/** The channel types an organisation can add (the others cannot be created, so they are never offered as filters). */
export const CREATABLE_CHANNEL_TYPES: ChannelType[] = ['WEBSITE_CHAT', 'EMAIL', 'FACEBOOK', 'INSTAGRAM', 'WHATSAPP'];

export const PRIORITY_NAMES = { LOW: 'Low', NORMAL: 'Normal', HIGH: 'High', URGENT: 'Urgent' } as const;
export type Priority = keyof typeof PRIORITY_NAMES;
export const PRIORITIES = Object.keys(PRIORITY_NAMES) as Priority[];

export const ROLE_NAMES = { OWNER: 'Owner', ADMIN: 'Admin', AGENT: 'Agent', VIEWER: 'Viewer' } as const;

export const statusName = (status: string) => STATUS_NAMES[status as ConversationStatus] ?? status;
export const channelTypeName = (type: string) => CHANNEL_TYPE_NAMES[type as ChannelType] ?? type;
export const isResolved = (status: string) => status === 'CLOSED' || status === 'ARCHIVED';

export const PLAN_NAMES: Record<(typeof PLANS)[number], string> = {
  FREE: 'Free',
  STARTER: 'Starter',
  GROWTH: 'Growth',
  ENTERPRISE: 'Enterprise',
};

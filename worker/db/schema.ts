// The data model of HelpStack Edge: the single source for migrations and row types.
// Every tenant-owned table carries organization_id; list indexes lead with it.
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const id = () =>
  text('id')
    .primaryKey()
    .$defaultFn(() => crypto.randomUUID());
const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .$defaultFn(() => new Date());
const updatedAt = () =>
  integer('updated_at', { mode: 'timestamp_ms' })
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date());
const orgId = () =>
  text('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' });
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

export const ROLES = ['OWNER', 'ADMIN', 'AGENT', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];
export const MEMBER_STATUSES = ['ACTIVE', 'SUSPENDED'] as const;
export const INVITATION_STATUSES = ['PENDING', 'ACTIVE', 'REVOKED', 'EXPIRED'] as const;
export const PLANS = ['FREE', 'STARTER', 'GROWTH', 'ENTERPRISE'] as const;
export const CHANNEL_TYPES = [
  'EMAIL',
  'FACEBOOK',
  'INSTAGRAM',
  'WHATSAPP',
  'TELEGRAM',
  'WEBSITE_CHAT',
  'TIKTOK',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CONVERSATION_STATUSES = ['OPEN', 'PENDING', 'CLOSED', 'ARCHIVED'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export const DIRECTIONS = ['INBOUND', 'OUTBOUND'] as const;
export const SENDER_TYPES = ['CONTACT', 'AGENT', 'AI', 'SYSTEM'] as const;
/** NONE: needs no approval; PENDING: a draft or translated reply waiting for an agent. */
export const APPROVAL_STATUSES = ['NONE', 'PENDING', 'APPROVED', 'REJECTED'] as const;
export const DELIVERY_STATUSES = ['NOT_SENT', 'QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;
/** A message's history: what the channel did with it, and translations that could not be made. */
export const MESSAGE_EVENT_TYPES = [...DELIVERY_STATUSES, 'TRANSLATION_FAILED'] as const;
export const AI_PROVIDER_TYPES = ['OPENAI', 'ANTHROPIC', 'AZURE_OPENAI', 'OLLAMA', 'BUILTIN'] as const;
export const ARTICLE_SOURCES = ['MANUAL', 'URL', 'FILE'] as const;
export const ARTICLE_STATUSES = ['PROCESSING', 'READY', 'ERROR'] as const;
export const TOOL_TYPES = ['SERVER_SIDE', 'CLIENT_SIDE'] as const;
export const TOOL_METHODS = ['GET', 'POST', 'PUT', 'PATCH'] as const;
export const TOOL_CALL_STATUSES = ['SUCCESS', 'ERROR', 'TIMEOUT', 'INVALID_ARGUMENTS'] as const;
/** MENTION (a teammate @mentioned the member in an internal note) is personal: integrations never carry it. */
export const NOTIFICATION_EVENTS = [
  'NEW_CONVERSATION',
  'NEW_MESSAGE',
  'ASSIGNED',
  'STATUS_CHANGED',
  'MENTION',
  // The AI handed a conversation to a human (events/needs-human.ts).
  'NEEDS_HUMAN',
] as const;
export const NOTIFICATION_DELIVERIES = [
  'IN_APP',
  'PUSH',
  'EMAIL',
  'SLACK',
  'TEAMS',
  'DISCORD',
  'SMS',
  'WEBHOOK',
] as const;
export const NOTIFICATION_SCOPES = ['ALL', 'ASSIGNED_ONLY'] as const;

// ── Accounts and organisations ──────────────────────────────────────────────

export const organizations = sqliteTable('organizations', {
  id: id(),
  name: text('name').notNull(),
  plan: text('plan', { enum: PLANS }).notNull().default('FREE'),
  /** Tokens left; debited atomically with a ledger row (billing/tokens.ts). */
  tokenBalance: integer('token_balance').notNull().default(0),
  stripeCustomerId: text('stripe_customer_id'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = sqliteTable('users', {
  id: id(),
  /** Lower-cased; the login identifier. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const memberships = sqliteTable(
  'memberships',
  {
    id: id(),
    organizationId: orgId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ROLES }).notNull(),
    status: text('status', { enum: MEMBER_STATUSES }).notNull().default('ACTIVE'),
    lastLoginAt: integer('last_login_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('memberships_org_user').on(t.organizationId, t.userId), index('memberships_user').on(t.userId)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_org').on(t.userId, t.organizationId)],
);

export const invitations = sqliteTable(
  'invitations',
  {
    id: id(),
    organizationId: orgId(),
    email: text('email').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    /** SHA-256 of the token sent by email; the token itself is never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    status: text('status', { enum: INVITATION_STATUSES }).notNull().default('PENDING'),
    invitedById: text('invited_by_id').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_org_status').on(t.organizationId, t.status)],
);

// ── Channels, contacts, conversations, messages ─────────────────────────────

/** WEBSITE_CHAT appearance and behaviour; other types keep their non-secret settings here too. */
export interface ChannelSettings {
  appearance?: {
    color?: string;
    position?: 'left' | 'right';
    title?: string;
    subtitle?: string;
    avatarUrl?: string;
  };
  greeting?: string;
  allowedDomains?: string[];
  // ── Website chat: business hours and the pre-chat form (helper 20, issue #20) ──
  /** When the team answers; outside them the widget says when it is back. Unset or null: always open. */
  businessHours?: BusinessHours | null;
  /** Name and email before the first message: not asked, asked (skippable), or required. */
  preChatForm?: 'OFF' | 'OPTIONAL' | 'REQUIRED';
  [key: string]: unknown;
}

/** Weekly opening hours in one IANA time zone, as the organisation's (BusinessInterval: 1 = Monday … 7 = Sunday). */
export interface BusinessHours {
  timeZone: string;
  intervals: BusinessInterval[];
  /** What the widget promises outside hours, e.g. "within a day". */
  replyTime?: string;
}

export const channels = sqliteTable(
  'channels',
  {
    id: id(),
    organizationId: orgId(),
    type: text('type', { enum: CHANNEL_TYPES }).notNull(),
    name: text('name').notNull(),
    region: text('region'),
    defaultLanguage: text('default_language').notNull().default('en'),
    autoTranslate: integer('auto_translate', { mode: 'boolean' }).notNull().default(true),
    translateToLanguage: text('translate_to_language'),
    fallbackLanguage: text('fallback_language'),
    aiProviderId: text('ai_provider_id').references(() => aiProviders.id, { onDelete: 'set null' }),
    systemPrompt: text('system_prompt'),
    /** AES-256-GCM ciphertext of the JSON credentials (lib/crypto.ts). */
    credentialsEncrypted: text('credentials_encrypted').notNull(),
    responseTemplate: json<Record<string, unknown>>('response_template'),
    settings: json<ChannelSettings>('settings').notNull().default({}),
    autoReply: integer('auto_reply', { mode: 'boolean' }).notNull().default(false),
    autoApprove: integer('auto_approve', { mode: 'boolean' }).notNull().default(false),
    autoEnhance: integer('auto_enhance', { mode: 'boolean' }).notNull().default(false),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('channels_org_type').on(t.organizationId, t.type)],
);

export const contacts = sqliteTable(
  'contacts',
  {
    id: id(),
    organizationId: orgId(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    /** The channel's own id for the person: widget visitor id, email address, Meta sender id. */
    externalId: text('external_id').notNull(),
    name: text('name'),
    email: text('email'),
    phone: text('phone'),
    avatarUrl: text('avatar_url'),
    language: text('language'),
    metadata: json<Record<string, unknown>>('metadata'),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }),
    /** The id this contact's next conversation will take, so a widget socket opened before the first
     * message already listens on that conversation's actor, and concurrent first messages agree on it. */
    nextConversationId: text('next_conversation_id')
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contacts_channel_external').on(t.channelId, t.externalId),
    index('contacts_org').on(t.organizationId),
  ],
);

export const conversations = sqliteTable(
  'conversations',
  {
    id: id(),
    organizationId: orgId(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: CONVERSATION_STATUSES }).notNull().default('OPEN'),
    priority: text('priority', { enum: PRIORITIES }).notNull().default('NORMAL'),
    assignedToId: text('assigned_to_id').references(() => users.id, { onDelete: 'set null' }),
    /** The customer's language (detected or set by an agent). */
    language: text('language'),
    subject: text('subject'),
    notes: text('notes'),
    unreadCount: integer('unread_count').notNull().default(0),
    messageCount: integer('message_count').notNull().default(0),
    lastMessageAt: integer('last_message_at', { mode: 'timestamp_ms' }).notNull(),
    lastMessagePreview: text('last_message_preview'),
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('conversations_org_last').on(t.organizationId, t.lastMessageAt),
    index('conversations_org_status_last').on(t.organizationId, t.status, t.lastMessageAt),
    index('conversations_org_channel_last').on(t.organizationId, t.channelId, t.lastMessageAt),
    index('conversations_org_assignee_last').on(t.organizationId, t.assignedToId, t.lastMessageAt),
    index('conversations_org_language_last').on(t.organizationId, t.language, t.lastMessageAt),
    index('conversations_org_unread_last').on(t.organizationId, t.lastMessageAt).where(sql`${t.unreadCount} > 0`),
    index('conversations_contact').on(t.contactId, t.status),
  ],
);

export interface Citation {
  articleId: string;
  title: string;
  url?: string | null;
}

export const messages = sqliteTable(
  'messages',
  {
    id: id(),
    organizationId: orgId(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Position in the conversation's log, assigned by the conversation actor. */
    seq: integer('seq').notNull(),
    direction: text('direction', { enum: DIRECTIONS }).notNull(),
    /** Internal notes are team-only: no channel adapter ever delivers them. */
    isNote: integer('is_note', { mode: 'boolean' }).notNull().default(false),
    senderType: text('sender_type', { enum: SENDER_TYPES }).notNull(),
    senderId: text('sender_id'),
    content: text('content').notNull(),
    /** The text before translation (what the customer wrote, or what the agent wrote). */
    originalContent: text('original_content'),
    translatedContent: text('translated_content'),
    language: text('language'),
    translatedLanguage: text('translated_language'),
    attachments: json<string[]>('attachments').notNull().default([]),
    /** Provider or client message id: a retried send with the same id is the same message. */
    externalId: text('external_id'),
    /** The channel's id for a message we sent (Graph message id, email Message-ID): receipts find it by this. */
    providerMessageId: text('provider_message_id'),
    approvalStatus: text('approval_status', { enum: APPROVAL_STATUSES }).notNull().default('NONE'),
    deliveryStatus: text('delivery_status', { enum: DELIVERY_STATUSES }).notNull().default('NOT_SENT'),
    citations: json<Citation[]>('citations'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('messages_conversation_seq').on(t.conversationId, t.seq),
    index('messages_org_created').on(t.organizationId, t.createdAt),
    index('messages_conversation_approval').on(t.conversationId, t.approvalStatus),
    index('messages_org_provider_id').on(t.organizationId, t.providerMessageId),
  ],
);

export const messageEvents = sqliteTable(
  'message_events',
  {
    id: id(),
    organizationId: orgId(),
    messageId: text('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    type: text('type', { enum: MESSAGE_EVENT_TYPES }).notNull(),
    detail: text('detail'),
    createdAt: createdAt(),
  },
  (t) => [index('message_events_message').on(t.messageId, t.createdAt)],
);

export const faqs = sqliteTable(
  'faqs',
  {
    id: id(),
    organizationId: orgId(),
    /** null = org-wide; otherwise a WEBSITE_CHAT channel. */
    channelId: text('channel_id').references(() => channels.id, { onDelete: 'cascade' }),
    question: text('question').notNull(),
    answer: text('answer').notNull(),
    position: integer('position').notNull().default(0),
    clickCount: integer('click_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('faqs_org_channel_position').on(t.organizationId, t.channelId, t.position)],
);

export const media = sqliteTable(
  'media',
  {
    id: id(),
    organizationId: orgId(),
    conversationId: text('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** The WEBSITE_CHAT channel a visitor uploaded through; its domain allowlist guards the download. */
    channelId: text('channel_id').references(() => channels.id, { onDelete: 'set null' }),
    /** R2 object key. */
    storageKey: text('storage_key').notNull().unique(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    /** The member who uploaded the file (null for a visitor's upload). */
    uploadedById: text('uploaded_by_id'),
    /** Who uploaded it: a member through the dashboard or a visitor through the widget. */
    uploaderType: text('uploader_type', { enum: ['MEMBER', 'VISITOR'] })
      .notNull()
      .default('MEMBER'),
    /** The widget visitor id of a visitor's upload (with `channelId`): only that visitor may attach it. */
    uploadedByVisitorId: text('uploaded_by_visitor_id'),
    createdAt: createdAt(),
  },
  (t) => [index('media_org_created').on(t.organizationId, t.createdAt)],
);

// ── AI, knowledge base, agent tools ─────────────────────────────────────────

export const aiProviders = sqliteTable(
  'ai_providers',
  {
    id: id(),
    organizationId: orgId(),
    type: text('type', { enum: AI_PROVIDER_TYPES }).notNull(),
    name: text('name').notNull(),
    model: text('model').notNull(),
    temperature: real('temperature').notNull().default(0.3),
    maxTokens: integer('max_tokens').notNull().default(1024),
    baseUrl: text('base_url'),
    apiVersion: text('api_version'),
    deployment: text('deployment'),
    apiKeyEncrypted: text('api_key_encrypted'),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('ai_providers_org').on(t.organizationId)],
);

export const knowledgeGroups = sqliteTable(
  'knowledge_groups',
  {
    id: id(),
    organizationId: orgId(),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('knowledge_groups_org').on(t.organizationId)],
);

export const channelKnowledgeGroups = sqliteTable(
  'channel_knowledge_groups',
  {
    organizationId: orgId(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    groupId: text('group_id')
      .notNull()
      .references(() => knowledgeGroups.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.groupId] }), index('channel_knowledge_groups_group').on(t.groupId)],
);

export const knowledgeArticles = sqliteTable(
  'knowledge_articles',
  {
    id: id(),
    organizationId: orgId(),
    groupId: text('group_id')
      .notNull()
      .references(() => knowledgeGroups.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    source: text('source', { enum: ARTICLE_SOURCES }).notNull(),
    sourceUrl: text('source_url'),
    fileName: text('file_name'),
    /** R2 key of an uploaded file, kept for re-processing. */
    storageKey: text('storage_key'),
    content: text('content').notNull().default(''),
    status: text('status', { enum: ARTICLE_STATUSES }).notNull().default('PROCESSING'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('knowledge_articles_org_group_status').on(t.organizationId, t.groupId, t.status),
    index('knowledge_articles_org_status').on(t.organizationId, t.status),
  ],
);

export const knowledgeChunks = sqliteTable(
  'knowledge_chunks',
  {
    id: id(),
    organizationId: orgId(),
    articleId: text('article_id')
      .notNull()
      .references(() => knowledgeArticles.id, { onDelete: 'cascade' }),
    groupId: text('group_id').notNull(),
    position: integer('position').notNull(),
    heading: text('heading'),
    text: text('text').notNull(),
    /** Float32 embedding for the local vector store; production uses Vectorize. */
    embedding: blob('embedding', { mode: 'buffer' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('knowledge_chunks_article').on(t.articleId, t.position),
    index('knowledge_chunks_org_group').on(t.organizationId, t.groupId),
  ],
);

export interface ToolParametersSchema {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [key: string]: unknown;
}

export const agentTools = sqliteTable(
  'agent_tools',
  {
    id: id(),
    organizationId: orgId(),
    /** null = an org-level tool offered on every channel; otherwise only on this channel. */
    channelId: text('channel_id').references(() => channels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull(),
    type: text('type', { enum: TOOL_TYPES }).notNull(),
    url: text('url'),
    method: text('method', { enum: TOOL_METHODS }).notNull().default('POST'),
    /** AES-256-GCM ciphertext of the JSON header map. */
    headersEncrypted: text('headers_encrypted'),
    parametersSchema: json<ToolParametersSchema>('parameters_schema').notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('agent_tools_org_channel').on(t.organizationId, t.channelId)],
);

export const toolCallLogs = sqliteTable(
  'tool_call_logs',
  {
    id: id(),
    organizationId: orgId(),
    toolId: text('tool_id')
      .notNull()
      .references(() => agentTools.id, { onDelete: 'cascade' }),
    conversationId: text('conversation_id'),
    arguments: json<unknown>('arguments'),
    status: text('status', { enum: TOOL_CALL_STATUSES }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    response: text('response'),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [index('tool_call_logs_tool_created').on(t.toolId, t.createdAt)],
);

/** The auto-reply job's claim on an inbound message: at most one AI draft per inbound message. */
export const aiAutoReplies = sqliteTable('ai_auto_replies', {
  sourceMessageId: text('source_message_id')
    .primaryKey()
    .references(() => messages.id, { onDelete: 'cascade' }),
  organizationId: orgId(),
  /** Set once the draft exists; while null the claim is in progress (or abandoned after claimedAt + lease). */
  draftMessageId: text('draft_message_id'),
  claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
});

// ── Notifications ───────────────────────────────────────────────────────────

export const notificationPreferences = sqliteTable(
  'notification_preferences',
  {
    id: id(),
    organizationId: orgId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    event: text('event', { enum: NOTIFICATION_EVENTS }).notNull(),
    delivery: text('delivery', { enum: NOTIFICATION_DELIVERIES }).notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    scope: text('scope', { enum: NOTIFICATION_SCOPES }).notNull().default('ALL'),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('notification_preferences_unique').on(t.organizationId, t.userId, t.event, t.delivery)],
);

export const pushSubscriptions = sqliteTable(
  'push_subscriptions',
  {
    id: id(),
    organizationId: orgId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull().unique(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [index('push_subscriptions_user').on(t.userId)],
);

export const notifications = sqliteTable(
  'notifications',
  {
    id: id(),
    organizationId: orgId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    event: text('event', { enum: NOTIFICATION_EVENTS }).notNull(),
    /** The domain event it came from: one notification per (user, event), however often the event arrives. */
    eventId: text('event_id').notNull(),
    conversationId: text('conversation_id'),
    title: text('title').notNull(),
    body: text('body'),
    /** Shown in the notification centre (the user's IN_APP preference when it was made). */
    inApp: integer('in_app', { mode: 'boolean' }).notNull().default(true),
    /** EMAIL: PENDING until the batching sweep mails it (SENDING while claimed), then SENT; null when not mailed. */
    emailStatus: text('email_status', { enum: ['PENDING', 'SENDING', 'SENT'] }),
    emailClaimedAt: integer('email_claimed_at', { mode: 'timestamp_ms' }),
    readAt: integer('read_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('notifications_user_created').on(t.userId, t.createdAt),
    uniqueIndex('notifications_user_event').on(t.userId, t.eventId),
    index('notifications_email_status').on(t.emailStatus, t.userId, t.conversationId),
    index('notifications_created').on(t.createdAt),
  ],
);

// ── Billing ─────────────────────────────────────────────────────────────────

export const tokenLedger = sqliteTable(
  'token_ledger',
  {
    id: id(),
    organizationId: orgId(),
    /** Negative for usage, positive for grants and top-ups. */
    delta: integer('delta').notNull(),
    reason: text('reason').notNull(),
    referenceId: text('reference_id'),
    balanceAfter: integer('balance_after').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('token_ledger_org_created').on(t.organizationId, t.createdAt)],
);

// ── Outbound email (dev mailbox locally; the send_email binding in production) ─

export const outboundEmails = sqliteTable(
  'outbound_emails',
  {
    id: id(),
    organizationId: text('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    to: text('to').notNull(),
    from: text('from').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    /** 'dev-mailbox' when kept locally, 'send_email' when handed to Cloudflare. */
    transport: text('transport').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('outbound_emails_to').on(t.to, t.createdAt)],
);

/** Jobs that exhausted their retries, kept for inspection and replay. */
export const failedJobs = sqliteTable('failed_jobs', {
  id: id(),
  kind: text('kind').notNull(),
  payload: json<unknown>('payload').notNull(),
  attempts: integer('attempts').notNull(),
  createdAt: createdAt(),
});

export type Organization = typeof organizations.$inferSelect;
export type User = typeof users.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type Channel = typeof channels.$inferSelect;
export type Contact = typeof contacts.$inferSelect;
export type Conversation = typeof conversations.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type MessageEvent = typeof messageEvents.$inferSelect;
export type Faq = typeof faqs.$inferSelect;
export type Media = typeof media.$inferSelect;
export type AiProvider = typeof aiProviders.$inferSelect;
export type KnowledgeGroup = typeof knowledgeGroups.$inferSelect;
export type KnowledgeArticle = typeof knowledgeArticles.$inferSelect;
export type KnowledgeChunk = typeof knowledgeChunks.$inferSelect;
export type AgentTool = typeof agentTools.$inferSelect;
export type ToolCallLog = typeof toolCallLogs.$inferSelect;

// ── Login throttling per account (auth/login-throttle.ts) ──────────────────────
// One row per email that has had login attempts: counted across all IPs, cleared by a successful login.

export const loginThrottles = sqliteTable(
  'login_throttles',
  {
    /** Lower-cased, whether or not an account has it (unknown emails are throttled the same way). */
    email: text('email').primaryKey(),
    /** Attempts in the current window, counted before the password is checked. */
    attempts: integer('attempts').notNull(),
    windowStartedAt: integer('window_started_at', { mode: 'timestamp_ms' }).notNull(),
    /** Back-offs so far: each one doubles the next delay, up to a cap. */
    lockouts: integer('lockouts').notNull().default(0),
    lockedUntil: integer('locked_until', { mode: 'timestamp_ms' }),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('login_throttles_updated').on(t.updatedAt)],
);

// ── Organisation agent tools attached to channels (ai/agent-tools.ts) ──────────
// An organisation tool attached to no channel is offered on every channel; once attached to some, only on those.

export const channelAgentTools = sqliteTable(
  'channel_agent_tools',
  {
    organizationId: orgId(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    toolId: text('tool_id')
      .notNull()
      .references(() => agentTools.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.toolId] }), index('channel_agent_tools_tool').on(t.toolId)],
);

// ── Domain-event subscribers and durable job sends (events/, jobs/outbox.ts) ──────────

/** One row per (subscriber, event): a redelivered event finds its run DONE and is not acted on twice. */
export const eventRuns = sqliteTable(
  'event_runs',
  {
    subscriber: text('subscriber').notNull(),
    eventId: text('event_id').notNull(),
    organizationId: text('organization_id').notNull(),
    status: text('status', { enum: ['RUNNING', 'DONE'] }).notNull(),
    /** While RUNNING: when the current attempt claimed it; a claim older than the lease is taken over. */
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [primaryKey({ columns: [t.subscriber, t.eventId] }), index('event_runs_claimed').on(t.claimedAt)],
);

/**
 * Jobs written in the same D1 batch as the change that needs them, sent to the queue right after and deleted;
 * the scheduled sweep sends any that a crash left behind, so a follow-up cannot be lost between write and send.
 */
export const pendingJobs = sqliteTable(
  'pending_jobs',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    payload: text('payload', { mode: 'json' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [index('pending_jobs_created').on(t.createdAt)],
);

// ── Email channel: headers, threading ids and IMAP polling state (channels/email/) ─────────────

/**
 * One row per mail of an email channel, inbound or sent, keyed by its Message-ID within the channel: the
 * dedupe across Email Workers, IMAP polls and UIDVALIDITY changes, the ids replies thread by, and the
 * Subject/From/To/Cc and collapsed quoted history the conversation view shows. An inbound row is written
 * as a claim (no message yet) before the mail enters the pipeline, so a second copy arriving meanwhile
 * is not imported twice.
 */
export const emailMessages = sqliteTable(
  'email_messages',
  {
    id: id(),
    organizationId: orgId(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    /** The Message-ID header without angle brackets. */
    rfcMessageId: text('rfc_message_id').notNull(),
    direction: text('direction', { enum: DIRECTIONS }).notNull(),
    /** The stored message (null while an inbound mail is being imported). */
    messageId: text('message_id'),
    conversationId: text('conversation_id'),
    /** The customer: the sender of an inbound mail, the recipient of a reply. */
    contactId: text('contact_id'),
    subject: text('subject'),
    fromAddress: text('from_address'),
    fromName: text('from_name'),
    toAddresses: json<string[]>('to_addresses').notNull().default([]),
    ccAddresses: json<string[]>('cc_addresses').notNull().default([]),
    inReplyTo: text('in_reply_to'),
    /** The References chain (oldest first) without angle brackets. */
    references: json<string[]>('references').notNull().default([]),
    /** The quoted history below the reply, shown on demand. */
    quoted: text('quoted'),
    /** Auto-Submitted (auto-replies, bounces) or bulk mail: never answered automatically. */
    autoSubmitted: integer('auto_submitted', { mode: 'boolean' }).notNull().default(false),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('email_messages_channel_rfc_id').on(t.channelId, t.rfcMessageId),
    index('email_messages_org_conversation').on(t.organizationId, t.conversationId),
    index('email_messages_message').on(t.messageId),
  ],
);

/** Where the IMAP poll of an email channel stands: the mailbox's UIDVALIDITY, the last UID seen, the last error. */
export const emailMailboxes = sqliteTable('email_mailboxes', {
  channelId: text('channel_id')
    .primaryKey()
    .references(() => channels.id, { onDelete: 'cascade' }),
  organizationId: orgId(),
  /** The mailbox the UIDVALIDITY and last UID belong to: another configured mailbox starts a fresh cursor. */
  mailbox: text('mailbox').notNull().default('INBOX'),
  uidValidity: integer('uid_validity'),
  lastUid: integer('last_uid').notNull().default(0),
  lastPollAt: integer('last_poll_at', { mode: 'timestamp_ms' }),
  lastSuccessAt: integer('last_success_at', { mode: 'timestamp_ms' }),
  /** Why the last poll failed (null after a good one). */
  lastError: text('last_error'),
});

/** Mail an IMAP poll could not import: retried on the next polls, quarantined (skipped) after a few tries. */
export const emailImportFailures = sqliteTable(
  'email_import_failures',
  {
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    /** The mailbox the UID is in (UIDs of two mailboxes may be equal). */
    mailbox: text('mailbox').notNull().default('INBOX'),
    uidValidity: integer('uid_validity').notNull(),
    uid: integer('uid').notNull(),
    organizationId: orgId(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    quarantinedAt: integer('quarantined_at', { mode: 'timestamp_ms' }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.mailbox, t.uidValidity, t.uid] })],
);

// ── Notifications: web push deliveries and integrations (notifications/) ──────────

/** One row per (notification, device): a device is sent a notification at most once, however often the job runs. */
export const pushDeliveries = sqliteTable(
  'push_deliveries',
  {
    notificationId: text('notification_id')
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => pushSubscriptions.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['SENDING', 'SENT'] }).notNull(),
    /** While SENDING: when the attempt started; an attempt older than the lease is taken over. */
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.subscriptionId] })],
);

/** Organisation-wide delivery channels (Slack incoming webhook, signed generic webhook) and the events they carry. */
export const notificationIntegrations = sqliteTable(
  'notification_integrations',
  {
    id: id(),
    organizationId: orgId(),
    type: text('type', { enum: ['SLACK', 'WEBHOOK'] }).notNull(),
    name: text('name').notNull(),
    /** AES-GCM ciphertext of { url, secret? }: a Slack webhook URL is itself a credential. */
    config: text('config').notNull(),
    events: json<(typeof NOTIFICATION_EVENTS)[number][]>('events').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('notification_integrations_org').on(t.organizationId)],
);

/** One row per (integration, domain event): a redelivered event posts to an integration once. */
export const integrationDeliveries = sqliteTable(
  'integration_deliveries',
  {
    integrationId: text('integration_id')
      .notNull()
      .references(() => notificationIntegrations.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    status: text('status', { enum: ['SENDING', 'SENT'] }).notNull(),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.integrationId, t.eventId] }),
    index('integration_deliveries_claimed').on(t.claimedAt),
  ],
);

// ── Meta channels: Messenger, Instagram, WhatsApp (channels/meta/, routes/webhooks/meta.ts) ──────────

/**
 * Provider message ids already handed to the pipeline, per channel: Meta redelivers for days, and a replay that
 * arrives after the conversation was closed must not open a new one with the same message. Pruned after 14 days.
 */
export const metaInboundIds = sqliteTable(
  'meta_inbound_ids',
  {
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    externalMessageId: text('external_message_id').notNull(),
    organizationId: text('organization_id').notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.externalMessageId] }),
    index('meta_inbound_ids_received').on(t.receivedAt),
  ],
);

/**
 * What the channel pages show about a Meta webhook: the last event a channel received (key `channel:<id>`) and
 * the last body refused for its signature (key `type:<FACEBOOK|INSTAGRAM|WHATSAPP>`: an unsigned body names no
 * trustworthy channel, so failures are counted per installation endpoint).
 */
export const metaWebhookHealth = sqliteTable('meta_webhook_health', {
  key: text('key').primaryKey(),
  lastEventAt: integer('last_event_at', { mode: 'timestamp_ms' }),
  lastSignatureFailureAt: integer('last_signature_failure_at', { mode: 'timestamp_ms' }),
  lastSignatureFailure: text('last_signature_failure'),
});

/** A WhatsApp template message: the outbound message (by its client id) and the template it sends. */
export const metaTemplateSends = sqliteTable(
  'meta_template_sends',
  {
    organizationId: orgId(),
    /** The outbound message's externalId (client id), generated by the template route. */
    externalId: text('external_id').notNull(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    language: text('language').notNull(),
    parameters: json<string[]>('parameters').notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.externalId] })],
);

/**
 * Verified webhook events of one channel, written in the acknowledging request's D1 batch and deleted once the
 * `meta.inbound` job has handed them to the pipeline. A row left behind (a lost queue message, a job that kept
 * failing) is re-enqueued by the minute cron, so an acknowledged event is never lost.
 */
export const metaInboundBatches = sqliteTable(
  'meta_inbound_batches',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').notNull(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    events: text('events', { mode: 'json' }).notNull(),
    /** Re-enqueues by the sweep so far. */
    sweeps: integer('sweeps').notNull().default(0),
    /** When the sweep may re-enqueue it (its job should have run by then); backs off with each sweep. */
    retryAt: integer('retry_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('meta_inbound_batches_retry').on(t.retryAt)],
);

// ── Analytics (analytics/): organisation time zone and business hours, reporting events, rollups ───────────
// Reporting events are immutable facts written once per domain event (the event's id is the key); cycles
// (one per opening or reopening of a conversation) are derived from them per conversation, and daily rollups
// from both, so every figure can be rebuilt from the events.

/** A weekly opening interval in the organisation's time zone: ISO weekday (1 = Monday … 7) and HH:MM times. */
export interface BusinessInterval {
  day: number;
  start: string;
  end: string;
}

export const organizationSettings = sqliteTable('organization_settings', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  /** IANA time zone: report days and the hour heatmap are local to it. */
  timeZone: text('time_zone').notNull().default('UTC'),
  /** Null: no business hours (response times in business time are then not shown). */
  businessHours: json<BusinessInterval[]>('business_hours'),
  updatedAt: updatedAt(),
});

export const ANALYTICS_EVENT_KINDS = [
  'OPENED',
  'CUSTOMER_MESSAGE',
  'AGENT_REPLY',
  'AI_REPLY',
  'AI_DRAFT',
  'AI_DRAFT_APPROVED',
  /** An AI draft an agent edited before approving it: an approval too (reports count it in both). */
  'AI_DRAFT_EDITED',
  'AI_DRAFT_REJECTED',
  'NOTE',
  'AUTO_ACK',
  'RESOLVED',
  'REOPENED',
] as const;
export type AnalyticsEventKind = (typeof ANALYTICS_EVENT_KINDS)[number];

export const analyticsEvents = sqliteTable(
  'analytics_events',
  {
    /** The domain event's id: a redelivered event is the same row. */
    id: text('id').primaryKey(),
    organizationId: orgId(),
    conversationId: text('conversation_id').notNull(),
    channelId: text('channel_id').notNull(),
    kind: text('kind', { enum: ANALYTICS_EVENT_KINDS }).notNull(),
    /** The member who acted (replied, approved, resolved, reopened), if one did. */
    agentId: text('agent_id'),
    /** The customer's message language (customer messages only). */
    language: text('language'),
    messageId: text('message_id'),
    /** Epoch milliseconds. */
    occurredAt: integer('occurred_at').notNull(),
  },
  (t) => [
    index('analytics_events_org_time').on(t.organizationId, t.occurredAt),
    index('analytics_events_conversation').on(t.conversationId, t.occurredAt),
  ],
);

/** Per conversation: bumped with every reporting event; the cycles are current when derived = version. */
export const analyticsConversations = sqliteTable(
  'analytics_conversations',
  {
    conversationId: text('conversation_id').primaryKey(),
    organizationId: orgId(),
    version: integer('version').notNull().default(1),
    derivedVersion: integer('derived_version').notNull().default(0),
  },
  (t) => [index('analytics_conversations_org_stale').on(t.organizationId).where(sql`derived_version < version`)],
);

/** One opening (NEW) or reopening (REOPEN) of a conversation until its resolution; times in epoch ms. */
export const analyticsCycles = sqliteTable(
  'analytics_cycles',
  {
    organizationId: orgId(),
    conversationId: text('conversation_id').notNull(),
    cycle: integer('cycle').notNull(),
    channelId: text('channel_id').notNull(),
    kind: text('kind', { enum: ['NEW', 'REOPEN'] }).notNull(),
    startedAt: integer('started_at').notNull(),
    /** The customer's first message (NEW) or the reopening (REOPEN): where first response time starts. */
    waitingSince: integer('waiting_since'),
    firstReplyAt: integer('first_reply_at'),
    firstReplyBy: text('first_reply_by', { enum: ['AGENT', 'AI'] }),
    firstReplyAgentId: text('first_reply_agent_id'),
    frtMs: integer('frt_ms'),
    frtBusinessMs: integer('frt_business_ms'),
    resolvedAt: integer('resolved_at'),
    resolvedById: text('resolved_by_id'),
    resolutionMs: integer('resolution_ms'),
    resolutionBusinessMs: integer('resolution_business_ms'),
    /** Replies to the customer (agent and AI, notes and automated acknowledgements excluded). */
    replies: integer('replies').notNull().default(0),
    humanReplied: integer('human_replied', { mode: 'boolean' }).notNull().default(false),
    aiReplied: integer('ai_replied', { mode: 'boolean' }).notNull().default(false),
    aiInvolved: integer('ai_involved', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.cycle] }),
    index('analytics_cycles_org_started').on(t.organizationId, t.startedAt),
    index('analytics_cycles_org_reply').on(t.organizationId, t.firstReplyAt),
    index('analytics_cycles_org_resolved').on(t.organizationId, t.resolvedAt),
  ],
);

/** Daily figures in the organisation's local days; agent_id and dim are '' when they do not apply. */
export const analyticsDaily = sqliteTable(
  'analytics_daily',
  {
    organizationId: orgId(),
    day: text('day').notNull(),
    channelId: text('channel_id').notNull(),
    agentId: text('agent_id').notNull(),
    metric: text('metric').notNull(),
    dim: text('dim').notNull(),
    value: integer('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.day, t.metric, t.channelId, t.agentId, t.dim] })],
);

/** Local days whose rollups must be rebuilt; `generation` changes with every mark, so a rebuild that raced a
 * newer mark leaves it in place. */
export const analyticsDirtyDays = sqliteTable(
  'analytics_dirty_days',
  {
    organizationId: orgId(),
    day: text('day').notNull(),
    generation: integer('generation').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.day] })],
);

// ── Billing: cycles, top-ups, idempotent charges, monthly active contacts, Stripe (billing/) ──────────
// organizations.token_balance stays the one spendable balance (allowance left + top-up left); the top-up part
// is tracked here, so a cycle reset renews the allowance and keeps what was bought.

export const billingAccounts = sqliteTable('billing_accounts', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  /** Bought tokens left (never more than the balance): spent after the allowance, kept at a reset. */
  topUpBalance: integer('top_up_balance').notNull().default(0),
  /** The anniversary: cycles run monthly from this moment (the subscription's start, or the sign-up). */
  cycleAnchor: integer('cycle_anchor', { mode: 'timestamp_ms' }).notNull(),
  cycleStart: integer('cycle_start', { mode: 'timestamp_ms' }).notNull(),
  cycleEnd: integer('cycle_end', { mode: 'timestamp_ms' }).notNull(),
  stripeSubscriptionId: text('stripe_subscription_id'),
  subscriptionStatus: text('subscription_status'),
  /** The last failed invoice payment, until an invoice is paid. */
  paymentFailedAt: integer('payment_failed_at', { mode: 'timestamp_ms' }),
  paymentFailure: text('payment_failure'),
  /** The cycle start (ms) for which the 80 % / 95 % contact warning mail went out. */
  contactWarning80: integer('contact_warning_80'),
  contactWarning95: integer('contact_warning_95'),
  /** Enterprise terms agreed with sales (null: the plan table's defaults). */
  customTokens: integer('custom_tokens'),
  customSeats: integer('custom_seats'),
  customContacts: integer('custom_contacts'),
  updatedAt: updatedAt(),
});

/** One row per idempotency key of a charge or credit: a retried call finds its key and is not charged again. */
export const tokenChargeKeys = sqliteTable(
  'token_charge_keys',
  {
    organizationId: orgId(),
    key: text('key').notNull(),
    ledgerId: text('ledger_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.key] })],
);

/** Monthly active contacts: a contact counts once per cycle, on the first outbound message to it. */
export const activeContacts = sqliteTable(
  'active_contacts',
  {
    organizationId: orgId(),
    /** The cycle's start (ms). */
    cycleStart: integer('cycle_start').notNull(),
    contactId: text('contact_id').notNull(),
    messageId: text('message_id'),
    countedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.cycleStart, t.contactId] })],
);

/** Automated messages to new contacts held at the contact cap; sent when the plan grows or the cycle resets. */
export const heldMessages = sqliteTable(
  'held_messages',
  {
    messageId: text('message_id').primaryKey(),
    organizationId: orgId(),
    conversationId: text('conversation_id').notNull(),
    contactId: text('contact_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('held_messages_org_created').on(t.organizationId, t.createdAt)],
);

/** Stripe webhook events already handled (deduped on event.id). */
export const stripeEvents = sqliteTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  receivedAt: createdAt(),
});

export type BillingAccount = typeof billingAccounts.$inferSelect;

// ── Agent workspace: labels, snoozes, saved replies and saved views (labels/, saved-replies/, views/) ─────

/** An organisation's labels: a name and a colour, put on conversations and filtered by in the inbox. */
export const labels = sqliteTable(
  'labels',
  {
    id: id(),
    organizationId: orgId(),
    name: text('name').notNull(),
    /** #rrggbb */
    color: text('color').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('labels_org_name').on(t.organizationId, t.name)],
);

export const conversationLabels = sqliteTable(
  'conversation_labels',
  {
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    labelId: text('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.labelId] }),
    index('conversation_labels_org_label').on(t.organizationId, t.labelId),
  ],
);

/** A snoozed conversation: the minute cron sets it back to OPEN (through its actor) once `until` has passed. */
export const conversationSnoozes = sqliteTable(
  'conversation_snoozes',
  {
    conversationId: text('conversation_id')
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    until: integer('until', { mode: 'timestamp_ms' }).notNull(),
    snoozedById: text('snoozed_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('conversation_snoozes_until').on(t.until), index('conversation_snoozes_org').on(t.organizationId)],
);

/** Workspace macros an agent inserts with "/shortcut"; placeholders such as {{contact.firstName}} are filled in. */
export const savedReplies = sqliteTable(
  'saved_replies',
  {
    id: id(),
    organizationId: orgId(),
    shortcut: text('shortcut').notNull(),
    content: text('content').notNull(),
    createdById: text('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('saved_replies_org_shortcut').on(t.organizationId, t.shortcut)],
);

/** A member's named inbox filter combination, pinned to the inbox sidebar. */
export const savedViews = sqliteTable(
  'saved_views',
  {
    id: id(),
    organizationId: orgId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    filters: json<Record<string, string>>('filters').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('saved_views_org_user').on(t.organizationId, t.userId)],
);

// ── Visitor's side of the conversation, accounts (issue 20) ─────────────────

export const RATINGS = ['GOOD', 'BAD'] as const;

/** A visitor's one-click rating of a resolved conversation (one per conversation; a new click replaces it). */
export const conversationRatings = sqliteTable(
  'conversation_ratings',
  {
    conversationId: text('conversation_id')
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    channelId: text('channel_id').notNull(),
    contactId: text('contact_id').notNull(),
    rating: text('rating', { enum: RATINGS }).notNull(),
    comment: text('comment'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('conversation_ratings_org_created').on(t.organizationId, t.createdAt)],
);

/** Conversations the AI could not answer: it said so once and a human must take over. */
export const conversationHandoffs = sqliteTable(
  'conversation_handoffs',
  {
    conversationId: text('conversation_id')
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('conversation_handoffs_org_created').on(t.organizationId, t.createdAt)],
);

/** Single-use password reset links: only the SHA-256 of the token is kept. */
export const passwordResets = sqliteTable(
  'password_resets',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('password_resets_user').on(t.userId, t.createdAt)],
);

/** Whether a member is available for chats (Online) or not (Away) while their dashboard is open. */
export const agentAvailability = sqliteTable(
  'agent_availability',
  {
    organizationId: orgId(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['ONLINE', 'AWAY'] })
      .notNull()
      .default('ONLINE'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] })],
);

// ── Integrations (TikTok, TikTok Shop) and comment-to-DM automations (integrations/, automations/) ─────────

export const INTEGRATION_PROVIDERS = ['TIKTOK', 'TIKTOK_SHOP'] as const;
export type IntegrationProvider = (typeof INTEGRATION_PROVIDERS)[number];

/** An OAuth connection of an organisation to a platform account; tokens are AES-256-GCM ciphertext. */
export const integrations = sqliteTable(
  'integrations',
  {
    id: id(),
    organizationId: orgId(),
    provider: text('provider', { enum: INTEGRATION_PROVIDERS }).notNull(),
    /** CONNECTED; ERROR: the tokens no longer work (refresh refused), the card is red with Reconnect. */
    status: text('status', { enum: ['CONNECTED', 'ERROR'] })
      .notNull()
      .default('CONNECTED'),
    /** The platform's id of the connected account (TikTok open_id / business id, Shop seller open id). */
    accountId: text('account_id').notNull(),
    accountName: text('account_name'),
    grantedScopes: json<string[]>('granted_scopes').notNull().default([]),
    /** {accessToken, refreshToken} encrypted with lib/secrets.ts. */
    tokensEncrypted: text('tokens_encrypted').notNull(),
    accessExpiresAt: integer('access_expires_at', { mode: 'timestamp_ms' }).notNull(),
    refreshExpiresAt: integer('refresh_expires_at', { mode: 'timestamp_ms' }),
    lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
    lastEventAt: integer('last_event_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    /** The TikTok channel (type TIKTOK) that DMs of this account flow through. */
    channelId: text('channel_id').references(() => channels.id, { onDelete: 'set null' }),
    connectedById: text('connected_by_id').references(() => users.id, { onDelete: 'set null' }),
    connectedAt: integer('connected_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('integrations_org_provider').on(t.organizationId, t.provider),
    index('integrations_provider_account').on(t.provider, t.accountId),
    index('integrations_access_expiry').on(t.accessExpiresAt),
  ],
);

/** A pending OAuth authorisation: the SHA-256 of the state parameter, single use, 10 minutes. */
export const integrationOauthStates = sqliteTable('integration_oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  organizationId: orgId(),
  provider: text('provider', { enum: INTEGRATION_PROVIDERS }).notNull(),
  userId: text('user_id').notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
});

/** A video, Live or post of the connected account, synced from TikTok; tags are ours. */
export const automationPosts = sqliteTable(
  'automation_posts',
  {
    organizationId: orgId(),
    postId: text('post_id').notNull(),
    caption: text('caption'),
    isLive: integer('is_live', { mode: 'boolean' }).notNull().default(false),
    publishedAt: integer('published_at', { mode: 'timestamp_ms' }).notNull(),
    tags: json<string[]>('tags').notNull().default([]),
    syncedAt: integer('synced_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.postId] }),
    index('automation_posts_org_published').on(t.organizationId, t.publishedAt),
  ],
);

/** TikTok Shop catalog products ("Mentions a SKU" matches their names and seller SKUs). */
export const automationProducts = sqliteTable(
  'automation_products',
  {
    organizationId: orgId(),
    productId: text('product_id').notNull(),
    name: text('name').notNull(),
    skus: json<string[]>('skus').notNull().default([]),
    syncedAt: integer('synced_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.productId] })],
);

/** A comment-to-DM trigger: conditions (OR of AND groups), scope, priority (1 = highest), DM action. */
export const automationTriggers = sqliteTable(
  'automation_triggers',
  {
    id: id(),
    organizationId: orgId(),
    name: text('name').notNull(),
    status: text('status', { enum: ['DRAFT', 'ACTIVE'] })
      .notNull()
      .default('DRAFT'),
    priority: integer('priority').notNull(),
    match: json<unknown>('match').notNull(),
    scope: json<unknown>('scope').notNull(),
    publicReply: text('public_reply'),
    /** What the trigger starts: `{kind:'message', text}` today; part 2 adds flows. */
    action: json<unknown>('action').notNull(),
    duplicatedFromId: text('duplicated_from_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('automation_triggers_org_priority').on(t.organizationId, t.priority)],
);

/** Every comment received, once (deduped on the provider's comment id), with the outcome of its evaluation. */
export const automationComments = sqliteTable(
  'automation_comments',
  {
    organizationId: orgId(),
    commentId: text('comment_id').notNull(),
    channelId: text('channel_id').notNull(),
    postId: text('post_id').notNull(),
    commenterId: text('commenter_id').notNull(),
    commenterName: text('commenter_name'),
    // #17 inbox cards: the commenter's @handle (no `@`) and https avatar when TikTok sent them; they go on the
    // contact when the comment's DM opens a conversation.
    commenterHandle: text('commenter_handle'),
    commenterAvatarUrl: text('commenter_avatar_url'),
    text: text('text').notNull(),
    commentedAt: integer('commented_at', { mode: 'timestamp_ms' }).notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    /** PENDING until the evaluation job ran; EVALUATED afterwards. */
    status: text('status', { enum: ['PENDING', 'EVALUATED'] })
      .notNull()
      .default('PENDING'),
    evaluatedAt: integer('evaluated_at', { mode: 'timestamp_ms' }),
    /** The trigger that fired (at most one), and the one-line outcome. */
    firedTriggerId: text('fired_trigger_id'),
    outcome: text('outcome'),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.commentId] }),
    index('automation_comments_commenter').on(t.organizationId, t.channelId, t.commenterId, t.commentedAt),
  ],
);

/** The one DM a comment may cause: claimed (inserted) before anything is sent, so a comment never sends two. */
export const automationDms = sqliteTable(
  'automation_dms',
  {
    organizationId: orgId(),
    commentId: text('comment_id').notNull(),
    triggerId: text('trigger_id').notNull(),
    conversationId: text('conversation_id'),
    messageId: text('message_id'),
    /** SENT, FAILED, QUEUED (held at the contact cap), SKIPPED (missing scope). */
    dmStatus: text('dm_status'),
    dmDetail: text('dm_detail'),
    /** Claimed before the public reply is posted, so a retry never posts it twice. */
    publicReplyClaimedAt: integer('public_reply_claimed_at', { mode: 'timestamp_ms' }),
    publicReplyStatus: text('public_reply_status'),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.commentId] }),
    index('automation_dms_trigger').on(t.organizationId, t.triggerId),
  ],
);

/** Per (trigger × commenter): when the trigger last fired for them (24 h throttle), claimed atomically. */
export const automationThrottles = sqliteTable(
  'automation_throttles',
  {
    triggerId: text('trigger_id').notNull(),
    commenterId: text('commenter_id').notNull(),
    organizationId: orgId(),
    commentId: text('comment_id').notNull(),
    firedAt: integer('fired_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.triggerId, t.commenterId] })],
);

/** The evaluation log: one row per (trigger, comment), pruned to the last 50 per trigger by the cron. */
export const automationEvaluations = sqliteTable(
  'automation_evaluations',
  {
    triggerId: text('trigger_id').notNull(),
    commentId: text('comment_id').notNull(),
    organizationId: orgId(),
    outcome: text('outcome').notNull(),
    reason: text('reason').notNull(),
    postId: text('post_id').notNull(),
    commenterId: text('commenter_id').notNull(),
    commenterName: text('commenter_name'),
    text: text('text').notNull(),
    evaluatedAt: integer('evaluated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.triggerId, t.commentId] }),
    index('automation_evaluations_trigger_at').on(t.triggerId, t.evaluatedAt),
  ],
);

export type Integration = typeof integrations.$inferSelect;
export type AutomationTrigger = typeof automationTriggers.$inferSelect;
export type AutomationPost = typeof automationPosts.$inferSelect;
export type AutomationComment = typeof automationComments.$inferSelect;

/** A TikTok DM thread: the platform's conversation id for a user and the reply window it opened. */
export const tiktokThreads = sqliteTable(
  'tiktok_threads',
  {
    organizationId: orgId(),
    userId: text('user_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    lastInboundAt: integer('last_inbound_at', { mode: 'timestamp_ms' }).notNull(),
    /** Messages sent since the user's last message (TikTok allows a limited number per reply window). */
    sentInWindow: integer('sent_in_window').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] })],
);

// ── Message archive (worker/archive/): messages of long-closed conversations live in R2, not D1 ──────────

/**
 * One row per conversation whose messages were moved to the ARCHIVE bucket (one JSON-lines object per
 * conversation). The conversation row stays in D1 (the inbox lists it as before); its archived messages are
 * searched through archived_conversations_fts (migrations/0003_message_archive.sql), which shares this row's rowid.
 */
export const conversationArchives = sqliteTable(
  'conversation_archives',
  {
    conversationId: text('conversation_id')
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    /** The R2 key of the JSON-lines object (one message with its delivery events per line, by seq). */
    objectKey: text('object_key').notNull(),
    messageCount: integer('message_count').notNull(),
    /** The highest seq in the object: D1 rows above it are newer than the archive (a reopened conversation). */
    lastSeq: integer('last_seq').notNull(),
    bytes: integer('bytes').notNull(),
    /** The closedAt the conversation had when it was archived. */
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }).notNull(),
    archivedAt: integer('archived_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('conversation_archives_org').on(t.organizationId)],
);

/** Installation-wide archive bookkeeping: the cron's cursor over closed conversations and the D1 size alert level. */
export const archiveState = sqliteTable('archive_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

// ── DM flows, flow runs, handoff and the Bot / Human / Waiting / Closed state (automations/flows/, issue #17) ──

export const FLOW_RUN_STATUSES = [
  'RUNNING',
  'WAITING_REPLY',
  'WAITING_TIMER',
  'HANDED_OFF',
  'DONE',
  'STOPPED',
] as const;
export type FlowRunStatus = (typeof FLOW_RUN_STATUSES)[number];
export const AUTOMATION_STATES = ['BOT', 'HUMAN', 'WAITING', 'CLOSED'] as const;
export type AutomationState = (typeof AUTOMATION_STATES)[number];
export const CONTACT_TAG_SOURCES = ['FLOW', 'RULE', 'MEMBER'] as const;

/** A reusable DM flow; `blocks` is the current version's document (automations/flows/schema.ts). */
export const automationFlows = sqliteTable(
  'automation_flows',
  {
    id: id(),
    organizationId: orgId(),
    name: text('name').notNull(),
    /** Bumped by every edit; each version's document is kept in automation_flow_versions. */
    version: integer('version').notNull().default(1),
    blocks: json<unknown>('blocks').notNull(),
    duplicatedFromId: text('duplicated_from_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('automation_flows_org').on(t.organizationId, t.createdAt)],
);

/** Every version of a flow, so a run keeps executing the version it started with. */
export const automationFlowVersions = sqliteTable(
  'automation_flow_versions',
  {
    flowId: text('flow_id').notNull(),
    version: integer('version').notNull(),
    organizationId: orgId(),
    name: text('name').notNull(),
    blocks: json<unknown>('blocks').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.version] })],
);

/** A flow running in one conversation: where it is, what it captured, compare-and-set on `seq`. */
export const automationFlowRuns = sqliteTable(
  'automation_flow_runs',
  {
    id: id(),
    organizationId: orgId(),
    conversationId: text('conversation_id').notNull(),
    contactId: text('contact_id').notNull(),
    flowId: text('flow_id').notNull(),
    flowVersion: integer('flow_version').notNull(),
    triggerId: text('trigger_id'),
    commentId: text('comment_id'),
    postId: text('post_id'),
    currentBlockId: text('current_block_id'),
    fields: json<Record<string, string>>('fields').notNull().default({}),
    status: text('status', { enum: FLOW_RUN_STATUSES }).notNull().default('RUNNING'),
    /** Incremented by every advance; an advance applies only if seq is still the one it read. */
    seq: integer('seq').notNull().default(0),
    /** How many messages the bot sent in this run (their external ids are flow:<runId>:<n>). */
    sentCount: integer('sent_count').notNull().default(0),
    /** Consecutive free-text answers to the current quick-reply block. */
    freeTextCount: integer('free_text_count').notNull().default(0),
    /** WAITING_TIMER: when the Wait block is over (the minute cron and the queue job resume due runs). */
    wakeAt: integer('wake_at', { mode: 'timestamp_ms' }),
    /** Messages an advance decided to send and not yet handed to the pipeline (sent in order, then cleared). */
    outbox: json<unknown[]>('outbox').notNull().default([]),
    /** The last buyer message this run acted on: a redelivered one is not acted on twice. */
    lastInputId: text('last_input_id'),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('automation_flow_runs_conversation').on(t.organizationId, t.conversationId, t.startedAt),
    index('automation_flow_runs_flow').on(t.organizationId, t.flowId, t.startedAt),
    index('automation_flow_runs_wake').on(t.status, t.wakeAt),
  ],
);

/** One row per block a run enters (drop-off per step in Analytics → Flows). */
export const automationFlowSteps = sqliteTable(
  'automation_flow_steps',
  {
    organizationId: orgId(),
    runId: text('run_id').notNull(),
    flowId: text('flow_id').notNull(),
    blockId: text('block_id').notNull(),
    seq: integer('seq').notNull(),
    enteredAt: integer('entered_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('automation_flow_steps_run_block_seq').on(t.runId, t.blockId, t.seq),
    index('automation_flow_steps_flow').on(t.organizationId, t.flowId, t.enteredAt),
  ],
);

/** Every shop link sent in a conversation, by the bot (flow fields set) or an agent (flow fields null). */
export const automationShopLinks = sqliteTable(
  'automation_shop_links',
  {
    id: id(),
    organizationId: orgId(),
    conversationId: text('conversation_id').notNull(),
    contactId: text('contact_id').notNull(),
    productId: text('product_id').notNull(),
    /** The product's SKUs when the link was sent. */
    skus: json<string[]>('skus').notNull().default([]),
    messageId: text('message_id').notNull(),
    flowId: text('flow_id'),
    flowVersion: integer('flow_version'),
    blockId: text('block_id'),
    runId: text('run_id'),
    triggerId: text('trigger_id'),
    commentId: text('comment_id'),
    postId: text('post_id'),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('automation_shop_links_message_product').on(t.messageId, t.productId),
    index('automation_shop_links_contact').on(t.organizationId, t.contactId, t.sentAt),
    index('automation_shop_links_conversation').on(t.organizationId, t.conversationId, t.sentAt),
  ],
);

/** The automation state of a conversation a trigger, flow or handoff touched (none: never automated). */
export const conversationAutomation = sqliteTable(
  'conversation_automation',
  {
    conversationId: text('conversation_id')
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    state: text('state', { enum: AUTOMATION_STATES }).notNull(),
    /** WAITING: when the minute cron closes it. */
    waitingUntil: integer('waiting_until', { mode: 'timestamp_ms' }),
    handoffReason: text('handoff_reason'),
    /** The member who most recently owned the conversation (Take it, Assign to…). */
    lastOwnerId: text('last_owner_id'),
    triggerId: text('trigger_id'),
    flowRunId: text('flow_run_id'),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('conversation_automation_org_state').on(t.organizationId, t.state),
    index('conversation_automation_org_trigger').on(t.organizationId, t.triggerId),
    index('conversation_automation_waiting').on(t.state, t.waitingUntil),
  ],
);

/** Tags on a contact (Tag blocks, handoff rules, members). */
export const contactTags = sqliteTable(
  'contact_tags',
  {
    organizationId: orgId(),
    contactId: text('contact_id').notNull(),
    tag: text('tag').notNull(),
    source: text('source', { enum: CONTACT_TAG_SOURCES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.tag] }), index('contact_tags_org_tag').on(t.organizationId, t.tag)],
);

/** The workspace's own sensitive terms (the per-locale defaults live in code: automations/handoff-rules.ts). */
export const handoffRules = sqliteTable(
  'handoff_rules',
  {
    organizationId: orgId(),
    term: text('term').notNull(),
    handoff: integer('handoff', { mode: 'boolean' }).notNull(),
    tag: text('tag'),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.term] })],
);

/** Per-workspace automation settings: whether the default sensitive terms apply, and the Waiting window. */
export const automationSettings = sqliteTable('automation_settings', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  useDefaultHandoffTerms: integer('use_default_handoff_terms', { mode: 'boolean' }).notNull().default(true),
  waitWindowMinutes: integer('wait_window_minutes').notNull().default(1440),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export type AutomationFlow = typeof automationFlows.$inferSelect;
export type AutomationFlowRun = typeof automationFlowRuns.$inferSelect;
export type ConversationAutomation = typeof conversationAutomation.$inferSelect;

// ── Website chat: origins the widget refused (helper 20, issue #20) ──
/**
 * The recent origins a channel's widget refused (not in its allowed domains), so the channel page can say "your
 * widget on shop.example.com was refused". At most 20 per channel; writes are coalesced per isolate
 * (channels/website-chat/refused-origins.ts), so `count` is a lower bound.
 */
export const widgetRefusedOrigins = sqliteTable(
  'widget_refused_origins',
  {
    organizationId: orgId(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    origin: text('origin').notNull(),
    count: integer('count').notNull().default(1),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }).notNull(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.origin] }),
    index('widget_refused_origins_org_channel').on(t.organizationId, t.channelId, t.lastSeenAt),
  ],
);

// ── Order attribution: TikTok Shop orders and the conversation each is credited to (attribution/, issue #17) ──

/** ATTRIBUTED, SOFT (user + recent link, SKU not linked: the team confirms or rejects), ORGANIC, and the two
 * decisions on a SOFT one: CONFIRMED (counted as attributed) and REJECTED (counted as organic). */
export const ORDER_ATTRIBUTION_STATUSES = ['ATTRIBUTED', 'SOFT', 'ORGANIC', 'CONFIRMED', 'REJECTED'] as const;
export type OrderAttributionStatus = (typeof ORDER_ATTRIBUTION_STATUSES)[number];

/** One ordered SKU (TikTok Shop lists one line per unit; we keep one per SKU with its quantity). */
export interface OrderItem {
  productId: string | null;
  productName: string | null;
  skuId: string | null;
  /** The seller SKU (what shop links record and "Mentions a SKU" matches). */
  sku: string | null;
  skuName: string | null;
  quantity: number;
  /** Unit sale price as TikTok states it (decimal string in the order's currency). */
  unitPrice: string | null;
}

/** A TikTok Shop order, once per shop order id (webhook and sync upsert the same row). */
export const automationOrders = sqliteTable(
  'automation_orders',
  {
    id: id(),
    organizationId: orgId(),
    shopOrderId: text('shop_order_id').notNull(),
    /** TikTok's order status (UNPAID, AWAITING_SHIPMENT, IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED, …). */
    status: text('status').notNull(),
    /** The buyer's TikTok user id (matched against TikTok contacts' external ids). */
    buyerUserId: text('buyer_user_id'),
    currency: text('currency').notNull(),
    /** The order total in the currency's minor units (cents), so totals add up exactly. */
    totalMinor: integer('total_minor').notNull(),
    items: json<OrderItem[]>('items').notNull().default([]),
    orderCreatedAt: integer('order_created_at', { mode: 'timestamp_ms' }).notNull(),
    orderUpdatedAt: integer('order_updated_at', { mode: 'timestamp_ms' }).notNull(),
    /** How we first learned of it. */
    source: text('source', { enum: ['WEBHOOK', 'SYNC'] }).notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('automation_orders_org_shop_order').on(t.organizationId, t.shopOrderId),
    index('automation_orders_org_created').on(t.organizationId, t.orderCreatedAt),
  ],
);

/** The attribution of one order, decided once when the order is first stored (a replay changes nothing). */
export const automationOrderAttributions = sqliteTable(
  'automation_order_attributions',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => automationOrders.id, { onDelete: 'cascade' }),
    organizationId: orgId(),
    status: text('status', { enum: ORDER_ATTRIBUTION_STATUSES }).notNull(),
    contactId: text('contact_id'),
    conversationId: text('conversation_id'),
    /** The automation_shop_links row credited (last touch); its product, and the ordered SKU it matched. */
    shopLinkId: text('shop_link_id'),
    productId: text('product_id'),
    matchedSku: text('matched_sku'),
    postId: text('post_id'),
    commentId: text('comment_id'),
    triggerId: text('trigger_id'),
    flowId: text('flow_id'),
    flowVersion: integer('flow_version'),
    blockId: text('block_id'),
    runId: text('run_id'),
    linkSentAt: integer('link_sent_at', { mode: 'timestamp_ms' }),
    /** Order creation minus the comment's time; null when no comment led to the link (an agent sent it). */
    timeToOrderMs: integer('time_to_order_ms'),
    decidedById: text('decided_by_id'),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
    attributedAt: integer('attributed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('automation_order_attributions_org_status').on(t.organizationId, t.status),
    index('automation_order_attributions_org_conversation').on(t.organizationId, t.conversationId),
  ],
);

/** Per organisation: the order sync's high-water mark (TikTok's update_time of the newest order seen). */
export const automationOrderSyncs = sqliteTable('automation_order_syncs', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  syncedThrough: integer('synced_through', { mode: 'timestamp_ms' }).notNull(),
  lastRunAt: integer('last_run_at', { mode: 'timestamp_ms' }).notNull(),
  lastError: text('last_error'),
});

export type AutomationOrder = typeof automationOrders.$inferSelect;
export type AutomationOrderAttribution = typeof automationOrderAttributions.$inferSelect;

// ── Mentions in internal notes (notifications/mentions.ts) ──────────────────────────────────────────────────
/** The members an internal note @mentions (each one is notified once, through the MENTION preference). */
export const noteMentions = sqliteTable(
  'note_mentions',
  {
    messageId: text('message_id').notNull(),
    organizationId: orgId(),
    /** Deleting the conversation forgets its notes' mentions. */
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId] }), index('note_mentions_user').on(t.userId, t.createdAt)],
);

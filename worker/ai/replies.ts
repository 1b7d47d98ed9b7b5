// AI replies: builds the context a reply needs (channel prompt, knowledge passages, the conversation,
// the contact's earlier closed conversations, languages, tools), runs the chosen provider through the
// tool loop, charges the tokens, and hands the draft to the message pipeline.
import { and, desc, eq, inArray, lte, ne } from 'drizzle-orm';
import { estimateTokens, metered } from '../billing/metering';
import type { Db } from '../db/client';
import {
  type Channel,
  type Contact,
  type Conversation,
  channels,
  contacts,
  conversations,
  type Message,
  messages,
} from '../db/schema';
import type { AppBindings } from '../env';
import { searchKnowledge } from '../knowledge/search';
import { NotFoundError, UpstreamError, ValidationError } from '../lib/errors';
import { activeToolsFor } from './agent-tools';
import type { ChatCitation, ChatMessage, ChatModelOptions, GroundingPassage } from './chat-model';
import { clientToolRunner } from './client-tools';
import { providerForChannel } from './provider-config';
import { chatModelFor } from './providers';
import { polishDraft } from './providers/builtin';
import { runToolLoop, type ToolLoopOptions } from './tool-loop';

const HISTORY_LIMIT = 20;
const EARLIER_CONVERSATIONS = 3;
const EARLIER_MESSAGES_EACH = 3;
const PASSAGE_LIMIT = 5;

export interface ReplyOptions extends ToolLoopOptions, ChatModelOptions {}

export interface GenerateReplyInput {
  organizationId: string;
  conversationId: string;
  /** The inbound message to answer; the latest inbound message when omitted. */
  messageId?: string;
  /** A retried call with the same key is charged once (e.g. the auto-reply of one message). */
  idempotencyKey?: string;
}

/** Tokens held for a reply's output and tool rounds beyond its prompt; what is unused goes back. */
const REPLY_OUTPUT_ESTIMATE = 1_024;
const ENHANCE_OUTPUT_ESTIMATE = 512;

/** A composed AI reply, for the caller to post through the pipeline (composers never post). */
export interface ReplyDraft {
  organizationId: string;
  conversationId: string;
  senderType: 'AI';
  content: string;
  citations: ChatCitation[];
  language?: string;
}

interface ReplyContext {
  conversation: Conversation;
  channel: Channel;
  contact: Contact | null;
  history: Message[];
  question: Message;
}

async function loadContext(db: Db, input: GenerateReplyInput): Promise<ReplyContext> {
  const { organizationId, conversationId } = input;
  const [conversation] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.organizationId, organizationId), eq(conversations.id, conversationId)));
  if (!conversation) throw new NotFoundError('Conversation');
  const [[channel], [contact]] = await Promise.all([
    db
      .select()
      .from(channels)
      .where(and(eq(channels.organizationId, organizationId), eq(channels.id, conversation.channelId))),
    db
      .select()
      .from(contacts)
      .where(and(eq(contacts.organizationId, organizationId), eq(contacts.id, conversation.contactId))),
  ]);
  if (!channel) throw new NotFoundError('Channel');
  // The message to answer: the one asked for, or else the latest customer message.
  const [question] = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.organizationId, organizationId),
        eq(messages.conversationId, conversationId),
        input.messageId ? eq(messages.id, input.messageId) : eq(messages.direction, 'INBOUND'),
      ),
    )
    .orderBy(desc(messages.seq))
    .limit(1);
  if (input.messageId && !question) throw new NotFoundError('Message');
  if (question?.direction !== 'INBOUND') {
    throw new ValidationError('AI replies answer a customer message: there is none to answer yet');
  }
  // The conversation up to the message being answered; notes and drafts nobody approved stay out.
  const history = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.organizationId, organizationId),
        eq(messages.conversationId, conversationId),
        eq(messages.isNote, false),
        inArray(messages.approvalStatus, ['NONE', 'APPROVED']),
        lte(messages.seq, question.seq),
      ),
    )
    .orderBy(desc(messages.seq))
    .limit(HISTORY_LIMIT);
  return { conversation, channel, contact: contact ?? null, history: history.reverse(), question };
}

async function earlierConversations(db: Db, conversation: Conversation): Promise<string[]> {
  const closed = await db
    .select({ id: conversations.id, closedAt: conversations.closedAt, lastMessageAt: conversations.lastMessageAt })
    .from(conversations)
    .where(
      and(
        eq(conversations.organizationId, conversation.organizationId),
        eq(conversations.contactId, conversation.contactId),
        eq(conversations.status, 'CLOSED'),
        ne(conversations.id, conversation.id),
      ),
    )
    .orderBy(desc(conversations.lastMessageAt))
    .limit(EARLIER_CONVERSATIONS);
  return Promise.all(
    closed.map(async (c) => {
      const last = await db
        .select({ direction: messages.direction, content: messages.content })
        .from(messages)
        .where(
          and(
            eq(messages.organizationId, conversation.organizationId),
            eq(messages.conversationId, c.id),
            eq(messages.isNote, false),
            inArray(messages.approvalStatus, ['NONE', 'APPROVED']),
          ),
        )
        .orderBy(desc(messages.seq))
        .limit(EARLIER_MESSAGES_EACH);
      const when = (c.closedAt ?? c.lastMessageAt).toISOString().slice(0, 10);
      const lines = last.reverse().map((m) => `${m.direction === 'INBOUND' ? 'Customer' : 'Us'}: ${m.content}`);
      return `Closed ${when}:\n${lines.join('\n')}`;
    }),
  );
}

function systemPrompt(context: ReplyContext, passages: GroundingPassage[], earlier: string[]): string {
  const { channel, contact, conversation } = context;
  const customer = contact?.name || contact?.email || contact?.phone || contact?.externalId || 'unknown';
  const language = conversation.language ?? context.question.language;
  const sections = [
    channel.systemPrompt?.trim() ||
      'You are a friendly, concise customer-support assistant. Answer only what you can support with the knowledge below or the tools; otherwise say a teammate will follow up.',
    `Channel: ${channel.name} (${channel.type}). Customer: ${customer}.`,
    language
      ? `The customer writes in "${language}": reply in that language. The team works in "${channel.defaultLanguage}".`
      : `Reply in the customer's language. The team works in "${channel.defaultLanguage}".`,
  ];
  if (passages.length) {
    sections.push(
      `Knowledge base (cite the article titles you rely on):\n${passages
        .map((p, i) => `[${i + 1}] ${p.title}${p.heading ? ` — ${p.heading}` : ''}\n${p.text}`)
        .join('\n\n')}`,
    );
  } else {
    sections.push('Knowledge base: nothing relevant was found. Do not invent policies, prices or facts.');
  }
  if (earlier.length) sections.push(`Earlier closed conversations with this customer:\n${earlier.join('\n\n')}`);
  sections.push('Write only the reply to the customer, as plain text.');
  return sections.join('\n\n');
}

function chatHistory(history: Message[]): ChatMessage[] {
  return history.map((m) =>
    m.direction === 'INBOUND' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content },
  );
}

export async function generateReply(
  env: AppBindings,
  db: Db,
  input: GenerateReplyInput,
  options: ReplyOptions = {},
): Promise<ReplyDraft> {
  const context = await loadContext(db, input);
  const { organizationId } = input;
  const provider = await providerForChannel(db, organizationId, context.channel);
  const question = context.question.content;
  const [passages, earlier, tools] = await Promise.all([
    searchKnowledge(env, db, { organizationId, query: question, channelId: context.channel.id, limit: PASSAGE_LIMIT }),
    earlierConversations(db, context.conversation),
    provider.type === 'BUILTIN' ? Promise.resolve([]) : activeToolsFor(db, organizationId, context.channel.id),
  ]);
  const model = await chatModelFor(env, provider, options);
  const request = {
    system: systemPrompt(context, passages, earlier),
    messages: chatHistory(context.history),
    grounding: { question, passages },
  };
  const result = await metered(
    db,
    {
      organizationId,
      reason: 'AI_REPLY',
      referenceId: context.question.id,
      estimate: estimateTokens([request.system, ...request.messages.map((m) => m.content)], REPLY_OUTPUT_ESTIMATE),
      idempotencyKey: input.idempotencyKey,
    },
    () =>
      runToolLoop(
        env,
        db,
        { organizationId, conversationId: context.conversation.id, model, tools, request },
        { runClientTool: clientToolRunner(env, organizationId, context.conversation.id), ...options },
      ),
    (r) => r.usage,
  );
  const content = result.text.trim();
  if (!content) throw new UpstreamError(`The AI provider ${provider.name} returned an empty reply`);
  return {
    organizationId,
    conversationId: context.conversation.id,
    senderType: 'AI',
    content,
    citations: result.citations ?? citationsOf(passages),
    language: context.conversation.language ?? undefined,
  };
}

function citationsOf(passages: GroundingPassage[]): ChatCitation[] {
  const seen = new Map<string, ChatCitation>();
  for (const p of passages) {
    if (!seen.has(p.articleId)) seen.set(p.articleId, { articleId: p.articleId, title: p.title, url: p.url ?? null });
  }
  return [...seen.values()];
}

/** generate-reply on a message id: the message must be a customer's (INBOUND) message of this org. */
export async function generateReplyToMessage(
  env: AppBindings,
  db: Db,
  organizationId: string,
  messageId: string,
  options: ReplyOptions = {},
) {
  const [message] = await db
    .select({ conversationId: messages.conversationId, direction: messages.direction })
    .from(messages)
    .where(and(eq(messages.organizationId, organizationId), eq(messages.id, messageId)));
  if (!message) throw new NotFoundError('Message');
  if (message.direction !== 'INBOUND') {
    throw new ValidationError('AI replies answer a customer message: pick an inbound message');
  }
  return generateReply(env, db, { organizationId, conversationId: message.conversationId, messageId }, options);
}

/** Rewrites an agent's draft in the channel's voice (the built-in provider only tidies it). */
export async function enhanceDraft(
  env: AppBindings,
  db: Db,
  input: { organizationId: string; conversationId: string; content: string },
  options: ChatModelOptions = {},
): Promise<{ content: string }> {
  const { organizationId } = input;
  const [row] = await db
    .select({ channel: channels })
    .from(conversations)
    .innerJoin(channels, eq(channels.id, conversations.channelId))
    .where(and(eq(conversations.organizationId, organizationId), eq(conversations.id, input.conversationId)));
  if (!row) throw new NotFoundError('Conversation');
  const provider = await providerForChannel(db, organizationId, row.channel);
  const spec = {
    organizationId,
    reason: 'AI_ENHANCE',
    referenceId: input.conversationId,
    estimate: estimateTokens([input.content, row.channel.systemPrompt ?? ''], ENHANCE_OUTPUT_ESTIMATE),
  };
  if (provider.type === 'BUILTIN') {
    return metered(
      db,
      spec,
      async () => ({ content: polishDraft(input.content) }),
      (r) => ({ inputTokens: 0, outputTokens: Math.ceil(r.content.length / 4) }),
    );
  }
  const model = await chatModelFor(env, provider, options);
  const result = await metered(
    db,
    spec,
    () =>
      model.complete({
        system: [
          'Rewrite the support agent draft below so it is clear, warm and correct. Keep its meaning, facts and language; do not add promises or information.',
          row.channel.systemPrompt ? `House style and rules:\n${row.channel.systemPrompt}` : '',
          'Answer with the rewritten text only.',
        ]
          .filter(Boolean)
          .join('\n\n'),
        messages: [{ role: 'user', content: input.content }],
      }),
    (r) => r.usage,
  );
  const content = result.text.trim();
  if (!content) throw new UpstreamError(`The AI provider ${provider.name} returned an empty text`);
  return { content };
}

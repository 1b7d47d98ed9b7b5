// Two-way translation of conversation messages: customer messages get their language settled and a
// translation into the agents' language; replies held for translation get the customer's language.
// Runs as the message.translate job, and synchronously when an agent asks to retranslate.
import type { ChatModelOptions } from '../ai/chat-model';
import { loadChannel } from '../channels/channels';
import type { LogMessage, MessagePatch } from '../conversations/log';
import { conversationActor, loadConversation, loadMessageConversation, refOf } from '../conversations/refs';
import { createDb, type Db } from '../db/client';
import type { Channel, Conversation } from '../db/schema';
import type { AppBindings } from '../env';
import { enqueue, type JobOf } from '../jobs/types';
import { ConflictError, DomainError, NotFoundError, UpstreamError, ValidationError } from '../lib/errors';
import { agentLanguage, messageLanguage, primaryLanguage } from './detect';
import { translateText } from './translator';

/** Provider failures are retried this many times in all (with a growing delay) before the agent is told. */
export const MAX_TRANSLATION_ATTEMPTS = 3;
const RETRY_DELAY_SECONDS = 15;

/** What a translation needs: the text and its languages, and how the result lands on the message. */
type Plan =
  | { kind: 'translate'; text: string; from: string | null; to: string; apply: (translation: string) => MessagePatch }
  | { kind: 'patch'; patch: MessagePatch };

/** A customer message is translated into the agents' language; the customer's words stay in `content`. */
function inboundPlan(channel: Channel, message: LogMessage, source: string | null): Plan | null {
  if (!source) return null;
  const to = agentLanguage(channel);
  if (source === to) {
    return { kind: 'patch', patch: { language: source, translatedContent: null, translatedLanguage: null } };
  }
  return {
    kind: 'translate',
    text: message.content,
    from: source,
    to,
    apply: (translation) => ({ language: source, translatedContent: translation, translatedLanguage: to }),
  };
}

/**
 * A held reply is translated from the untranslated text (`originalContent`, which Send original sends) into
 * the customer's language; `content`, what Approve sends, becomes the translation.
 */
function outboundPlan(channel: Channel, message: LogMessage, target: string): Plan {
  const source = message.originalContent ?? message.content;
  // An AI draft has no originalContent: it was written in the language recorded on it.
  const from = message.originalContent !== null ? agentLanguage(channel) : primaryLanguage(message.language);
  if (from === target) {
    return {
      kind: 'patch',
      patch: { content: source, translatedContent: null, translatedLanguage: null, language: target },
    };
  }
  return {
    kind: 'translate',
    text: source,
    from,
    to: target,
    apply: (translation) => ({
      content: translation,
      originalContent: source,
      translatedContent: translation,
      translatedLanguage: target,
      language: target,
    }),
  };
}

/** The change a plan makes to the message, calling the translator when there is something to translate. */
async function patchFrom(
  env: AppBindings,
  db: Db,
  context: { conversation: Conversation; channel: Channel; message: LogMessage },
  plan: Plan,
  options: ChatModelOptions = {},
  idempotencyKey?: string,
): Promise<MessagePatch> {
  if (plan.kind === 'patch') return plan.patch;
  if (!plan.text.trim()) throw new ValidationError('The message has no text to translate');
  const translation = await translateText(
    env,
    db,
    {
      organizationId: context.conversation.organizationId,
      channel: context.channel,
      text: plan.text,
      from: plan.from,
      to: plan.to,
      referenceId: context.message.id,
      idempotencyKey,
    },
    options,
  );
  return plan.apply(translation);
}

/**
 * Writes a translation onto the message. A reply an agent decided while the provider was translating keeps
 * what was sent: it is not rewritten afterwards (null then).
 */
async function applyPatch(
  env: AppBindings,
  conversation: Conversation,
  message: LogMessage,
  patch: MessagePatch,
): Promise<LogMessage | null> {
  const actor = conversationActor(env, conversation.id);
  const ref = refOf(conversation);
  if (message.direction === 'OUTBOUND') {
    const current = await actor.getMessage(ref, message.id);
    if (current?.approvalStatus !== 'PENDING') return null;
  }
  return actor.patchMessage(ref, message.id, patch);
}

/**
 * Settles the language of an accepted customer message (rule in detect.ts) and records it on the message;
 * the conversation takes it when it has none yet or when a long enough message is detected in another one.
 * Returns the message, or null when it is not a customer message of this conversation.
 */
export async function settleInboundLanguage(
  env: AppBindings,
  conversation: Conversation,
  channel: Channel,
  messageId: string,
): Promise<LogMessage | null> {
  const actor = conversationActor(env, conversation.id);
  const ref = refOf(conversation);
  const [state, message] = await Promise.all([actor.state(ref), actor.getMessage(ref, messageId)]);
  if (message?.direction !== 'INBOUND') return null;
  const current = primaryLanguage(state.language);
  const guess = messageLanguage(message.content, {
    conversationLanguage: current,
    fallbackLanguage: channel.fallbackLanguage,
  });
  if (!guess.language) return message;
  if (!current || (guess.detected && guess.language !== current)) {
    await actor.update(ref, { language: guess.language });
  }
  if (guess.language === message.language) return message;
  return (await actor.patchMessage(ref, message.id, { language: guess.language })) ?? message;
}

/** Whether the message.translate job has work for this customer message. */
export function inboundNeedsTranslation(channel: Channel, message: LogMessage): boolean {
  const to = agentLanguage(channel);
  return (
    channel.autoTranslate &&
    !message.isNote &&
    message.content.trim() !== '' &&
    message.language !== null &&
    message.language !== to &&
    !(message.translatedLanguage === to && message.translatedContent)
  );
}

/**
 * The message.translate job. Customer messages get a translation into the agents' language when the channel
 * translates; a held reply gets translated into the customer's language and stays PENDING for an agent.
 * Done work is not redone. Provider failures are retried a bounded number of times; a translation that
 * cannot be made (no provider able to translate, no tokens, provider down for good) is recorded on the
 * message as a TRANSLATION_FAILED event with the reason, and the message stays as it is.
 */
export async function onMessageTranslate(
  env: AppBindings,
  job: JobOf<'message.translate'>,
  options: ChatModelOptions = {},
): Promise<void> {
  const db = createDb(env.DB);
  const conversation = await loadConversation(db, job.organizationId, job.conversationId).catch(() => null);
  if (!conversation) return;
  const channel = await loadChannel(db, job.organizationId, conversation.channelId).catch(() => null);
  if (!channel) return;
  const actor = conversationActor(env, conversation.id);
  const ref = refOf(conversation);
  const [state, message] = await Promise.all([actor.state(ref), actor.getMessage(ref, job.messageId)]);
  if (!message || message.isNote) return;
  let plan: Plan | null = null;
  if (message.direction === 'INBOUND') {
    if (inboundNeedsTranslation(channel, message)) plan = inboundPlan(channel, message, message.language);
  } else {
    const customer = primaryLanguage(state.language);
    if (message.approvalStatus === 'PENDING' && message.translatedLanguage === null && customer) {
      plan = outboundPlan(channel, message, customer);
      // Nothing to translate (the customer turned out to write the agents' language): the reply waits as it is.
      if (plan.kind === 'patch') plan = null;
    }
  }
  if (!plan) return;
  try {
    await applyPatch(
      env,
      conversation,
      message,
      // A redelivered job is charged once; a retry after a provider failure (a new attempt) was never charged.
      await patchFrom(
        env,
        db,
        { conversation, channel, message },
        plan,
        options,
        plan.kind === 'translate' ? `message.translate:${message.id}:${plan.to}:${job.attempt ?? 1}` : undefined,
      ),
    );
  } catch (error) {
    const attempt = job.attempt ?? 1;
    if (error instanceof UpstreamError && attempt < MAX_TRANSLATION_ATTEMPTS) {
      console.warn(`Translation of message ${message.id} failed (attempt ${attempt}), retrying:`, error.message);
      await enqueue(env.JOBS, { ...job, attempt: attempt + 1 }, { delaySeconds: RETRY_DELAY_SECONDS * attempt });
      return;
    }
    if (!(error instanceof DomainError)) throw error;
    console.warn(`Translation of message ${message.id} failed for good:`, error.message);
    // One per message (a fixed id), so a redelivered job does not repeat it.
    await actor.recordEvent(ref, message.id, {
      id: `${message.id}:translation-failed`,
      type: 'TRANSLATION_FAILED',
      detail: error.message,
    });
  }
}

async function loadMessageContext(db: Db, organizationId: string, messageId: string) {
  const conversation = await loadMessageConversation(db, organizationId, messageId);
  const channel = await loadChannel(db, organizationId, conversation.channelId);
  return { conversation, channel };
}

/**
 * An agent's "Retranslate". A reply still waiting for approval is translated again into the customer's
 * language — `language` corrects it, and then the conversation's language too. A customer message is
 * translated again into the agents' language — `language` corrects the language it was written in.
 * Synchronous: provider failures surface as errors (502, 402, 400) and change nothing.
 */
export async function retranslateMessage(
  env: AppBindings,
  db: Db,
  organizationId: string,
  messageId: string,
  input: { language?: string },
  options: ChatModelOptions = {},
): Promise<LogMessage> {
  const { conversation, channel } = await loadMessageContext(db, organizationId, messageId);
  const actor = conversationActor(env, conversation.id);
  const ref = refOf(conversation);
  const [state, message] = await Promise.all([actor.state(ref), actor.getMessage(ref, messageId)]);
  if (!message) throw new NotFoundError('Message');
  if (message.isNote)
    throw new ValidationError('Internal notes are never sent to the customer, so they are not translated');
  const corrected = primaryLanguage(input.language);
  if (message.direction === 'INBOUND') {
    const source = corrected ?? message.language;
    const plan = inboundPlan(channel, message, source);
    if (!plan) {
      throw ValidationError.field('language', "The message's language is not known yet: say which language it is in");
    }
    const patch = await patchFrom(env, db, { conversation, channel, message }, plan, options);
    return (await applyPatch(env, conversation, message, patch)) ?? message;
  }
  if (message.approvalStatus !== 'PENDING') {
    throw new ConflictError(
      'Only a reply still waiting for approval can be retranslated: this one was already decided',
    );
  }
  const target = corrected ?? primaryLanguage(state.language);
  if (!target) {
    throw ValidationError.field(
      'language',
      "The customer's language is not known yet: choose the language to translate into",
    );
  }
  const patch = await patchFrom(
    env,
    db,
    { conversation, channel, message },
    outboundPlan(channel, message, target),
    options,
  );
  const patched = await applyPatch(env, conversation, message, patch);
  if (!patched) throw new ConflictError('The reply was approved or rejected while it was being translated');
  if (corrected && corrected !== primaryLanguage(state.language)) await actor.update(ref, { language: corrected });
  return patched;
}

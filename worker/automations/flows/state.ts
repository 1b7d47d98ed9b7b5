// The conversation side of automations: the Automation view (state, owner, trigger, flow position, captured
// fields, contact tags), Take it, Hand back to bot, the inbox list's `automation` field and the tags in use.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { updateConversation } from '../../conversations/inbox';
import { loadConversation } from '../../conversations/refs';
import type { Db } from '../../db/client';
import {
  type AutomationState,
  automationFlowRuns,
  automationFlows,
  automationTriggers,
  contactTags,
  conversationAutomation,
  conversations,
} from '../../db/schema';
import type { AppBindings } from '../../env';
import { ConflictError } from '../../lib/errors';
import { currentRun, loadAutomation, setAutomation, stepRun } from './runs';
import { ACTIVE_RUN_STATUSES } from './runtime';
import { loadFlowVersion } from './store';

export interface AutomationView {
  state: AutomationState;
  waitingUntil: number | null;
  /** When a run paused in a Wait block goes on (ms); null unless the bot is sleeping in one. */
  wakeAt: number | null;
  handoffReason: string | null;
  ownerId: string | null;
  lastOwnerId: string | null;
  trigger: { id: string; name: string } | null;
  flow: { id: string; name: string; version: number } | null;
  currentBlockId: string | null;
  fields: Record<string, string>;
  tags: string[];
}

async function tagsOf(db: Db, organizationId: string, contactId: string): Promise<string[]> {
  const rows = await db
    .select({ tag: contactTags.tag })
    .from(contactTags)
    .where(and(eq(contactTags.organizationId, organizationId), eq(contactTags.contactId, contactId)))
    .orderBy(contactTags.createdAt, contactTags.tag);
  return rows.map((r) => r.tag);
}

export async function automationView(
  db: Db,
  organizationId: string,
  conversationId: string,
): Promise<AutomationView | null> {
  const conversation = await loadConversation(db, organizationId, conversationId);
  const row = await loadAutomation(db, organizationId, conversationId);
  if (!row) return null;
  const run = await currentRun(db, organizationId, conversationId);
  const [trigger] = row.triggerId
    ? await db
        .select({ id: automationTriggers.id, name: automationTriggers.name })
        .from(automationTriggers)
        .where(and(eq(automationTriggers.organizationId, organizationId), eq(automationTriggers.id, row.triggerId)))
    : [];
  const version = run ? await loadFlowVersion(db, organizationId, run.flowId, run.flowVersion) : null;
  return {
    state: row.state,
    waitingUntil: row.state === 'WAITING' ? (row.waitingUntil?.getTime() ?? null) : null,
    wakeAt: row.state === 'BOT' && run?.status === 'WAITING_TIMER' ? (run.wakeAt?.getTime() ?? null) : null,
    handoffReason: row.handoffReason,
    ownerId: conversation.assignedToId,
    lastOwnerId: row.lastOwnerId,
    trigger: trigger ?? null,
    flow: run && version ? { id: run.flowId, name: version.name, version: run.flowVersion } : null,
    currentBlockId: run?.currentBlockId ?? null,
    fields: run?.fields ?? {},
    tags: await tagsOf(db, organizationId, conversation.contactId),
  };
}

/**
 * A teammate now owns the conversation (Take it, Assign to…): the bot stops (its run pauses where it is) and the
 * state is HUMAN; the owner is remembered as the most recent one.
 */
export async function markOwned(db: Db, ref: { organizationId: string; conversationId: string }, ownerId: string) {
  await db
    .update(automationFlowRuns)
    .set({ status: 'HANDED_OFF', wakeAt: null, seq: sql`${automationFlowRuns.seq} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(automationFlowRuns.organizationId, ref.organizationId),
        eq(automationFlowRuns.conversationId, ref.conversationId),
        inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES]),
      ),
    );
  await setAutomation(db, ref, { state: 'HUMAN', waitingUntil: null, lastOwnerId: ownerId });
}

/** Take it: assigned to me through the conversation's actor (the usual assignment, event included), HUMAN. */
export async function takeConversation(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  userId: string,
) {
  await updateConversation(env, db, organizationId, conversationId, { assignedToId: userId }, { userId });
  await markOwned(db, { organizationId, conversationId }, userId);
  return (await automationView(db, organizationId, conversationId))!;
}

/** Why the bot cannot take the conversation back, or null when it can (resuming a paused run). */
async function handBackRefusal(db: Db, organizationId: string, conversationId: string) {
  const row = await loadAutomation(db, organizationId, conversationId);
  if (row && (row.state === 'BOT' || row.state === 'WAITING')) return 'The bot already has this conversation';
  const run = await currentRun(db, organizationId, conversationId);
  if (!run) return 'No flow ran in this conversation: there is no flow to hand it back to';
  const [flow] = await db
    .select({ id: automationFlows.id })
    .from(automationFlows)
    .where(and(eq(automationFlows.organizationId, organizationId), eq(automationFlows.id, run.flowId)));
  if (!flow || !(await loadFlowVersion(db, organizationId, run.flowId, run.flowVersion))) {
    return 'The flow was deleted: there is nothing to resume';
  }
  if (run.status === 'DONE') return 'The flow finished: there is no step left to resume';
  if (run.status === 'STOPPED') {
    return 'The flow run was stopped (the conversation was resolved, or a newer trigger replaced it)';
  }
  if (run.status === 'HANDED_OFF' && !run.currentBlockId) {
    return 'The flow finished at its Handoff block: there is no step left to resume';
  }
  if (run.status !== 'HANDED_OFF') return 'The bot already has this conversation';
  return null;
}

/**
 * Hand back to bot: the conversation is unassigned (its owner stays the most recent one) and the paused run
 * resumes at the block where it stopped; a question it was waiting on is asked again.
 */
export async function handBackConversation(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  userId: string,
) {
  const conversation = await loadConversation(db, organizationId, conversationId);
  const refusal = await handBackRefusal(db, organizationId, conversationId);
  if (refusal) throw new ConflictError(refusal);
  const run = (await currentRun(db, organizationId, conversationId))!;
  const ref = { organizationId, conversationId };
  await setAutomation(db, ref, {
    state: 'BOT',
    waitingUntil: null,
    handoffReason: null,
    lastOwnerId: conversation.assignedToId ?? (await loadAutomation(db, organizationId, conversationId))?.lastOwnerId,
    flowRunId: run.id,
  });
  if (conversation.assignedToId) {
    await updateConversation(env, db, organizationId, conversationId, { assignedToId: null }, { userId });
  }
  await stepRun(env, run.id, { kind: 'resume' });
  return (await automationView(db, organizationId, conversationId))!;
}

/** The inbox list's `automation` field for a page of conversations (null: no automation ever touched it). */
export async function automationSummaries(db: Db, organizationId: string, conversationIds: string[]) {
  const out = new Map<string, AutomationSummary>();
  if (!conversationIds.length) return out;
  const rows = await db
    .select({
      conversationId: conversationAutomation.conversationId,
      state: conversationAutomation.state,
      waitingUntil: conversationAutomation.waitingUntil,
      triggerId: conversationAutomation.triggerId,
      triggerName: automationTriggers.name,
      contactId: conversations.contactId,
    })
    .from(conversationAutomation)
    .innerJoin(conversations, eq(conversations.id, conversationAutomation.conversationId))
    .leftJoin(
      automationTriggers,
      and(
        eq(automationTriggers.id, conversationAutomation.triggerId),
        eq(automationTriggers.organizationId, organizationId),
      ),
    )
    .where(
      and(
        eq(conversationAutomation.organizationId, organizationId),
        inArray(conversationAutomation.conversationId, conversationIds),
      ),
    );
  const contactIds = [...new Set(rows.map((r) => r.contactId))];
  const tags = contactIds.length
    ? await db
        .select({ contactId: contactTags.contactId, tag: contactTags.tag })
        .from(contactTags)
        .where(and(eq(contactTags.organizationId, organizationId), inArray(contactTags.contactId, contactIds)))
        .orderBy(contactTags.createdAt, contactTags.tag)
    : [];
  for (const r of rows) {
    out.set(r.conversationId, {
      state: r.state,
      waitingUntil: r.state === 'WAITING' ? (r.waitingUntil?.getTime() ?? null) : null,
      triggerId: r.triggerId,
      triggerName: r.triggerName ?? null,
      tags: tags.filter((t) => t.contactId === r.contactId).map((t) => t.tag),
    });
  }
  return out;
}

export type AutomationSummary = {
  state: AutomationState;
  waitingUntil: number | null;
  triggerId: string | null;
  triggerName: string | null;
  tags: string[];
};

/** Adds `automation` to each item of an inbox list page (paging fields kept). */
export async function withAutomation<P extends { items: { id: string }[] }>(
  db: Db,
  organizationId: string,
  page: P,
): Promise<Omit<P, 'items'> & { items: (P['items'][number] & { automation: AutomationSummary | null })[] }> {
  const summaries = await automationSummaries(
    db,
    organizationId,
    page.items.map((i) => i.id),
  );
  return { ...page, items: page.items.map((i) => ({ ...i, automation: summaries.get(i.id) ?? null })) };
}

/** Contact tags in use, most used first (the inbox's "by tag" view). */
export async function contactTagCounts(db: Db, organizationId: string) {
  const rows = await db
    .select({ tag: contactTags.tag, count: sql<number>`count(*)` })
    .from(contactTags)
    .where(eq(contactTags.organizationId, organizationId))
    .groupBy(contactTags.tag)
    .orderBy(sql`count(*) desc`, contactTags.tag)
    .limit(500);
  return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
}

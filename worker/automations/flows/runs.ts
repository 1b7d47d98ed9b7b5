// Flow runs in D1: one per (comment that started a flow), durable across restarts. Every change to a run is a
// compare-and-set on its `seq`, so two deliveries of the same buyer reply (or a reply racing a Wait's timer)
// advance it once. An advance stores the messages it decided to send in the run's outbox in the same write;
// they then go out in order through the one outbound road (postOutbound) as SYSTEM messages with the ids
// `flow:<runId>:<n>` (the run's first message answers the comment: `comment:<commentId>`), so a retried
// flush never sends twice, and the cron flushes an outbox a crash left behind.
import { and, desc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import { holdMessage, macAllowsAutomatedSend } from '../../billing/contacts';
import { COMMENT_DM_PREFIX } from '../../channels/tiktok/adapter';
import { updateConversation } from '../../conversations/inbox';
import type { LogMessage } from '../../conversations/log';
import { deliverMessage, postOutbound } from '../../conversations/pipeline';
import { loadConversation } from '../../conversations/refs';
import type { Db } from '../../db/client';
import { createDb } from '../../db/client';
import {
  type AutomationFlowRun,
  type AutomationState,
  automationFlowRuns,
  automationFlowSteps,
  automationFlows,
  contactTags,
  conversationAutomation,
} from '../../db/schema';
import type { AppBindings } from '../../env';
import { enqueue, type JobOf } from '../../jobs/types';
import { ConflictError } from '../../lib/errors';
import { loadSettings } from '../handoff-rules';
import { recordShopLinks } from '../shop-links';
import { ACTIVE_RUN_STATUSES, advance, type FlowInput, type RunState } from './runtime';
import { loadFlowVersion } from './store';

/** A flow message decided by an advance and not yet handed to the pipeline. */
interface OutboxItem {
  externalId: string;
  blockId: string;
  text: string;
  productIds: string[];
}

/** Queue delays are capped at 12 hours; a longer Wait is picked up by the minute cron. */
const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;
/** An outbox older than this was left by a run that died: the cron sends it. */
const OUTBOX_LEASE_MS = 60_000;

// ── Conversation automation state ───────────────────────────────────────────────────────────────────────────

export async function loadAutomation(db: Db, organizationId: string, conversationId: string) {
  const [row] = await db
    .select()
    .from(conversationAutomation)
    .where(
      and(
        eq(conversationAutomation.organizationId, organizationId),
        eq(conversationAutomation.conversationId, conversationId),
      ),
    );
  return row ?? null;
}

/**
 * Whether automations hold the conversation (BOT, WAITING or HUMAN): the AI-reply subscriber stays silent then,
 * so the bot never improvises beside a flow or a teammate.
 */
export async function automationHoldsConversation(db: Db, organizationId: string, conversationId: string) {
  const row = await loadAutomation(db, organizationId, conversationId);
  return row !== null && row.state !== 'CLOSED';
}

export async function setAutomation(
  db: Db,
  ref: { organizationId: string; conversationId: string },
  changes: {
    state: AutomationState;
    waitingUntil?: Date | null;
    handoffReason?: string | null;
    lastOwnerId?: string | null;
    triggerId?: string | null;
    flowRunId?: string | null;
  },
  now = Date.now(),
) {
  const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  await db
    .insert(conversationAutomation)
    .values({
      conversationId: ref.conversationId,
      organizationId: ref.organizationId,
      waitingUntil: null,
      handoffReason: null,
      ...set,
      state: changes.state,
      updatedAt: new Date(now),
    })
    .onConflictDoUpdate({ target: conversationAutomation.conversationId, set: { ...set, updatedAt: new Date(now) } });
}

export async function addContactTags(
  db: Db,
  ref: { organizationId: string; contactId: string },
  tags: string[],
  source: 'FLOW' | 'RULE' | 'MEMBER',
) {
  const unique = [...new Set(tags)].slice(0, 20);
  if (!unique.length) return;
  await db
    .insert(contactTags)
    .values(unique.map((tag) => ({ organizationId: ref.organizationId, contactId: ref.contactId, tag, source })))
    .onConflictDoNothing();
}

/**
 * A human takes over: the conversation's unfinished run pauses where it is (Hand back resumes it there), the
 * state becomes HUMAN and a system note in the thread says why. Once HUMAN the bot sends nothing.
 */
export async function handOff(
  env: AppBindings,
  db: Db,
  ref: { organizationId: string; conversationId: string },
  reason: string,
  noteKey: string,
  now = Date.now(),
) {
  await db
    .update(automationFlowRuns)
    .set({ status: 'HANDED_OFF', wakeAt: null, seq: sql`${automationFlowRuns.seq} + 1`, updatedAt: new Date(now) })
    .where(
      and(
        eq(automationFlowRuns.organizationId, ref.organizationId),
        eq(automationFlowRuns.conversationId, ref.conversationId),
        inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES]),
      ),
    );
  await setAutomation(db, ref, { state: 'HUMAN', waitingUntil: null, handoffReason: reason.slice(0, 300) }, now);
  await postOutbound(env, {
    organizationId: ref.organizationId,
    conversationId: ref.conversationId,
    senderType: 'SYSTEM',
    isNote: true,
    content: `Handed to a human: ${reason}`,
    externalId: `handoff:${noteKey}`.slice(0, 200),
  });
}

// ── Runs ────────────────────────────────────────────────────────────────────────────────────────────────────

async function loadRun(db: Db, runId: string) {
  const [row] = await db.select().from(automationFlowRuns).where(eq(automationFlowRuns.id, runId));
  return row ?? null;
}

/** The conversation's newest run (the one its automation row points at, else the latest started). */
export async function currentRun(db: Db, organizationId: string, conversationId: string) {
  const [row] = await db
    .select()
    .from(automationFlowRuns)
    .where(
      and(eq(automationFlowRuns.organizationId, organizationId), eq(automationFlowRuns.conversationId, conversationId)),
    )
    .orderBy(desc(automationFlowRuns.startedAt), desc(automationFlowRuns.seq))
    .limit(1);
  return row ?? null;
}

const stateOf = (run: AutomationFlowRun): RunState => ({
  currentBlockId: run.currentBlockId,
  fields: run.fields,
  status: run.status,
  freeTextCount: run.freeTextCount,
  wakeAt: run.wakeAt?.getTime() ?? null,
});

/** Where the conversation stands after an advance (HANDED_OFF is handOff's). */
async function settleState(db: Db, run: AutomationFlowRun, now: number) {
  if (run.status === 'HANDED_OFF' || run.status === 'STOPPED') return;
  const ref = { organizationId: run.organizationId, conversationId: run.conversationId };
  if (run.status === 'WAITING_REPLY' || run.status === 'DONE') {
    const { waitWindowMinutes } = await loadSettings(db, run.organizationId);
    await setAutomation(
      db,
      ref,
      { state: 'WAITING', waitingUntil: new Date(now + waitWindowMinutes * 60_000), handoffReason: null },
      now,
    );
  } else {
    await setAutomation(db, ref, { state: 'BOT', waitingUntil: null, handoffReason: null }, now);
  }
}

export interface FlushResult {
  first: LogMessage | null;
  /** Why the bot could not send (the channel refused before anything was stored), or null. */
  refused: string | null;
}

/** Sends the run's outbox in order; each message once, whoever flushes. */
async function flush(env: AppBindings, db: Db, run: AutomationFlowRun): Promise<FlushResult> {
  const items = run.outbox as OutboxItem[];
  if (!items.length) return { first: null, refused: null };
  let first: LogMessage | null = null;
  let refused: string | null = null;
  for (const item of items) {
    const allowed = await macAllowsAutomatedSend(env, db, run.organizationId, {
      contactId: run.contactId,
      conversationId: run.conversationId,
    });
    let message: LogMessage;
    try {
      message = await postOutbound(env, {
        organizationId: run.organizationId,
        conversationId: run.conversationId,
        senderType: 'SYSTEM',
        content: item.text,
        externalId: item.externalId,
        approvalStatus: allowed ? 'NONE' : 'PENDING',
      });
    } catch (error) {
      // The channel refused before storing it (TikTok: the reply window is closed or its quota used).
      if (!(error instanceof ConflictError)) throw error;
      refused = error.message;
      break;
    }
    if (!allowed) {
      await holdMessage(db, {
        organizationId: run.organizationId,
        messageId: message.id,
        conversationId: run.conversationId,
        contactId: run.contactId,
      });
    } else if (message.deliveryStatus === 'NOT_SENT' && message.approvalStatus === 'NONE') {
      // Stored by a flush that died before handing it over: hand it over now (TikTok refuses a second private
      // reply to a comment, so a DM that did reach it is not sent twice).
      message = await deliverMessage(
        env,
        db,
        await loadConversation(db, run.organizationId, run.conversationId),
        message,
      );
    }
    first ??= message;
    if (item.productIds.length) {
      await recordShopLinks(
        db,
        {
          organizationId: run.organizationId,
          conversationId: run.conversationId,
          contactId: run.contactId,
          messageId: message.id,
          sentAt: message.createdAt ? new Date(message.createdAt).getTime() : Date.now(),
          flow: {
            flowId: run.flowId,
            flowVersion: run.flowVersion,
            blockId: item.blockId,
            runId: run.id,
            triggerId: run.triggerId,
            commentId: run.commentId,
            postId: run.postId,
          },
        },
        item.productIds,
      );
    }
  }
  // Cleared only if no other advance appended to it meanwhile (that one's flush sends the lot, deduped by id).
  await db
    .update(automationFlowRuns)
    .set({ outbox: [] })
    .where(and(eq(automationFlowRuns.id, run.id), eq(automationFlowRuns.seq, run.seq)));
  if (refused) {
    await handOff(
      env,
      db,
      { organizationId: run.organizationId, conversationId: run.conversationId },
      `The bot could not send its message (${refused})`,
      `refused:${run.id}:${run.seq}`,
    );
  }
  return { first, refused };
}

export interface StepResult {
  run: AutomationFlowRun;
  advanced: boolean;
  flushed: FlushResult;
}

/**
 * Applies one input to a run: advance (compare-and-set on seq; a lost race re-reads and tries again), then
 * steps, tags, the conversation's state, the Wait timer, the messages, and the handoff if the flow asks for one.
 * With `inputId` (the buyer message's id) a redelivered input is not applied twice.
 */
export async function stepRun(
  env: AppBindings,
  runId: string,
  input: FlowInput,
  options: { inputId?: string; now?: number; commentDm?: boolean } = {},
): Promise<StepResult | null> {
  const db = createDb(env.DB);
  const now = options.now ?? Date.now();
  for (let attempt = 0; attempt < 5; attempt++) {
    const run = await loadRun(db, runId);
    if (!run) return null;
    if (options.inputId && run.lastInputId === options.inputId) {
      return { run, advanced: false, flushed: await flush(env, db, run) };
    }
    // A run starts once: a retried start only sends what its first start left unsent.
    if (input.kind === 'start' && run.seq > 0) return { run, advanced: false, flushed: await flush(env, db, run) };
    const doc = await loadFlowVersion(db, run.organizationId, run.flowId, run.flowVersion);
    if (!doc) return { run, advanced: false, flushed: { first: null, refused: null } };
    const next = advance(doc.blocks, stateOf(run), input, now);
    if (!next) return { run, advanced: false, flushed: await flush(env, db, run) };
    let items: OutboxItem[] = next.outgoing.map((o, i) => ({
      externalId: `flow:${run.id}:${run.sentCount + i + 1}`,
      blockId: o.blockId,
      text: o.text,
      productIds: o.productIds,
    }));
    if (options.commentDm && run.commentId && items.length) {
      // TikTok takes one private reply per comment until the buyer writes: the run's opening messages go as one.
      items = [
        {
          externalId: `${COMMENT_DM_PREFIX}${run.commentId}`,
          blockId: items.at(-1)!.blockId,
          text: items.map((i) => i.text).join('\n\n'),
          productIds: [...new Set(items.flatMap((i) => i.productIds))],
        },
      ];
    }
    const [updated] = await db
      .update(automationFlowRuns)
      .set({
        currentBlockId: next.state.currentBlockId,
        fields: next.state.fields,
        status: next.state.status,
        freeTextCount: next.state.freeTextCount,
        wakeAt: next.state.wakeAt === null ? null : new Date(next.state.wakeAt),
        seq: run.seq + 1,
        sentCount: run.sentCount + items.length,
        outbox: [...(run.outbox as OutboxItem[]), ...items],
        lastInputId: options.inputId ?? run.lastInputId,
        updatedAt: new Date(now),
      })
      .where(and(eq(automationFlowRuns.id, run.id), eq(automationFlowRuns.seq, run.seq)))
      .returning();
    if (!updated) continue;
    if (next.steps.length) {
      await db
        .insert(automationFlowSteps)
        .values(
          next.steps.map((blockId) => ({
            organizationId: run.organizationId,
            runId: run.id,
            flowId: run.flowId,
            blockId,
            seq: updated.seq,
            enteredAt: new Date(now),
          })),
        )
        .onConflictDoNothing();
    }
    await addContactTags(db, { organizationId: run.organizationId, contactId: run.contactId }, next.tags, 'FLOW');
    await settleState(db, updated, now);
    if (updated.status === 'WAITING_TIMER' && updated.wakeAt) {
      const delay = Math.ceil((updated.wakeAt.getTime() - now) / 1000);
      await enqueue(
        env.JOBS,
        { kind: 'automation.flow', organizationId: run.organizationId, runId: run.id },
        { delaySeconds: Math.max(0, Math.min(delay, MAX_QUEUE_DELAY_SECONDS)) },
      ).catch((error) => console.error(`Flow run ${run.id}: wake job not enqueued, the cron wakes it:`, error));
    }
    const flushed = await flush(env, db, updated);
    if (next.handoff) {
      await handOff(
        env,
        db,
        { organizationId: run.organizationId, conversationId: run.conversationId },
        next.handoff,
        `run:${run.id}:${updated.seq}`,
        now,
      );
    }
    return { run: (await loadRun(db, run.id)) ?? updated, advanced: true, flushed };
  }
  throw new Error(`Flow run ${runId}: five concurrent changes in a row, giving up for a retry`);
}

/** A deterministic run id for a comment, so a retried evaluation finds the run it started. */
async function runIdFor(organizationId: string, commentId: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${organizationId}:${commentId}`)),
  );
  const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface StartFlow {
  organizationId: string;
  conversationId: string;
  contactId: string;
  flowId: string;
  triggerId: string;
  commentId: string;
  postId: string;
}

export type StartOutcome =
  | { status: 'STARTED'; message: LogMessage | null; runId: string }
  | { status: 'NOT_STARTED'; detail: string };

/** Starts a flow for a comment (once per comment, however often it is asked) and sends its opening DM. */
export async function startFlowRun(
  env: AppBindings,
  db: Db,
  start: StartFlow,
  now = Date.now(),
): Promise<StartOutcome> {
  const automation = await loadAutomation(db, start.organizationId, start.conversationId);
  const runId = await runIdFor(start.organizationId, start.commentId);
  const existing = await loadRun(db, runId);
  if (!existing && automation?.state === 'HUMAN') {
    return { status: 'NOT_STARTED', detail: 'a teammate has the conversation (Human): the flow was not started' };
  }
  if (!existing) {
    const [flow] = await db
      .select({ version: automationFlows.version })
      .from(automationFlows)
      .where(and(eq(automationFlows.organizationId, start.organizationId), eq(automationFlows.id, start.flowId)));
    if (!flow) return { status: 'NOT_STARTED', detail: 'the flow no longer exists' };
    const inserted = await db
      .insert(automationFlowRuns)
      .values({
        id: runId,
        organizationId: start.organizationId,
        conversationId: start.conversationId,
        contactId: start.contactId,
        flowId: start.flowId,
        flowVersion: flow.version,
        triggerId: start.triggerId,
        commentId: start.commentId,
        postId: start.postId,
        status: 'RUNNING',
        startedAt: new Date(now),
        updatedAt: new Date(now),
      })
      .onConflictDoNothing()
      .returning();
    if (inserted.length) {
      // A newer run replaces the conversation's unfinished one.
      await db
        .update(automationFlowRuns)
        .set({ status: 'STOPPED', wakeAt: null, seq: sql`${automationFlowRuns.seq} + 1`, updatedAt: new Date(now) })
        .where(
          and(
            eq(automationFlowRuns.organizationId, start.organizationId),
            eq(automationFlowRuns.conversationId, start.conversationId),
            ne(automationFlowRuns.id, runId),
            inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES, 'HANDED_OFF']),
          ),
        );
      await setAutomation(
        db,
        start,
        { state: 'BOT', waitingUntil: null, handoffReason: null, triggerId: start.triggerId, flowRunId: runId },
        now,
      );
    }
  }
  const result = await stepRun(env, runId, { kind: 'start' }, { now, commentDm: true });
  return { status: 'STARTED', message: result?.flushed.first ?? null, runId };
}

// ── Timers, the wait window and left-behind outboxes (the minute cron) ─────────────────────────────────────

export async function onFlowJob(env: AppBindings, job: JobOf<'automation.flow'>): Promise<void> {
  await stepRun(env, job.runId, { kind: 'timer' });
}

/**
 * The conversation is resolved: state CLOSED (if automations ever touched it) and its unfinished or paused run
 * stopped, so a later DM is out of flow.
 */
export async function closeAutomation(db: Db, ref: { organizationId: string; conversationId: string }, now: number) {
  await db
    .update(conversationAutomation)
    .set({ state: 'CLOSED', waitingUntil: null, updatedAt: new Date(now) })
    .where(
      and(
        eq(conversationAutomation.organizationId, ref.organizationId),
        eq(conversationAutomation.conversationId, ref.conversationId),
        ne(conversationAutomation.state, 'CLOSED'),
        // A change made after the resolution (the buyer wrote again) is newer than this event.
        lte(conversationAutomation.updatedAt, new Date(now)),
      ),
    );
  await db
    .update(automationFlowRuns)
    .set({ status: 'STOPPED', wakeAt: null, seq: sql`${automationFlowRuns.seq} + 1`, updatedAt: new Date(now) })
    .where(
      and(
        eq(automationFlowRuns.organizationId, ref.organizationId),
        eq(automationFlowRuns.conversationId, ref.conversationId),
        inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES, 'HANDED_OFF']),
        lte(automationFlowRuns.startedAt, new Date(now)),
      ),
    );
}

/** Closes conversations whose wait window ran out: state CLOSED, the run stopped, the conversation resolved. */
async function closeExpired(env: AppBindings, db: Db, now: number): Promise<number> {
  const due = await db
    .select()
    .from(conversationAutomation)
    .where(and(eq(conversationAutomation.state, 'WAITING'), lte(conversationAutomation.waitingUntil, new Date(now))))
    .limit(100);
  let closed = 0;
  for (const row of due) {
    const [claimed] = await db
      .update(conversationAutomation)
      .set({ state: 'CLOSED', updatedAt: new Date(now) })
      .where(
        and(
          eq(conversationAutomation.conversationId, row.conversationId),
          eq(conversationAutomation.state, 'WAITING'),
          lte(conversationAutomation.waitingUntil, new Date(now)),
        ),
      )
      .returning();
    if (!claimed) continue;
    await db
      .update(automationFlowRuns)
      .set({ status: 'STOPPED', seq: sql`${automationFlowRuns.seq} + 1`, updatedAt: new Date(now) })
      .where(
        and(
          eq(automationFlowRuns.organizationId, row.organizationId),
          eq(automationFlowRuns.conversationId, row.conversationId),
          eq(automationFlowRuns.status, 'WAITING_REPLY'),
        ),
      );
    try {
      await updateConversation(env, db, row.organizationId, row.conversationId, { status: 'CLOSED' });
    } catch (error) {
      console.error(`Conversation ${row.conversationId}: automation closed it but resolving failed:`, error);
    }
    closed++;
  }
  return closed;
}

export async function runFlowUpkeep(env: AppBindings, now = Date.now()) {
  const db = createDb(env.DB);
  const due = await db
    .select({ id: automationFlowRuns.id })
    .from(automationFlowRuns)
    .where(and(eq(automationFlowRuns.status, 'WAITING_TIMER'), lte(automationFlowRuns.wakeAt, new Date(now))))
    .limit(100);
  for (const run of due) {
    try {
      await stepRun(env, run.id, { kind: 'timer' }, { now });
    } catch (error) {
      console.error(`Flow run ${run.id}: waking failed, the next minute retries:`, error);
    }
  }
  const stale = await db
    .select()
    .from(automationFlowRuns)
    .where(
      and(sql`${automationFlowRuns.outbox} != '[]'`, lt(automationFlowRuns.updatedAt, new Date(now - OUTBOX_LEASE_MS))),
    )
    .limit(50);
  for (const run of stale) await flush(env, db, run).catch((error) => console.error(`Flow run ${run.id}:`, error));
  return { woken: due.length, closed: await closeExpired(env, db, now) };
}

// Flows of an organisation: list, create, change (every change is a new version; the versions are kept so a
// run keeps executing the one it started with), duplicate (a clean copy: version 1, no runs) and delete (refused
// while a trigger starts the flow; its unfinished runs stop).
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  automationFlowRuns,
  automationFlows,
  automationFlowVersions,
  automationProducts,
  automationTriggers,
  conversationAutomation,
} from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { ACTIVE_RUN_STATUSES } from './runtime';
import type { Block, FlowInput } from './schema';

export interface FlowView {
  id: string;
  name: string;
  version: number;
  blocks: Block[];
  triggerCount: number;
  activeRuns: number;
  createdAt: string;
  updatedAt: string;
}

/** Triggers whose action starts one of these flows. */
export async function triggersUsing(db: Db, organizationId: string, flowIds: string[]) {
  if (!flowIds.length) return [];
  return db
    .select({
      id: automationTriggers.id,
      name: automationTriggers.name,
      flowId: sql<string>`json_extract(${automationTriggers.action}, '$.flowId')`,
    })
    .from(automationTriggers)
    .where(
      and(
        eq(automationTriggers.organizationId, organizationId),
        sql`json_extract(${automationTriggers.action}, '$.kind') = 'FLOW'`,
        inArray(sql`json_extract(${automationTriggers.action}, '$.flowId')`, flowIds),
      ),
    );
}

async function present(db: Db, organizationId: string, rows: (typeof automationFlows.$inferSelect)[]) {
  const ids = rows.map((r) => r.id);
  const [triggers, runs] = await Promise.all([
    triggersUsing(db, organizationId, ids),
    ids.length
      ? db
          .select({ flowId: automationFlowRuns.flowId, n: sql<number>`count(*)` })
          .from(automationFlowRuns)
          .where(
            and(
              eq(automationFlowRuns.organizationId, organizationId),
              inArray(automationFlowRuns.flowId, ids),
              inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES]),
            ),
          )
          .groupBy(automationFlowRuns.flowId)
      : [],
  ]);
  const active = new Map(runs.map((r) => [r.flowId, Number(r.n)]));
  return rows.map(
    (r): FlowView => ({
      id: r.id,
      name: r.name,
      version: r.version,
      blocks: r.blocks as Block[],
      triggerCount: triggers.filter((t) => t.flowId === r.id).length,
      activeRuns: active.get(r.id) ?? 0,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    }),
  );
}

async function loadRow(db: Db, organizationId: string, flowId: string) {
  const [row] = await db
    .select()
    .from(automationFlows)
    .where(and(eq(automationFlows.organizationId, organizationId), eq(automationFlows.id, flowId)));
  if (!row) throw new NotFoundError('Flow');
  return row;
}

export async function listFlows(db: Db, organizationId: string): Promise<FlowView[]> {
  const rows = await db
    .select()
    .from(automationFlows)
    .where(eq(automationFlows.organizationId, organizationId))
    .orderBy(desc(automationFlows.createdAt), asc(automationFlows.id));
  return present(db, organizationId, rows);
}

export async function getFlow(db: Db, organizationId: string, flowId: string): Promise<FlowView> {
  return (await present(db, organizationId, [await loadRow(db, organizationId, flowId)]))[0]!;
}

/** A Shop link block names a product of the synced catalog. */
async function assertProductsKnown(db: Db, organizationId: string, blocks: Block[]) {
  const wanted = blocks.flatMap((b, i) => (b.type === 'SHOP_LINK' ? [{ i, productId: b.productId }] : []));
  if (!wanted.length) return;
  const known = await db
    .select({ productId: automationProducts.productId })
    .from(automationProducts)
    .where(
      and(
        eq(automationProducts.organizationId, organizationId),
        inArray(
          automationProducts.productId,
          wanted.map((w) => w.productId),
        ),
      ),
    );
  const have = new Set(known.map((k) => k.productId));
  const fields: Record<string, string[]> = {};
  for (const w of wanted) {
    if (!have.has(w.productId)) fields[`blocks.${w.i}.productId`] = ['No such product in the synced catalog'];
  }
  if (Object.keys(fields).length) throw new ValidationError('Unknown product', fields);
}

export async function createFlow(db: Db, organizationId: string, input: FlowInput): Promise<FlowView> {
  await assertProductsKnown(db, organizationId, input.blocks);
  const id = crypto.randomUUID();
  const now = new Date();
  const [row] = await db.batch([
    db
      .insert(automationFlows)
      .values({
        id,
        organizationId,
        name: input.name,
        version: 1,
        blocks: input.blocks,
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    db
      .insert(automationFlowVersions)
      .values({ flowId: id, version: 1, organizationId, name: input.name, blocks: input.blocks, createdAt: now }),
  ]);
  return (await present(db, organizationId, row))[0]!;
}

/** A change is a new version; runs in progress keep theirs (automation_flow_versions). */
export async function updateFlow(
  db: Db,
  organizationId: string,
  flowId: string,
  changes: Partial<FlowInput>,
): Promise<FlowView> {
  const current = await loadRow(db, organizationId, flowId);
  const blocks = changes.blocks ?? (current.blocks as Block[]);
  if (changes.blocks) await assertProductsKnown(db, organizationId, changes.blocks);
  const name = changes.name ?? current.name;
  const version = current.version + 1;
  const now = new Date();
  // The version is claimed with the row (compare-and-set): two edits at once make two versions, not one lost.
  const [updated] = await db
    .update(automationFlows)
    .set({ name, blocks, version, updatedAt: now })
    .where(
      and(
        eq(automationFlows.organizationId, organizationId),
        eq(automationFlows.id, flowId),
        eq(automationFlows.version, current.version),
      ),
    )
    .returning();
  if (!updated) throw new ConflictError('The flow was changed by someone else at the same time; reload it');
  await db
    .insert(automationFlowVersions)
    .values({ flowId, version, organizationId, name, blocks, createdAt: now })
    .onConflictDoNothing();
  return (await present(db, organizationId, [updated]))[0]!;
}

export async function duplicateFlow(db: Db, organizationId: string, flowId: string): Promise<FlowView> {
  const source = await loadRow(db, organizationId, flowId);
  const copy = await createFlow(db, organizationId, {
    name: `${source.name} (copy)`.slice(0, 100),
    blocks: source.blocks as Block[],
  });
  await db
    .update(automationFlows)
    .set({ duplicatedFromId: source.id })
    .where(and(eq(automationFlows.organizationId, organizationId), eq(automationFlows.id, copy.id)));
  return copy;
}

export async function deleteFlow(db: Db, organizationId: string, flowId: string): Promise<void> {
  await loadRow(db, organizationId, flowId);
  const users = await triggersUsing(db, organizationId, [flowId]);
  if (users.length) {
    throw new ConflictError(
      `The flow is used by ${users.length === 1 ? 'the trigger' : 'the triggers'} ${users.map((t) => `"${t.name}"`).join(', ')}: change ${users.length === 1 ? 'it' : 'them'} first`,
    );
  }
  const unfinished = await db
    .select({ id: automationFlowRuns.id })
    .from(automationFlowRuns)
    .where(
      and(
        eq(automationFlowRuns.organizationId, organizationId),
        eq(automationFlowRuns.flowId, flowId),
        inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES]),
      ),
    );
  // Conversations the bot was still handling go to a human (the reason shows in their automation view).
  for (let i = 0; i < unfinished.length; i += 90) {
    await db
      .update(conversationAutomation)
      .set({
        state: 'HUMAN',
        waitingUntil: null,
        handoffReason: 'The flow was deleted while this conversation was in it',
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(conversationAutomation.organizationId, organizationId),
          inArray(conversationAutomation.state, ['BOT', 'WAITING']),
          inArray(
            conversationAutomation.flowRunId,
            unfinished.slice(i, i + 90).map((r) => r.id),
          ),
        ),
      );
  }
  await db.batch([
    db
      .update(automationFlowRuns)
      .set({ status: 'STOPPED', wakeAt: null, seq: sql`${automationFlowRuns.seq} + 1`, updatedAt: new Date() })
      .where(
        and(
          eq(automationFlowRuns.organizationId, organizationId),
          eq(automationFlowRuns.flowId, flowId),
          inArray(automationFlowRuns.status, [...ACTIVE_RUN_STATUSES, 'HANDED_OFF']),
        ),
      ),
    db
      .delete(automationFlowVersions)
      .where(and(eq(automationFlowVersions.organizationId, organizationId), eq(automationFlowVersions.flowId, flowId))),
    db
      .delete(automationFlows)
      .where(and(eq(automationFlows.organizationId, organizationId), eq(automationFlows.id, flowId))),
  ]);
}

/** The document a run executes: the version it started with. */
export async function loadFlowVersion(db: Db, organizationId: string, flowId: string, version: number) {
  const [row] = await db
    .select()
    .from(automationFlowVersions)
    .where(
      and(
        eq(automationFlowVersions.organizationId, organizationId),
        eq(automationFlowVersions.flowId, flowId),
        eq(automationFlowVersions.version, version),
      ),
    );
  return row ? { name: row.name, blocks: row.blocks as Block[] } : null;
}

/** For a trigger's `{kind:'FLOW', flowId}`: the flow must exist in the organisation. */
export async function assertFlowKnown(
  db: Db,
  organizationId: string,
  action: { kind: string; flowId?: string } | undefined,
) {
  if (action?.kind !== 'FLOW' || !action.flowId) return;
  const [row] = await db
    .select({ id: automationFlows.id })
    .from(automationFlows)
    .where(and(eq(automationFlows.organizationId, organizationId), eq(automationFlows.id, action.flowId)));
  if (!row) throw ValidationError.field('action.flowId', 'No such flow');
}

// Gathers what the evaluator needs to know about a comment (the post, the window, whether it is the commenter's
// first, the catalog, recent firings) with reads only: Test against history uses it as it is, live traffic adds
// its claims on top.
import { and, asc, eq, inArray, lt, ne, or, sql } from 'drizzle-orm';
import { organizationPlan } from '../billing/account';
import type { Plan } from '../billing/plans';
import type { Db } from '../db/client';
import {
  type AutomationTrigger,
  automationComments,
  automationPosts,
  automationProducts,
  automationThrottles,
  automationTriggers,
} from '../db/schema';
import type { AppBindings } from '../env';
import type { CommentFacts, PostFacts, TriggerRule } from './evaluator';
import type { DmAction, Match, Scope } from './rules';

/** The comment-listening window per plan, in days (COMMENT_LISTENING_WINDOW_DAYS overrides it). */
export const LISTENING_WINDOW_DAYS: Record<Plan, number> = { FREE: 30, STARTER: 30, GROWTH: 30, ENTERPRISE: 30 };

export type StoredTrigger = Omit<AutomationTrigger, 'match' | 'scope' | 'action'> & {
  match: Match;
  scope: Scope;
  action: DmAction;
};

export async function loadTriggers(db: Db, organizationId: string): Promise<StoredTrigger[]> {
  const rows = await db
    .select()
    .from(automationTriggers)
    .where(eq(automationTriggers.organizationId, organizationId))
    .orderBy(asc(automationTriggers.priority), asc(automationTriggers.id));
  return rows as StoredTrigger[];
}

export function asRule(trigger: StoredTrigger): TriggerRule {
  return {
    id: trigger.id,
    name: trigger.name,
    status: trigger.status,
    priority: trigger.priority,
    match: trigger.match,
    scope: trigger.scope,
  };
}

export async function windowDays(env: AppBindings, db: Db, organizationId: string): Promise<number> {
  return windowDaysOfPlan(env, await organizationPlan(db, organizationId));
}

/** The comment-listening window of a plan, for a caller that already holds the plan. */
export function windowDaysOfPlan(env: AppBindings, plan: Plan): number {
  const override = Number(env.COMMENT_LISTENING_WINDOW_DAYS);
  if (Number.isFinite(override) && override > 0) return override;
  return LISTENING_WINDOW_DAYS[plan];
}

export async function loadPost(db: Db, organizationId: string, postId: string): Promise<PostFacts | null> {
  const [row] = await db
    .select()
    .from(automationPosts)
    .where(and(eq(automationPosts.organizationId, organizationId), eq(automationPosts.postId, postId)));
  return row
    ? { postId: row.postId, isLive: row.isLive, tags: row.tags, publishedAt: row.publishedAt.getTime() }
    : null;
}

const usesSku = (triggers: StoredTrigger[]) =>
  triggers.some((t) => t.match.groups.some((g) => g.some((c) => c.type === 'SKU')));

export interface FactInput {
  text: string;
  postId: string | null;
  post?: PostFacts | null;
  commenterId: string | null;
  /** This comment (excluded from "earlier comments" and from its own throttle claim). */
  commentId: string | null;
  commentedAt: number;
  checkWindow: boolean;
}

export async function gatherFacts(
  env: AppBindings,
  db: Db,
  organizationId: string,
  triggers: StoredTrigger[],
  input: FactInput,
): Promise<CommentFacts> {
  const post =
    input.post !== undefined ? input.post : input.postId ? await loadPost(db, organizationId, input.postId) : null;
  let isFirstComment = true;
  const lastFired = new Map<string, number>();
  if (input.commenterId) {
    const [earlier] = await db
      .select({ id: automationComments.commentId })
      .from(automationComments)
      .where(
        and(
          eq(automationComments.organizationId, organizationId),
          eq(automationComments.commenterId, input.commenterId),
          input.commentId
            ? or(
                lt(automationComments.commentedAt, new Date(input.commentedAt)),
                and(
                  eq(automationComments.commentedAt, new Date(input.commentedAt)),
                  lt(automationComments.commentId, input.commentId),
                ),
              )
            : sql`1 = 1`,
        ),
      )
      .limit(1);
    isFirstComment = !earlier;
    const ids = triggers.map((t) => t.id);
    for (let i = 0; i < ids.length; i += 90) {
      const rows = await db
        .select({ triggerId: automationThrottles.triggerId, firedAt: automationThrottles.firedAt })
        .from(automationThrottles)
        .where(
          and(
            inArray(automationThrottles.triggerId, ids.slice(i, i + 90)),
            eq(automationThrottles.commenterId, input.commenterId),
            input.commentId ? ne(automationThrottles.commentId, input.commentId) : sql`1 = 1`,
          ),
        );
      for (const row of rows) lastFired.set(row.triggerId, row.firedAt.getTime());
    }
  }
  const products = usesSku(triggers)
    ? (
        await db
          .select({
            productId: automationProducts.productId,
            name: automationProducts.name,
            skus: automationProducts.skus,
          })
          .from(automationProducts)
          .where(eq(automationProducts.organizationId, organizationId))
      ).map((p) => ({ ...p, skus: p.skus ?? [] }))
    : [];
  return {
    text: input.text,
    postId: input.postId,
    post,
    commentedAt: input.commentedAt,
    windowDays: input.checkWindow ? await windowDays(env, db, organizationId) : null,
    isFirstComment,
    products,
    lastFired,
  };
}

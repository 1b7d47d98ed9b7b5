// The trigger evaluator, pure (no I/O, no clock): given a comment's facts and the organisation's triggers it
// says which one trigger fires and why every other one does not. Live traffic and Test against history both
// call it; the caller gathers the facts and enforces the claims.
//
// Rules:
// - A comment on a post outside the listening window (or a post we do not know) fires nothing.
// - Triggers are walked in priority order (1 first). Drafts never fire; a trigger ignores videos outside its scope.
// - Conditions: an OR of AND groups (AND binds tighter than OR).
// - The first matching trigger is the only candidate: one comment ⇒ at most one DM. The others that match are
//   "lower priority".
// - Throttle: a trigger fires at most once per commenter in THROTTLE_MS. A throttled top match does NOT fall
//   through to the next trigger: the commenter already got that trigger's DM, and a catch-all DM on top of it
//   would be a second bot DM about the same thing.
import type { Condition, Match, Scope } from './rules';
import { containsNormalised, endsWithQuestionMark } from './text';

export const THROTTLE_MS = 24 * 3_600_000;

export type Outcome =
  | 'FIRED'
  | 'NOT_ACTIVE'
  | 'OUT_OF_SCOPE'
  | 'OUTSIDE_WINDOW'
  | 'NOT_MATCHED'
  | 'LOWER_PRIORITY'
  | 'THROTTLED';

export interface TriggerRule {
  id: string;
  name: string;
  status: 'DRAFT' | 'ACTIVE';
  priority: number;
  match: Match;
  scope: Scope;
}

export interface PostFacts {
  postId: string;
  isLive: boolean;
  tags: string[];
  publishedAt: number;
}

export interface CommentFacts {
  text: string;
  /** null when no video was picked (Test against history). */
  postId: string | null;
  /** The post as synced; null when unknown. */
  post: PostFacts | null;
  commentedAt: number;
  /** null: no window check (Test against history without a video). */
  windowDays: number | null;
  isFirstComment: boolean;
  products: { productId: string; name: string; skus: string[] }[];
  /** Trigger id → when it last fired for this commenter (another comment). */
  lastFired: Map<string, number>;
}

export interface TriggerResult {
  triggerId: string;
  name: string;
  priority: number;
  outcome: Outcome;
  reason: string;
}

export interface Evaluation {
  results: TriggerResult[];
  /** The trigger that fires (at most one). */
  winner: string | null;
}

const quote = (s: string) => `“${s}”`;

function checkCondition(condition: Condition, facts: CommentFacts): { ok: boolean; why: string } {
  switch (condition.type) {
    case 'KEYWORD': {
      const hit = condition.keywords.find((k) => containsNormalised(facts.text, k));
      return hit
        ? { ok: true, why: `keyword ${quote(hit)}` }
        : { ok: false, why: `keyword not matched (${condition.keywords.map(quote).join(', ')})` };
    }
    case 'QUESTION':
      return endsWithQuestionMark(facts.text)
        ? { ok: true, why: 'ends with a question mark' }
        : { ok: false, why: 'does not end with a question mark' };
    case 'FIRST_COMMENT':
      return facts.isFirstComment
        ? { ok: true, why: "the commenter's first comment" }
        : { ok: false, why: 'not the commenter’s first comment on this account' };
    case 'VIDEO':
      return facts.postId && condition.postIds.includes(facts.postId)
        ? { ok: true, why: `on video ${facts.postId}` }
        : {
            ok: false,
            why: `not on ${condition.postIds.length === 1 ? 'the chosen video' : 'one of the chosen videos'}`,
          };
    case 'SKU': {
      const products = condition.productIds.length
        ? facts.products.filter((p) => condition.productIds.includes(p.productId))
        : facts.products;
      for (const product of products) {
        const term = [product.name, ...product.skus].find((t) => containsNormalised(facts.text, t));
        if (term) return { ok: true, why: `mentions ${quote(product.name)}` };
      }
      return {
        ok: false,
        why: products.length ? 'mentions no product of the catalog' : 'no synced catalog products to match',
      };
    }
  }
}

/** Whether the trigger's conditions hold, with the reason in words. */
export function checkMatch(match: Match, facts: CommentFacts): { ok: boolean; why: string } {
  const failures: string[] = [];
  for (const group of match.groups) {
    const checks = group.map((c) => checkCondition(c, facts));
    const failed = checks.find((c) => !c.ok);
    if (!failed) return { ok: true, why: checks.map((c) => c.why).join(' AND ') };
    failures.push(failed.why);
  }
  return { ok: false, why: [...new Set(failures)].join('; ') };
}

function scopeReason(scope: Scope, facts: CommentFacts): string | null {
  if (scope.kind === 'ALL') return null;
  if (!facts.postId) return 'listens to specific videos only, and no video was picked';
  if (scope.kind === 'VIDEOS') {
    return scope.postIds.includes(facts.postId) ? null : 'out of scope: listens to specific videos only';
  }
  const tags = facts.post?.tags ?? [];
  return scope.tags.some((t) => tags.includes(t))
    ? null
    : `out of scope: listens to videos tagged ${scope.tags.join(', ')} only`;
}

function windowReason(facts: CommentFacts): string | null {
  if (facts.windowDays === null) return null;
  if (!facts.post) return 'outside the window: the post is not in the synced post list';
  if (facts.post.publishedAt < facts.commentedAt - facts.windowDays * 86_400_000) {
    return `outside the window: the post is older than the ${facts.windowDays}-day comment-listening window`;
  }
  return null;
}

export function evaluate(triggers: readonly TriggerRule[], facts: CommentFacts): Evaluation {
  const ordered = [...triggers].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  const outside = windowReason(facts);
  const results: TriggerResult[] = [];
  let winner: string | null = null;
  let decidedBy: { name: string; throttled: boolean } | null = null;
  for (const trigger of ordered) {
    const base = { triggerId: trigger.id, name: trigger.name, priority: trigger.priority };
    if (outside) {
      results.push({ ...base, outcome: 'OUTSIDE_WINDOW', reason: outside });
      continue;
    }
    if (trigger.status !== 'ACTIVE') {
      results.push({ ...base, outcome: 'NOT_ACTIVE', reason: 'not active: drafts never fire' });
      continue;
    }
    const outOfScope = scopeReason(trigger.scope, facts);
    if (outOfScope) {
      results.push({ ...base, outcome: 'OUT_OF_SCOPE', reason: outOfScope });
      continue;
    }
    const match = checkMatch(trigger.match, facts);
    if (!match.ok) {
      results.push({ ...base, outcome: 'NOT_MATCHED', reason: match.why });
      continue;
    }
    if (decidedBy) {
      results.push({
        ...base,
        outcome: 'LOWER_PRIORITY',
        reason: decidedBy.throttled
          ? `lower priority: matched (${match.why}), but ${quote(decidedBy.name)} matched first and is throttled; a throttled match does not fall through`
          : `lower priority: matched (${match.why}), but ${quote(decidedBy.name)} fires (one comment ⇒ one DM)`,
      });
      continue;
    }
    const last = facts.lastFired.get(trigger.id);
    if (last !== undefined && last > facts.commentedAt - THROTTLE_MS) {
      decidedBy = { name: trigger.name, throttled: true };
      results.push({
        ...base,
        outcome: 'THROTTLED',
        reason: `throttled: matched (${match.why}), but already fired for this commenter at ${new Date(last).toISOString()}; again after ${new Date(last + THROTTLE_MS).toISOString()}`,
      });
      continue;
    }
    decidedBy = { name: trigger.name, throttled: false };
    winner = trigger.id;
    results.push({ ...base, outcome: 'FIRED', reason: `matched: ${match.why}` });
  }
  return { results, winner };
}

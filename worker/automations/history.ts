// Test against history: a pasted comment (optionally on a picked video, by a picked commenter) evaluated with
// the same evaluator and the same facts as live traffic, reading only: no comment, claim or log row is written.
import type { Db } from '../db/client';
import type { AppBindings } from '../env';
import { evaluate, type TriggerResult } from './evaluator';
import { asRule, gatherFacts, loadTriggers } from './facts';

export interface HistoryTest {
  text: string;
  postId?: string | null;
  commenterId?: string | null;
  /** Only this trigger (its own page): evaluated as if it were active, alone. */
  triggerId?: string;
}

export async function testAgainstHistory(
  env: AppBindings,
  db: Db,
  organizationId: string,
  input: HistoryTest,
  now = Date.now(),
): Promise<{ wouldFire: string | null; results: (TriggerResult & { draft: boolean })[] }> {
  let triggers = await loadTriggers(db, organizationId);
  if (input.triggerId) triggers = triggers.filter((t) => t.id === input.triggerId);
  const facts = await gatherFacts(env, db, organizationId, triggers, {
    text: input.text,
    postId: input.postId ?? null,
    commenterId: input.commenterId ?? null,
    commentId: null,
    commentedAt: now,
    checkWindow: !!input.postId,
  });
  const rules = triggers.map(asRule).map((r) => (input.triggerId ? { ...r, status: 'ACTIVE' as const } : r));
  const { results, winner } = evaluate(rules, facts);
  const drafts = new Set(triggers.filter((t) => t.status === 'DRAFT').map((t) => t.id));
  return { wouldFire: winner, results: results.map((r) => ({ ...r, draft: drafts.has(r.triggerId) })) };
}

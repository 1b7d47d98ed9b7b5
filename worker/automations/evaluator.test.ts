import { describe, expect, it } from 'vitest';
import { type CommentFacts, evaluate, THROTTLE_MS, type TriggerRule } from './evaluator';
import type { Condition } from './rules';
import { endsWithQuestionMark, normaliseText } from './text';

const NOW = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;

function facts(text: string, extra: Partial<CommentFacts> = {}): CommentFacts {
  return {
    text,
    postId: 'v1',
    post: { postId: 'v1', isLive: false, tags: [], publishedAt: NOW - DAY },
    commentedAt: NOW,
    windowDays: 30,
    isFirstComment: false,
    products: [],
    lastFired: new Map(),
    ...extra,
  };
}

let n = 0;
function trigger(groups: Condition[][], extra: Partial<TriggerRule> = {}): TriggerRule {
  n++;
  return {
    id: `t${n}`,
    name: `Trigger ${n}`,
    status: 'ACTIVE',
    priority: n,
    match: { groups },
    scope: { kind: 'ALL' },
    ...extra,
  };
}
const keyword = (...keywords: string[]): Condition => ({ type: 'KEYWORD', keywords });
const outcome = (rules: TriggerRule[], f: CommentFacts) => evaluate(rules, f).results.map((r) => r.outcome);

describe('trigger types with real-world comment text', () => {
  it('keyword: Thai ราคา inside a sentence without spaces, any case, full-width and accented forms', () => {
    const thai = trigger([[keyword('ราคา')]]);
    expect(outcome([thai], facts('สวยมากค่ะราคาเท่าไหร่คะ'))).toEqual(['FIRED']);
    expect(outcome([thai], facts('สวยมากค่ะ'))).toEqual(['NOT_MATCHED']);
    const price = trigger([[keyword('PRICE', 'LINK')]]);
    expect(outcome([price], facts('price pls 😍'))).toEqual(['FIRED']);
    expect(outcome([price], facts('ＰＲＩＣＥ？'))).toEqual(['FIRED']);
    expect(outcome([price], facts('send the lînk'))).toEqual(['FIRED']);
    const none = evaluate([price], facts('so pretty'));
    expect(none.results[0]!.reason).toBe('keyword not matched (“PRICE”, “LINK”)');
    const cafe = trigger([[keyword('café')]]);
    expect(outcome([cafe], facts('CAFE latte shade'))).toEqual(['FIRED']);
  });

  it('question mark: ? and full-width ？ at the end, trailing whitespace and emoji ignored', () => {
    const q = trigger([[{ type: 'QUESTION' }]]);
    expect(outcome([q], facts('how much?'))).toEqual(['FIRED']);
    expect(outcome([q], facts('いくらですか？'))).toEqual(['FIRED']);
    expect(outcome([q], facts('does it come in pink? 😍🙏🏽  '))).toEqual(['FIRED']);
    expect(outcome([q], facts('family 👨‍👩‍👧? ❤️'))).toEqual(['FIRED']);
    expect(outcome([q], facts('? love it'))).toEqual(['NOT_MATCHED']);
    expect(outcome([q], facts('love it 😍'))).toEqual(['NOT_MATCHED']);
    expect(endsWithQuestionMark('')).toBe(false);
  });

  it('first comment from this user, comment on a specific video, mentions a SKU', () => {
    const first = trigger([[{ type: 'FIRST_COMMENT' }]]);
    expect(outcome([first], facts('hi', { isFirstComment: true }))).toEqual(['FIRED']);
    expect(outcome([first], facts('hi', { isFirstComment: false }))).toEqual(['NOT_MATCHED']);
    const video = trigger([[{ type: 'VIDEO', postIds: ['live-7'] }]]);
    expect(
      outcome(
        [video],
        facts('wow', { postId: 'live-7', post: { postId: 'live-7', isLive: true, tags: [], publishedAt: NOW } }),
      ),
    ).toEqual(['FIRED']);
    expect(outcome([video], facts('wow'))).toEqual(['NOT_MATCHED']);
    const sku = trigger([[{ type: 'SKU', productIds: [] }]]);
    const products = [{ productId: 'p1', name: 'Velvet Lip Tint', skus: ['VLT-04'] }];
    const hit = evaluate([sku], facts('is the velvet lip tint waterproof', { products }));
    expect(hit.results[0]).toMatchObject({ outcome: 'FIRED', reason: 'matched: mentions “Velvet Lip Tint”' });
    expect(outcome([sku], facts('vlt-04 in stock?', { products }))).toEqual(['FIRED']);
    expect(outcome([sku], facts('nice', { products }))).toEqual(['NOT_MATCHED']);
  });
});

describe('combining, scope, window, priority and throttle', () => {
  it('AND binds tighter than OR: (SHADE AND on the reel) OR question', () => {
    const t = trigger([[keyword('SHADE'), { type: 'VIDEO', postIds: ['reel'] }], [{ type: 'QUESTION' }]]);
    const onReel = { postId: 'reel', post: { postId: 'reel', isLive: false, tags: [], publishedAt: NOW } };
    expect(outcome([t], facts('shade 3 pls', onReel))).toEqual(['FIRED']);
    expect(outcome([t], facts('shade 3 pls'))).toEqual(['NOT_MATCHED']);
    expect(outcome([t], facts('which shade?'))).toEqual(['FIRED']);
    const both = evaluate([t], facts('shade 3 pls', onReel)).results[0]!;
    expect(both.reason).toBe('matched: keyword “SHADE” AND on video reel');
  });

  it('scopes: all videos, specific videos, videos tagged; drafts never fire; old posts are outside the window', () => {
    const specific = trigger([[keyword('price')]], { scope: { kind: 'VIDEOS', postIds: ['v9'] } });
    const tagged = trigger([[keyword('price')]], { scope: { kind: 'TAGGED', tags: ['launch-week'] } });
    const draft = trigger([[keyword('price')]], { status: 'DRAFT' });
    const all = trigger([[keyword('price')]]);
    const untagged = evaluate([specific, tagged, draft, all], facts('price'));
    expect(untagged.results.map((r) => r.outcome)).toEqual(['OUT_OF_SCOPE', 'OUT_OF_SCOPE', 'NOT_ACTIVE', 'FIRED']);
    expect(untagged.results[1]!.reason).toBe('out of scope: listens to videos tagged launch-week only');
    const launch = facts('price', {
      post: { postId: 'v1', isLive: false, tags: ['launch-week'], publishedAt: NOW - DAY },
    });
    expect(evaluate([specific, tagged, all], launch).winner).toBe(tagged.id);
    const old = facts('price', { post: { postId: 'v1', isLive: false, tags: [], publishedAt: NOW - 31 * DAY } });
    const outside = evaluate([all], old);
    expect(outside.winner).toBeNull();
    expect(outside.results[0]!.reason).toBe(
      'outside the window: the post is older than the 30-day comment-listening window',
    );
    expect(
      evaluate([all], facts('price', { post: { postId: 'v1', isLive: false, tags: [], publishedAt: NOW - 29 * DAY } }))
        .winner,
    ).toBe(all.id);
  });

  it('a comment matching three triggers fires only the highest priority; the others are "lower priority"', () => {
    const video = trigger([[{ type: 'VIDEO', postIds: ['v1'] }]]);
    const kw = trigger([[keyword('price')]]);
    const q = trigger([[{ type: 'QUESTION' }]]);
    const result = evaluate([q, kw, video], facts('price?'));
    expect(result.winner).toBe(video.id);
    expect(result.results.map((r) => [r.triggerId, r.outcome])).toEqual([
      [video.id, 'FIRED'],
      [kw.id, 'LOWER_PRIORITY'],
      [q.id, 'LOWER_PRIORITY'],
    ]);
    expect(result.results[1]!.reason).toContain(`but “${video.name}” fires (one comment ⇒ one DM)`);
  });

  it('throttle at 24 h − 1 s and 24 h + 1 s; a throttled top match does not fall through', () => {
    const kw = trigger([[keyword('price')]]);
    const q = trigger([[{ type: 'QUESTION' }]]);
    const justUnder = facts('price?', { lastFired: new Map([[kw.id, NOW - THROTTLE_MS + 1000]]) });
    const under = evaluate([kw, q], justUnder);
    expect(under.winner).toBeNull();
    expect(under.results.map((r) => r.outcome)).toEqual(['THROTTLED', 'LOWER_PRIORITY']);
    expect(under.results[1]!.reason).toContain('a throttled match does not fall through');
    const justOver = facts('price?', { lastFired: new Map([[kw.id, NOW - THROTTLE_MS - 1000]]) });
    expect(evaluate([kw, q], justOver).winner).toBe(kw.id);
  });

  it('normalises width, case and Latin diacritics but keeps Thai marks', () => {
    expect(normaliseText('  ＬＩＮＫ  Ｐｌｓ ')).toBe('link pls');
    expect(normaliseText('Crème BRÛLÉE')).toBe('creme brulee');
    expect(normaliseText('ราคา')).toBe('ราคา');
  });
});

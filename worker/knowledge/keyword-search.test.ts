import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../db/client';
import { organizations } from '../db/schema';
import { createManualArticle } from './articles';
import { createGroup } from './groups';
import { EXPANSION_WEIGHT, ftsExpansionTerms, ftsTerms, keywordSearch, withExpansion } from './keyword-search';

describe('keyword query expansion', () => {
  it('adds the lexicon relatives of the question words, not the words themselves', () => {
    expect(ftsTerms('my chat vanished')).toBe('"chat" OR "vanished"');
    const expansion = ftsExpansionTerms('my chat vanished')!;
    expect(expansion).toContain('"disappear"');
    expect(expansion).not.toContain('"vanished"');
    expect(expansion).not.toContain('"chat"');
  });

  it('searches function words as written but neither expands them nor adds them as expansions', () => {
    expect(ftsTerms('only just vanished')).toBe('"only" OR "just" OR "vanished"');
    const expansion = ftsExpansionTerms('only just vanished')!;
    expect(expansion).toContain('"disappear"');
    // The lexicon relates "only" to "solely" and "merely", "just" to "simply": none of them is searched.
    for (const noise of ['"solely"', '"merely"', '"simply"', '"only"', '"just"'])
      expect(expansion).not.toContain(noise);
    expect(ftsExpansionTerms('only just')).toBeNull();
  });

  it('has no expansion for words the lexicon does not know', () => {
    expect(ftsExpansionTerms('helpstack xyzzy')).toBeNull();
  });

  it('scores exact matches first: an expanded match adds only a share of its BM25', () => {
    const merged = withExpansion(
      [
        { chunkId: 'exact', score: 5 },
        { chunkId: 'both', score: 4 },
      ],
      [
        { chunkId: 'related-only', score: 9 },
        { chunkId: 'both', score: 2 },
      ],
      10,
    );
    expect(merged).toEqual([
      { chunkId: 'exact', score: 5 },
      { chunkId: 'both', score: 4 + EXPANSION_WEIGHT * 2 },
      { chunkId: 'related-only', score: EXPANSION_WEIGHT * 9 },
    ]);
    expect(withExpansion([{ chunkId: 'a', score: 1 }], [{ chunkId: 'b', score: 1 }], 1)).toEqual([
      { chunkId: 'a', score: 1 },
    ]);
  });
});

describe('keyword search on D1', () => {
  const db = createDb(env.DB);

  async function organization(name: string): Promise<string> {
    const [org] = await db.insert(organizations).values({ name }).returning({ id: organizations.id });
    return org!.id;
  }

  it('weighs a word in the title like a word in the text: the passage with more of the question wins', async () => {
    const organizationId = await organization('Field weights');
    const { id: groupId } = await createGroup(db, organizationId, { name: 'Help' });
    const add = (org: string, group: string, title: string, content: string) =>
      createManualArticle(env, db, org, { groupId: group, title, content });
    // Two of the question's words in a short title, against all three in a longer text: with the title weighted
    // 4× (the old weights) the title won.
    const titled = await add(
      organizationId,
      groupId,
      'Card refunds',
      'Orders leave the warehouse within two working days of payment.',
    );
    const answering = await add(
      organizationId,
      groupId,
      'Payments',
      'A refund goes back to the card you paid with, even after its expiry, within five working days once the parcel is back with us and has been inspected by the returns team.',
    );
    for (const [title, content] of [
      ['Shipping', 'Parcels travel with DHL to forty countries.'],
      ['Warranty', 'Every kettle has a two year warranty.'],
      ['Accounts', 'Reset your password from the login page.'],
      ['Invoices', 'Business customers can download invoices.'],
    ] as const) {
      await add(organizationId, groupId, title, content);
    }
    const articleOf = async (chunkId: string) =>
      (
        await env.DB.prepare('SELECT article_id AS id FROM knowledge_chunks WHERE id = ?')
          .bind(chunkId)
          .first<{ id: string }>()
      )?.id;
    const ranked = async () => {
      const matches = await keywordSearch(db, { organizationId, query: 'refund card expiry', limit: 5 });
      return Promise.all(matches.map((m) => articleOf(m.chunkId)));
    };
    expect(await ranked()).toEqual([answering.id, titled.id]);

    // Another organisation's copy of the answer is never among the matches.
    const stranger = await organization('Stranger');
    const { id: strangerGroup } = await createGroup(db, stranger, { name: 'Help' });
    await add(stranger, strangerGroup, 'Payments', 'A refund goes back to the card, even after its expiry.');
    expect(await ranked()).toEqual([answering.id, titled.id]);
  });
});

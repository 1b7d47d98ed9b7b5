import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../db/client';
import { organizations } from '../db/schema';
import { createManualArticle } from './articles';
import { createGroup } from './groups';
import { searchKnowledge } from './search';

const db = createDb(env.DB);

async function organization(name: string): Promise<string> {
  const [org] = await db.insert(organizations).values({ name }).returning({ id: organizations.id });
  return org!.id;
}

describe('searchKnowledge (local embedder: keyword search)', () => {
  it("returns each article's best passage before a second passage of any article", async () => {
    const organizationId = await organization('Spread');
    const { id: groupId } = await createGroup(db, organizationId, { name: 'Billing' });
    const long = await createManualArticle(env, db, organizationId, {
      groupId,
      title: 'Invoices',
      content: [
        '## Invoice numbers\nEvery invoice has a number; the invoice number is on the invoice PDF.',
        '## Invoice addresses\nThe invoice address is printed on each invoice and can be changed before the invoice is issued.',
        '## Invoice currency\nAn invoice is issued in the currency of the order; an invoice in another currency is not possible.',
        '## Invoice copies\nA copy of any invoice can be downloaded again from the orders page.',
      ].join('\n\n'),
    });
    const tax = await createManualArticle(env, db, organizationId, {
      groupId,
      title: 'Tax',
      content: 'VAT is shown on the invoice for business customers in the EU.',
    });
    const refunds = await createManualArticle(env, db, organizationId, {
      groupId,
      title: 'Refunds',
      content: 'A refund comes with a credit note that cancels the original invoice.',
    });

    const passages = await searchKnowledge(env, db, { organizationId, query: 'invoice', limit: 3 });
    expect(passages.map((p) => p.articleId)).toEqual([long.id, expect.any(String), expect.any(String)]);
    expect(new Set(passages.map((p) => p.articleId))).toEqual(new Set([long.id, tax.id, refunds.id]));

    // With room for more, the long article's further sections follow the other articles' passages.
    const more = await searchKnowledge(env, db, { organizationId, query: 'invoice', limit: 6 });
    expect(more.map((p) => p.articleId).slice(3)).toEqual([long.id, long.id, long.id]);
    expect(new Set(more.map((p) => p.heading))).toEqual(
      new Set(['Invoice numbers', 'Invoice addresses', 'Invoice currency', 'Invoice copies', null]),
    );
  });
});

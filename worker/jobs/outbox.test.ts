import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { createUrlArticle, reprocessArticle } from '../knowledge/articles';
import { createGroup } from '../knowledge/groups';
import { SWEEP_AFTER_MS } from './outbox';
import { runScheduled } from './scheduled';
import type { Job } from './types';

const db = createDb(env.DB);

function queueThat(send: (job: Job) => Promise<void>) {
  return { ...env, JOBS: { send } as unknown as Queue };
}

const pendingFor = async (articleId: string) =>
  (
    await env.DB.prepare("SELECT payload FROM pending_jobs WHERE json_extract(payload, '$.articleId') = ?")
      .bind(articleId)
      .all<{ payload: string }>()
  ).results.map((row) => JSON.parse(row.payload));

describe('durable job sends', () => {
  it('an article whose ingest job was never sent (crash after the write) is sent by the sweep, once', async () => {
    const { organization } = await signUpOwner();
    const group = await createGroup(db, organization.id, { name: 'Shipping' });
    const crashed = queueThat(async () => {
      throw new Error('the Worker died before the queue had the job');
    });
    const article = await createUrlArticle(crashed, db, organization.id, {
      groupId: group.id,
      url: 'https://shop.example.com/shipping',
    });
    expect(article.status).toBe('PROCESSING');
    const job = { kind: 'knowledge.ingest', organizationId: organization.id, articleId: article.id };
    expect(await pendingFor(article.id)).toEqual([job]);

    const sent: Job[] = [];
    const healthy = queueThat(async (j) => void sent.push(j));
    // A sweep right away leaves it to the request that may still be sending it.
    await runScheduled(healthy);
    expect(sent).toEqual([]);
    await runScheduled(healthy, Date.now() + SWEEP_AFTER_MS + 1000);
    await runScheduled(healthy, Date.now() + SWEEP_AFTER_MS + 2000);
    expect(sent.filter((j) => 'articleId' in j && j.articleId === article.id)).toEqual([job]);
    expect(await pendingFor(article.id)).toEqual([]);
  });

  it('a sent job leaves nothing behind, and reprocessing takes the same durable path', async () => {
    const { organization } = await signUpOwner();
    const group = await createGroup(db, organization.id, { name: 'Returns' });
    const sent: Job[] = [];
    const healthy = queueThat(async (j) => void sent.push(j));
    const article = await createUrlArticle(healthy, db, organization.id, {
      groupId: group.id,
      url: 'https://shop.example.com/returns',
    });
    expect(await pendingFor(article.id)).toEqual([]);
    const crashed = queueThat(async () => {
      throw new Error('queue unavailable');
    });
    expect((await reprocessArticle(crashed, db, organization.id, article.id)).status).toBe('PROCESSING');
    expect(await pendingFor(article.id)).toEqual([
      { kind: 'knowledge.ingest', organizationId: organization.id, articleId: article.id },
    ]);
    expect(sent).toHaveLength(1);
  });
});

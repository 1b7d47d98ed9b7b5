import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Client } from '../../test/client';
import { DONT_KNOW_REPLY } from '../ai/providers/builtin';
import { PLAN_LIMITS } from '../billing/plans';
import { createDb } from './client';
import { channels, faqs, memberships, users } from './schema';
import { DEMO_PLAN, seedDemo } from './seed';

const db = createDb(env.DB);

async function counts(organizationId: string) {
  const [ch, fq, ms, us] = await Promise.all([
    db.select().from(channels).where(eq(channels.organizationId, organizationId)),
    db.select().from(faqs).where(eq(faqs.organizationId, organizationId)),
    db.select().from(memberships).where(eq(memberships.organizationId, organizationId)),
    db.select().from(users),
  ]);
  return { channels: ch.length, faqs: fq.length, memberships: ms.length, users: us.length };
}

describe('demo seed', () => {
  it('creates a demo shop with a website chat, five FAQs and an agent, and creates nothing the second time', async () => {
    const first = await seedDemo(env, db, 1000);
    expect(first.created).toBe(true);
    expect(await counts(first.organizationId)).toEqual({ channels: 1, faqs: 5, memberships: 2, users: 2 });

    const second = await seedDemo(env, db, 1000);
    expect(second).toEqual({ ...first, created: false });
    expect(await counts(first.organizationId)).toEqual({ channels: 1, faqs: 5, memberships: 2, users: 2 });

    const agent = new Client();
    const login = await agent.post('/api/auth/login', { email: first.agent.email, password: first.agent.password });
    expect(login.status).toBe(200);
    expect((await agent.get('/api/auth/me')).body.data.role).toBe('AGENT');

    const config = await new Client().get(`/api/widget/${first.websiteChannelId}/config`);
    // Online means an agent has the dashboard open (presence), which nobody has here.
    expect(config.body.data).toMatchObject({ name: 'Website chat', online: false });
    expect(config.body.data.greeting).toMatch(/Hi there/);
    const chips = await new Client().get(`/api/widget/${first.websiteChannelId}/faqs`);
    expect(chips.body.data).toHaveLength(5);
    const channel = await agent.get(`/api/channels/${first.websiteChannelId}`);
    expect(channel.body.data.autoReplyMode).toBe('auto-approve');
    expect(channel.body.data.knowledgeGroupIds).toHaveLength(1);
    const providers = await agent.get('/api/ai-providers');
    expect(providers.body.data).toMatchObject([{ type: 'BUILTIN', isDefault: true }]);
    const search = await agent.post('/api/knowledge/search', {
      query: 'How long does express delivery take?',
      channelId: first.websiteChannelId,
    });
    expect(search.body.data[0].title).toBe('Shipping, returns and warranty');
    expect(channel.body.data.settings.allowedDomains ?? []).toEqual([]);
  });

  it('shows sample conversations on first login: one answered by the AI with a citation, one for a human, one translated', async () => {
    const seeded = await seedDemo(env, db, 1000);
    const owner = new Client();
    await owner.post('/api/auth/login', { email: seeded.owner.email, password: seeded.owner.password });
    const list = async () => (await owner.get('/api/conversations?pageSize=50')).body.data.items as any[];
    const byName = async (name: string) => (await list()).find((c) => c.contact?.name === name);
    // The AI answers asynchronously (the ai.reply job): wait for it.
    let aiAnswer: any;
    let handoff: any;
    for (let i = 0; i < 100 && !(aiAnswer && handoff); i++) {
      const emma = await byName('Emma Schmidt');
      const noah = await byName('Noah Williams');
      const [emmaMessages, noahMessages] = await Promise.all([
        emma ? owner.get(`/api/conversations/${emma.id}/messages`) : null,
        noah ? owner.get(`/api/conversations/${noah.id}/messages`) : null,
      ]);
      aiAnswer = emmaMessages?.body.data.items.find((m: any) => m.senderType === 'AI');
      handoff = noahMessages?.body.data.items.find((m: any) => m.senderType === 'AI');
      if (!(aiAnswer && handoff)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(aiAnswer.citations).toEqual([expect.objectContaining({ title: 'Shipping, returns and warranty' })]);
    expect(handoff.content).toBe(DONT_KNOW_REPLY);
    const waiting = await owner.get('/api/conversations?needsHuman=true');
    expect(waiting.body.data.items.map((c: any) => c.contact?.name)).toEqual(['Noah Williams']);
    const lena = await byName('Lena Fischer');
    const lenaMessages = (await owner.get(`/api/conversations/${lena.id}/messages`)).body.data.items;
    expect(lenaMessages.find((m: any) => m.senderType === 'AGENT')).toMatchObject({
      language: 'de',
      originalContent: 'Yes, your order has not shipped yet. I have changed the shoes to size 43.',
    });
    // Seeding again adds no conversation.
    const before = (await list()).length;
    await seedDemo(env, db, 1000);
    expect((await list()).length).toBe(before);
  });
});

describe('demo plan', () => {
  it('puts the demo organisation on Starter, whose seats fit its members and the ones the browser journeys add', async () => {
    const seeded = await seedDemo(env, db, 1000);
    const owner = new Client();
    await owner.post('/api/auth/login', { email: seeded.owner.email, password: seeded.owner.password });
    const seats = (await owner.get('/api/team/seats')).body.data;
    expect(seats).toMatchObject({ plan: DEMO_PLAN, limit: PLAN_LIMITS.STARTER.seats, members: 2 });
    // e2e/analytics adds a viewer and e2e/billing an agent to this organisation.
    expect(seats.limit - seats.used).toBeGreaterThanOrEqual(2);
    const billing = (await owner.get('/api/billing')).body.data;
    expect(billing.plan).toBe('STARTER');
    // Seeding again neither changes the plan nor grants the allowance twice (one PLAN_CHANGE on the ledger).
    await seedDemo(env, db, 1000);
    expect((await owner.get('/api/billing')).body.data.plan).toBe('STARTER');
    const changes = await env.DB.prepare(
      "SELECT delta FROM token_ledger WHERE organization_id = ? AND reason = 'PLAN_CHANGE'",
    )
      .bind(seeded.organizationId)
      .all<{ delta: number }>();
    expect(changes.results).toEqual([{ delta: PLAN_LIMITS.STARTER.tokens - Number(env.FREE_PLAN_TOKENS) }]);
    expect(
      (await owner.post('/api/team/invitations', { email: 'new.agent@demo.helpstack.local', role: 'AGENT' })).status,
    ).toBe(201);
  });
});

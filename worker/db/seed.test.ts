import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Client } from '../../test/client';
import { createDb } from './client';
import { channels, faqs, memberships, users } from './schema';
import { seedDemo } from './seed';

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
    expect(config.body.data).toMatchObject({ name: 'Website chat', online: true });
    expect(config.body.data.greeting).toMatch(/Hi there/);
    const chips = await new Client().get(`/api/widget/${first.websiteChannelId}/faqs`);
    expect(chips.body.data).toHaveLength(5);
    const channel = await agent.get(`/api/channels/${first.websiteChannelId}`);
    expect(channel.body.data.autoReplyMode).toBe('off');
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
});

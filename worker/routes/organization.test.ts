import { describe, expect, it } from 'vitest';
import { addMember, Client, signUpOwner } from '../../test/client';

describe('/api/organization (Settings → General)', () => {
  it('every member reads the workspace: its id (what support asks for), name and plan', async () => {
    const owner = await signUpOwner('Lumen Shop');
    const viewer = await addMember(owner.client, 'VIEWER');
    const res = await viewer.client.get('/api/organization');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: owner.organization.id, name: 'Lumen Shop', plan: 'FREE' });
    expect(new Date(res.body.data.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // The plan's limits and the comment-listening window (ChatSparks' troubleshooting), and the billing cycle,
    // anchored at sign-up.
    expect(res.body.data.limits).toMatchObject({ seats: 2, contacts: 100 });
    expect(res.body.data.commentListeningWindowDays).toBe(30);
    const { start, end } = res.body.data.cycle;
    expect(Date.parse(start)).toBe(Date.parse(res.body.data.createdAt));
    expect(Date.parse(end)).toBeGreaterThan(Date.now() + 27 * 86_400_000);
  });

  it('an admin renames the workspace, trimmed; /me then says the new name', async () => {
    const owner = await signUpOwner('Old Name');
    const admin = await addMember(owner.client, 'ADMIN');
    const res = await admin.client.patch('/api/organization', { name: '  Lumen Home  ' });
    expect(res.status).toBe(200);
    expect(res.body.data.name).toBe('Lumen Home');
    const me = await owner.client.get('/api/auth/me');
    expect(me.body.data.organization.name).toBe('Lumen Home');
  });

  it('agents and viewers cannot rename it, and a bad name changes nothing', async () => {
    const owner = await signUpOwner('Kept');
    const agent = await addMember(owner.client, 'AGENT');
    const refused = await agent.client.patch('/api/organization', { name: 'Hijacked' });
    expect(refused.status).toBe(403);
    const empty = await owner.client.patch('/api/organization', { name: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('VALIDATION_ERROR');
    expect(empty.body.error.fields.name).toEqual(['Give the workspace a name']);
    const long = await owner.client.patch('/api/organization', { name: 'x'.repeat(101) });
    expect(long.status).toBe(400);
    expect(long.body.error.fields.name).toEqual(['A workspace name is at most 100 characters']);
    expect((await owner.client.get('/api/organization')).body.data.name).toBe('Kept');
  });

  it('is scoped to the caller and needs a session', async () => {
    const a = await signUpOwner('Org A');
    const b = await signUpOwner('Org B');
    await b.client.patch('/api/organization', { name: 'Org B renamed' });
    expect((await a.client.get('/api/organization')).body.data.name).toBe('Org A');
    expect((await new Client().get('/api/organization')).status).toBe(401);
    expect((await new Client().patch('/api/organization', { name: 'x' })).status).toBe(401);
  });
});

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, Client, signUpOwner, uniqueEmail } from '../../test/client';

/** Tests about roles and tenancy invite freely: their organisation is on a plan with room (seats: team/seats.test.ts). */
const withRoomyPlan = async <T extends { organization: { id: string } }>(owner: T): Promise<T> => {
  await env.DB.prepare("UPDATE organizations SET plan = 'GROWTH' WHERE id = ?").bind(owner.organization.id).run();
  return owner;
};

describe('team members', () => {
  it('lists members with role, status and last login', async () => {
    const { client, email } = await signUpOwner();
    await addMember(client, 'AGENT');
    const res = await client.get('/api/team/members');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    const owner = res.body.data.find((m: any) => m.email === email);
    expect(owner).toMatchObject({ role: 'OWNER', status: 'ACTIVE' });
    expect(owner.lastLoginAt).toBeTruthy();
  });

  it('creates a member with a one-time temporary password when none is given', async () => {
    const { client } = await signUpOwner();
    const email = uniqueEmail('temp');
    const res = await client.post('/api/team/members', { email, name: 'Tim Temp', role: 'AGENT' });
    expect(res.status).toBe(201);
    const { temporaryPassword, member } = res.body.data;
    expect(temporaryPassword).toMatch(/^.{12,}$/);
    expect(member).toMatchObject({ email, role: 'AGENT', status: 'ACTIVE' });
    const login = await new Client().post('/api/auth/login', { email, password: temporaryPassword });
    expect(login.status).toBe(200);
    // Never shown again.
    const again = await client.get(`/api/team/members/${member.id}`);
    expect(JSON.stringify(again.body)).not.toContain(temporaryPassword);
  });

  it('uses the given password and returns no temporary one', async () => {
    const { client } = await signUpOwner();
    const res = await client.post('/api/team/members', {
      email: uniqueEmail(),
      name: 'Pat',
      role: 'VIEWER',
      password: 'chosen password',
    });
    expect(res.status).toBe(201);
    expect(res.body.data.temporaryPassword).toBeUndefined();
  });

  it('keeps emails unique in the organisation (409) and validates the body (400)', async () => {
    const { client } = await signUpOwner();
    const { email } = await addMember(client, 'AGENT');
    const dup = await client.post('/api/team/members', { email: email.toUpperCase(), name: 'Dup', role: 'AGENT' });
    expect(dup.status).toBe(409);
    const bad = await client.post('/api/team/members', { email: 'x', name: '', role: 'KING' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['email', 'name', 'role']);
  });

  it('suspends a member: their sessions stop working at once and they cannot log in until reactivated', async () => {
    const { client: owner } = await signUpOwner();
    const agent = await addMember(owner, 'AGENT');
    expect((await agent.client.get('/api/auth/me')).status).toBe(200);
    const suspend = await owner.patch(`/api/team/members/${agent.member.id}`, { status: 'SUSPENDED' });
    expect(suspend.status).toBe(200);
    expect(suspend.body.data.status).toBe('SUSPENDED');
    expect((await agent.client.get('/api/auth/me')).status).toBe(401);
    const login = await new Client().post('/api/auth/login', { email: agent.email, password: agent.password });
    expect(login.status).toBe(403);
    await owner.patch(`/api/team/members/${agent.member.id}`, { status: 'ACTIVE' });
    const back = await new Client().post('/api/auth/login', { email: agent.email, password: agent.password });
    expect(back.status).toBe(200);
  });

  it('changes a role, which takes effect on the next request', async () => {
    const { client: owner } = await withRoomyPlan(await signUpOwner());
    const viewer = await addMember(owner, 'VIEWER');
    expect((await viewer.client.post('/api/team/invitations', { email: uniqueEmail(), role: 'AGENT' })).status).toBe(
      403,
    );
    const res = await owner.patch(`/api/team/members/${viewer.member.id}`, { role: 'ADMIN' });
    expect(res.body.data.role).toBe('ADMIN');
    expect((await viewer.client.post('/api/team/invitations', { email: uniqueEmail(), role: 'AGENT' })).status).toBe(
      201,
    );
  });

  it('removes a member, ending their sessions', async () => {
    const { client: owner } = await signUpOwner();
    const agent = await addMember(owner, 'AGENT');
    expect((await owner.delete(`/api/team/members/${agent.member.id}`)).status).toBe(200);
    expect((await agent.client.get('/api/auth/me')).status).toBe(401);
    expect((await owner.get('/api/team/members')).body.data).toHaveLength(1);
  });
});

describe('owners', () => {
  it('never lets the last owner be demoted, suspended or removed', async () => {
    const { client: owner, user } = await signUpOwner();
    for (const change of [{ role: 'ADMIN' }, { status: 'SUSPENDED' }]) {
      const res = await owner.patch(`/api/team/members/${user.id}`, change);
      expect(res.status).toBe(409);
    }
    expect((await owner.delete(`/api/team/members/${user.id}`)).status).toBe(409);
    expect((await owner.get('/api/auth/me')).body.data.role).toBe('OWNER');
  });

  it('lets an owner step down once another owner exists', async () => {
    const { client: owner, user } = await signUpOwner();
    await addMember(owner, 'OWNER');
    const res = await owner.patch(`/api/team/members/${user.id}`, { role: 'ADMIN' });
    expect(res.status).toBe(200);
    expect((await owner.get('/api/auth/me')).body.data.role).toBe('ADMIN');
  });

  it('keeps the OWNER role out of an admin’s hands', async () => {
    const { client: owner, user } = await signUpOwner();
    const admin = await addMember(owner, 'ADMIN');
    const agent = await addMember(owner, 'AGENT');
    expect(
      (await admin.client.post('/api/team/members', { email: uniqueEmail(), name: 'X', role: 'OWNER' })).status,
    ).toBe(403);
    expect((await admin.client.patch(`/api/team/members/${agent.member.id}`, { role: 'OWNER' })).status).toBe(403);
    expect((await admin.client.patch(`/api/team/members/${user.id}`, { role: 'AGENT' })).status).toBe(403);
    expect((await admin.client.delete(`/api/team/members/${user.id}`)).status).toBe(403);
    expect((await admin.client.patch(`/api/team/members/${agent.member.id}`, { role: 'VIEWER' })).status).toBe(200);
  });
});

describe('invitations', () => {
  async function inviteUrl(owner: Client, email: string, role = 'AGENT') {
    const res = await owner.post('/api/team/invitations', { email, role });
    expect(res.status).toBe(201);
    expect(res.body.data.invitation.status).toBe('PENDING');
    return res.body.data.inviteUrl as string;
  }

  it('emails an invitation that a new person accepts by creating their account', async () => {
    const { client: owner, organization } = await signUpOwner('Initech');
    const email = uniqueEmail('invitee');
    const url = await inviteUrl(owner, email);
    const token = url.split('/').at(-1)!;
    const mail = await env.DB.prepare('SELECT subject, text FROM outbound_emails WHERE "to" = ?').bind(email).first<{
      subject: string;
      text: string;
    }>();
    expect(mail?.subject).toContain('Initech');
    expect(mail?.text).toContain(url);

    const invitee = new Client();
    const missing = await invitee.post(`/api/team/invitations/${token}/accept`, {});
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.error.fields).sort()).toEqual(['name', 'password']);
    const res = await invitee.post(`/api/team/invitations/${token}/accept`, { name: 'Ivy', password: 'ivy password' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ role: 'AGENT', organization: { id: organization.id } });
    expect((await invitee.get('/api/auth/me')).body.data.user.email).toBe(email);

    const list = await owner.get('/api/team/invitations');
    expect(list.body.data[0].status).toBe('ACTIVE');
    expect((await owner.get('/api/team/members')).body.data.map((m: any) => m.email)).toContain(email);
    expect((await invitee.post(`/api/team/invitations/${token}/accept`, {})).status).toBe(409);
  });

  it('is accepted only by the invited email', async () => {
    const { client: owner } = await signUpOwner();
    const url = await inviteUrl(owner, uniqueEmail('invited'));
    const other = await signUpOwner('Other Org');
    const res = await other.client.post(`/api/team/invitations/${url.split('/').at(-1)}/accept`, {});
    expect(res.status).toBe(403);
  });

  it('never takes a password: an existing account accepts only from its own session', async () => {
    const { client: owner, organization } = await signUpOwner('Hooli');
    const victim = await signUpOwner('Own Org');
    const token = (await inviteUrl(owner, victim.email, 'VIEWER')).split('/').at(-1)!;
    // Whoever holds the link cannot test passwords against the account: even the right one is refused.
    for (const password of ['wrong pass 1', 'wrong pass 2', 'correct horse battery']) {
      const anonymous = new Client();
      const res = await anonymous.post(`/api/team/invitations/${token}/accept`, { password });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toBe(
        'This email already has a HelpStack account: log in to it, then open the invitation link again',
      );
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect((await owner.get('/api/team/members')).body.data.map((m: any) => m.email)).not.toContain(victim.email);
    expect((await owner.get('/api/team/invitations')).body.data[0].status).toBe('PENDING');

    // The account's own session (from the throttled login) accepts it.
    const res = await victim.client.post(`/api/team/invitations/${token}/accept`, {});
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ role: 'VIEWER', organization: { id: organization.id } });
    expect((await victim.client.get('/api/auth/me')).body.data.organization.id).toBe(organization.id);
  });

  it('does not change which organisation an existing member’s next login opens', async () => {
    const { client: owner, organization } = await signUpOwner('Joined Org');
    const member = await signUpOwner('Home Org');
    const token = (await inviteUrl(owner, member.email, 'AGENT')).split('/').at(-1)!;
    expect((await member.client.post(`/api/team/invitations/${token}/accept`, {})).status).toBe(200);
    const next = await new Client().post('/api/auth/login', { email: member.email, password: 'correct horse battery' });
    expect(next.status).toBe(200);
    expect(next.body.data.organization.id).toBe(member.organization.id);
    const joined = (await owner.get('/api/team/members')).body.data.find((m: any) => m.email === member.email);
    expect(joined).toMatchObject({ role: 'AGENT', status: 'ACTIVE', lastLoginAt: null });
    expect(organization.id).not.toBe(member.organization.id);
  });

  it('refuses unknown or revoked tokens and inviting an existing member', async () => {
    const { client: owner } = await signUpOwner();
    expect((await new Client().post('/api/team/invitations/nonsense/accept', {})).status).toBe(404);
    const email = uniqueEmail();
    const first = (await inviteUrl(owner, email)).split('/').at(-1)!;
    await inviteUrl(owner, email); // re-inviting replaces the first token
    expect(
      (await new Client().post(`/api/team/invitations/${first}/accept`, { name: 'A', password: 'pass word' })).status,
    ).toBe(404);
    const agent = await addMember(owner, 'AGENT');
    expect((await owner.post('/api/team/invitations', { email: agent.email, role: 'AGENT' })).status).toBe(409);
  });
});

describe('stale invitations', () => {
  async function invitationToken(owner: Client, email: string, role: string) {
    const res = await owner.post('/api/team/invitations', { email, role });
    expect(res.status).toBe(201);
    return { token: (res.body.data.inviteUrl as string).split('/').at(-1)!, id: res.body.data.invitation.id as string };
  }
  const invitationStatus = async (id: string) =>
    (await env.DB.prepare('SELECT status FROM invitations WHERE id = ?').bind(id).first<{ status: string }>())?.status;
  /** An invitation left PENDING by an older version, which did not revoke invitations on these changes. */
  const leavePending = (id: string) =>
    env.DB.prepare("UPDATE invitations SET status = 'PENDING' WHERE id = ?").bind(id).run();

  it('cannot undo a suspension or raise the role set when the member was created', async () => {
    const { client: owner } = await signUpOwner();
    const email = uniqueEmail('e');
    const invitation = await invitationToken(owner, email, 'ADMIN');
    const created = await owner.post('/api/team/members', {
      email,
      name: 'Eve',
      role: 'AGENT',
      password: 'eve password 1',
    });
    expect(created.status).toBe(201);
    expect(await invitationStatus(invitation.id)).toBe('REVOKED');
    const memberId = created.body.data.member.id;
    expect((await owner.patch(`/api/team/members/${memberId}`, { status: 'SUSPENDED' })).status).toBe(200);

    const eve = new Client();
    const accept = await eve.post(`/api/team/invitations/${invitation.token}/accept`, {
      name: 'Eve',
      password: 'eve password 1',
    });
    expect(accept.status).toBe(404);
    expect((await owner.get(`/api/team/members/${memberId}`)).body.data).toMatchObject({
      role: 'AGENT',
      status: 'SUSPENDED',
    });
    expect((await eve.post('/api/auth/login', { email, password: 'eve password 1' })).status).toBe(403);
  });

  it('revokes pending invitations when a member is suspended or removed', async () => {
    const { client: owner } = await signUpOwner();
    for (const change of ['suspend', 'remove'] as const) {
      const email = uniqueEmail(change);
      const invitation = await invitationToken(owner, email, 'ADMIN');
      const created = await owner.post('/api/team/members', { email, name: 'M', role: 'AGENT' });
      await leavePending(invitation.id);
      const memberId = created.body.data.member.id;
      const res =
        change === 'suspend'
          ? await owner.patch(`/api/team/members/${memberId}`, { status: 'SUSPENDED' })
          : await owner.delete(`/api/team/members/${memberId}`);
      expect(res.status).toBe(200);
      expect([change, await invitationStatus(invitation.id)]).toEqual([change, 'REVOKED']);
    }
  });

  /** Sam owns another organisation and joins the owner's as VIEWER, leaving an older ADMIN invitation behind. */
  async function samJoins(owner: Client) {
    const sam = await signUpOwner('Sam Org');
    const old = await invitationToken(owner, sam.email, 'ADMIN');
    const current = await invitationToken(owner, sam.email, 'VIEWER');
    expect((await sam.client.post(`/api/team/invitations/${current.token}/accept`, {})).status).toBe(200);
    const member = (await owner.get('/api/team/members')).body.data.find((m: any) => m.email === sam.email);
    const login = async () => {
      const client = new Client();
      expect(
        (await client.post('/api/auth/login', { email: sam.email, password: 'correct horse battery' })).status,
      ).toBe(200);
      return client;
    };
    return { sam, old, memberId: member.id as string, login };
  }

  it('refuses a suspended member’s old invitation with a clear error, leaving the suspension and role', async () => {
    const { client: owner } = await signUpOwner();
    const { old, memberId, login } = await samJoins(owner);
    expect((await owner.patch(`/api/team/members/${memberId}`, { status: 'SUSPENDED' })).status).toBe(200);
    await leavePending(old.id);
    const sam = await login(); // into Sam's own organisation: the suspended one is not available
    const res = await sam.post(`/api/team/invitations/${old.token}/accept`, {});
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'Your membership of this organization is suspended; an invitation cannot reactivate it. Ask an administrator.',
    );
    expect((await owner.get(`/api/team/members/${memberId}`)).body.data).toMatchObject({
      role: 'VIEWER',
      status: 'SUSPENDED',
    });
    expect(await invitationStatus(old.id)).toBe('PENDING');
  });

  it('refuses a removed member’s old invitation, while a new invitation lets them back', async () => {
    const { client: owner } = await signUpOwner();
    const { sam: samAccount, old, memberId, login } = await samJoins(owner);
    expect((await owner.delete(`/api/team/members/${memberId}`)).status).toBe(200);
    await leavePending(old.id);
    const sam = await login();
    const res = await sam.post(`/api/team/invitations/${old.token}/accept`, {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(
      'This invitation predates your removal from this organization and no longer applies; ask an administrator for a new one',
    );
    const emails = (await owner.get('/api/team/members')).body.data.map((m: any) => m.email);
    expect(emails).not.toContain(samAccount.email);

    // Re-invited on purpose after the removal: accepted.
    await owner.delete(`/api/team/invitations/${old.id}`);
    const fresh = await invitationToken(owner, samAccount.email, 'AGENT');
    const back = await sam.post(`/api/team/invitations/${fresh.token}/accept`, {});
    expect(back.status).toBe(200);
    expect(back.body.data.role).toBe('AGENT');
  });
});

describe('tenancy', () => {
  it('hides every team resource of another organisation (404) and never lists them', async () => {
    const a = await withRoomyPlan(await signUpOwner('Org A'));
    const b = await signUpOwner('Org B');
    const agentA = await addMember(a.client, 'AGENT');
    const invitation = await a.client.post('/api/team/invitations', { email: uniqueEmail(), role: 'AGENT' });
    const invitationId = invitation.body.data.invitation.id;
    for (const id of [agentA.member.id, agentA.member.userId, a.user.id]) {
      expect((await b.client.get(`/api/team/members/${id}`)).status).toBe(404);
      expect((await b.client.patch(`/api/team/members/${id}`, { role: 'VIEWER' })).status).toBe(404);
      expect((await b.client.delete(`/api/team/members/${id}`)).status).toBe(404);
    }
    expect((await b.client.delete(`/api/team/invitations/${invitationId}`)).status).toBe(404);
    const members = await b.client.get('/api/team/members');
    expect(members.body.data.map((m: any) => m.email)).toEqual([b.email]);
    expect((await b.client.get('/api/team/invitations')).body.data).toEqual([]);
    expect((await a.client.get(`/api/team/members/${agentA.member.id}`)).body.data.role).toBe('AGENT');
  });
});

describe('role matrix', () => {
  const routes: { name: string; call: (c: Client, ids: { memberId: string }) => Promise<number>; min: string }[] = [
    { name: 'GET members', min: 'VIEWER', call: async (c) => (await c.get('/api/team/members')).status },
    { name: 'GET invitations', min: 'VIEWER', call: async (c) => (await c.get('/api/team/invitations')).status },
    {
      name: 'POST members',
      min: 'ADMIN',
      call: async (c) => (await c.post('/api/team/members', { email: uniqueEmail(), name: 'N', role: 'AGENT' })).status,
    },
    {
      name: 'PATCH member',
      min: 'ADMIN',
      call: async (c, ids) => (await c.patch(`/api/team/members/${ids.memberId}`, { name: 'Renamed' })).status,
    },
    {
      name: 'POST invitations',
      min: 'ADMIN',
      call: async (c) => (await c.post('/api/team/invitations', { email: uniqueEmail(), role: 'AGENT' })).status,
    },
  ];
  const rank = { VIEWER: 0, AGENT: 1, ADMIN: 2, OWNER: 3 } as const;

  it.each(['VIEWER', 'AGENT', 'ADMIN', 'OWNER'] as const)(
    '%s gets what its role allows and 403 otherwise',
    async (role) => {
      const owner = await withRoomyPlan(await signUpOwner());
      const caller = role === 'OWNER' ? owner.client : (await addMember(owner.client, role)).client;
      const target = await addMember(owner.client, 'VIEWER');
      for (const route of routes) {
        const status = await route.call(caller, { memberId: target.member.id });
        const allowed = rank[role] >= rank[route.min as keyof typeof rank];
        expect([route.name, status]).toEqual([route.name, allowed ? expect.any(Number) : 403]);
        if (allowed) expect(status).toBeLessThan(300);
      }
    },
  );

  it('DELETE member requires ADMIN', async () => {
    const owner = await signUpOwner();
    const agent = await addMember(owner.client, 'AGENT');
    const target = await addMember(owner.client, 'VIEWER');
    expect((await agent.client.delete(`/api/team/members/${target.member.id}`)).status).toBe(403);
    const admin = await addMember(owner.client, 'ADMIN');
    expect((await admin.client.delete(`/api/team/members/${target.member.id}`)).status).toBe(200);
  });
});

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Client as Browser, type Client, signUpOwner, uniqueEmail } from '../../test/client';
import { PLAN_LIMITS } from '../billing/plans';

type Owner = Awaited<ReturnType<typeof signUpOwner>>;

const setPlan = (organizationId: string, plan: string) =>
  env.DB.prepare('UPDATE organizations SET plan = ?1 WHERE id = ?2').bind(plan, organizationId).run();

async function invite(owner: Client, email = uniqueEmail('invitee'), role = 'AGENT') {
  return owner.post('/api/team/invitations', { email, role });
}

const tokenOf = (res: { body: { data: { inviteUrl: string } } }) => res.body.data.inviteUrl.split('/').at(-1)!;

async function createMember(owner: Owner, role = 'AGENT', email = uniqueEmail('member')) {
  return owner.client.post('/api/team/members', {
    email,
    name: 'Member',
    role,
    password: 'member password 1',
  });
}

const FREE_FULL =
  'Your Free plan includes 2 seats, and 1 member and 1 pending invitation take them all. ' +
  'Remove a member or revoke an invitation to free a seat, or an owner can upgrade the plan on the Billing page.';

describe('plan seats', () => {
  it('refuses an invitation once members and pending invitations fill the plan, with 402 SEAT_LIMIT', async () => {
    const owner = await signUpOwner();
    expect(PLAN_LIMITS.FREE.seats).toBe(2);
    const first = await invite(owner.client);
    expect(first.status).toBe(201);
    const refused = await invite(owner.client);
    expect(refused.status).toBe(402);
    expect(refused.body.error).toEqual({ code: 'SEAT_LIMIT', message: FREE_FULL });
    const seats = await owner.client.get('/api/team/seats');
    expect(seats.body.data).toEqual({ plan: 'FREE', limit: 2, members: 1, pending: 1, used: 2, available: 0 });
    // Creating a member directly needs a seat too.
    const created = await createMember(owner);
    expect(created.status).toBe(402);
    expect(created.body.error.code).toBe('SEAT_LIMIT');
  });

  it('re-inviting the same email replaces its invitation rather than taking another seat', async () => {
    const owner = await signUpOwner();
    const email = uniqueEmail('again');
    expect((await invite(owner.client, email)).status).toBe(201);
    expect((await invite(owner.client, email, 'VIEWER')).status).toBe(201);
    const seats = await owner.client.get('/api/team/seats');
    expect(seats.body.data).toMatchObject({ members: 1, pending: 1, available: 0 });
  });

  it('revoking an invitation or removing a member frees a seat; an expired invitation holds none', async () => {
    const owner = await signUpOwner();
    const sent = await invite(owner.client);
    expect((await invite(owner.client)).status).toBe(402);
    expect((await owner.client.delete(`/api/team/invitations/${sent.body.data.invitation.id}`)).status).toBe(200);
    expect((await owner.client.get('/api/team/seats')).body.data).toMatchObject({ pending: 0, available: 1 });

    const created = await createMember(owner);
    expect(created.status).toBe(201);
    expect((await invite(owner.client)).status).toBe(402);
    expect((await owner.client.delete(`/api/team/members/${created.body.data.member.id}`)).status).toBe(200);
    const again = await invite(owner.client);
    expect(again.status).toBe(201);

    await env.DB.prepare('UPDATE invitations SET expires_at = ?1 WHERE id = ?2')
      .bind(Date.now() - 1000, again.body.data.invitation.id)
      .run();
    expect((await owner.client.get('/api/team/seats')).body.data).toMatchObject({ pending: 0, available: 1 });
    expect((await invite(owner.client)).status).toBe(201);
  });

  it('two invitations accepted at once on the last seat: exactly one joins, the other is told why', async () => {
    const owner = await signUpOwner('Seat Race Ltd');
    // Both invited while on Starter; then the plan went down to Free, which has one seat left.
    await setPlan(owner.organization.id, 'STARTER');
    const a = await invite(owner.client);
    const b = await invite(owner.client);
    expect([a.status, b.status]).toEqual([201, 201]);
    await setPlan(owner.organization.id, 'FREE');

    const results = await Promise.all(
      [a, b].map((sent, i) =>
        new Browser().post(`/api/team/invitations/${tokenOf(sent)}/accept`, {
          name: `Invitee ${i}`,
          password: 'invitee password',
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 402]);
    const loser = results.find((r) => r.status === 402)!;
    expect(loser.body.error).toEqual({
      code: 'SEAT_LIMIT',
      message:
        'Seat Race Ltd has no free seat: its Free plan includes 2 seats, and 2 members take them all. ' +
        'Ask an administrator there to free a seat or upgrade the plan, then open the invitation link again.',
    });
    const members = await owner.client.get('/api/team/members');
    expect(members.body.data).toHaveLength(2);
    // The refused invitee got no account and their invitation is still pending (usable once a seat is free).
    const loserEmail = [a, b][results.indexOf(loser)]!.body.data.invitation.email as string;
    const account = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(loserEmail).first();
    expect(account).toBeNull();
    const invitations = await owner.client.get('/api/team/invitations');
    const statuses = Object.fromEntries(
      invitations.body.data.map((i: { email: string; status: string }) => [i.email, i.status]),
    );
    expect(statuses[loserEmail]).toBe('PENDING');

    // A seat freed (the plan goes back up): the same link now works.
    await setPlan(owner.organization.id, 'STARTER');
    const retried = await new Browser().post(
      `/api/team/invitations/${tokenOf([a, b][results.indexOf(loser)]!)}/accept`,
      {
        name: 'Late',
        password: 'invitee password',
      },
    );
    expect(retried.status).toBe(200);
  });

  it('two invitations or two direct creations at once on the last seat: exactly one gets it', async () => {
    const owner = await signUpOwner();
    const invites = await Promise.all([invite(owner.client), invite(owner.client)]);
    expect(invites.map((r) => r.status).sort()).toEqual([201, 402]);
    expect((await owner.client.get('/api/team/seats')).body.data).toMatchObject({ members: 1, pending: 1, used: 2 });

    const other = await signUpOwner();
    const emails = [uniqueEmail('racer'), uniqueEmail('racer')];
    const created = await Promise.all(emails.map((email) => createMember(other, 'AGENT', email)));
    expect(created.map((r) => r.status).sort()).toEqual([201, 402]);
    expect((await other.client.get('/api/team/members')).body.data).toHaveLength(2);
    const refused = created.find((r) => r.status === 402)!;
    expect(refused.body.error.message).toMatch(/^Your Free plan includes 2 seats, and 2 members take them all\./);
    // The refused one left no account behind.
    const accounts = await env.DB.prepare('SELECT email FROM users WHERE email IN (?1, ?2)')
      .bind(...emails)
      .all<{ email: string }>();
    expect(accounts.results.map((row) => row.email)).toEqual([emails[created.indexOf(refused) === 0 ? 1 : 0]]);
  });

  it('after a downgrade below the headcount, members keep access and new seats wait until under the limit', async () => {
    const owner = await signUpOwner();
    await setPlan(owner.organization.id, 'STARTER');
    const members: string[] = [];
    for (const role of ['ADMIN', 'AGENT', 'VIEWER']) {
      const res = await createMember(owner, role);
      expect(res.status).toBe(201);
      members.push(res.body.data.member.id);
    }
    await setPlan(owner.organization.id, 'FREE');
    expect((await owner.client.get('/api/team/seats')).body.data).toEqual({
      plan: 'FREE',
      limit: 2,
      members: 4,
      pending: 0,
      used: 4,
      available: 0,
    });
    // Nobody lost access: every member still logs in and reads the team.
    expect((await owner.client.get('/api/team/members')).body.data).toHaveLength(4);
    const refused = await invite(owner.client);
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toMatch(/^Your Free plan includes 2 seats, and 4 members take them all\./);
    // Suspending one frees a seat only when the count drops under the limit; reactivating needs a free seat.
    expect((await owner.client.patch(`/api/team/members/${members[0]}`, { status: 'SUSPENDED' })).status).toBe(200);
    expect((await owner.client.patch(`/api/team/members/${members[1]}`, { status: 'SUSPENDED' })).status).toBe(200);
    expect((await invite(owner.client)).status).toBe(402);
    expect((await owner.client.delete(`/api/team/members/${members[2]}`)).status).toBe(200);
    expect((await invite(owner.client)).status).toBe(201);
    const reactivate = await owner.client.patch(`/api/team/members/${members[0]}`, { status: 'ACTIVE' });
    expect(reactivate.status).toBe(402);
    expect(reactivate.body.error.code).toBe('SEAT_LIMIT');
  });

  it('every member reads the seats; the Enterprise custom seat count applies', async () => {
    const owner = await signUpOwner();
    await setPlan(owner.organization.id, 'ENTERPRISE');
    await env.DB.prepare(
      `INSERT INTO billing_accounts (organization_id, cycle_anchor, cycle_start, cycle_end, custom_seats, top_up_balance, updated_at)
       VALUES (?1, ?2, ?2, ?3, 3, 0, ?2)
       ON CONFLICT (organization_id) DO UPDATE SET custom_seats = 3`,
    )
      .bind(owner.organization.id, Date.now(), Date.now() + 30 * 86_400_000)
      .run();
    const agent = await createMember(owner, 'AGENT');
    expect(agent.status).toBe(201);
    const login = new Browser();
    expect(
      (await login.post('/api/auth/login', { email: agent.body.data.member.email, password: 'member password 1' }))
        .status,
    ).toBe(200);
    expect((await login.get('/api/team/seats')).body.data).toEqual({
      plan: 'ENTERPRISE',
      limit: 3,
      members: 2,
      pending: 0,
      used: 2,
      available: 1,
    });
    expect((await invite(owner.client)).status).toBe(201);
    const full = await invite(owner.client);
    expect(full.status).toBe(402);
    expect(full.body.error.message).toBe(
      'Your Enterprise plan includes 3 seats, and 2 members and 1 pending invitation take them all. ' +
        'Remove a member or revoke an invitation to free a seat, or ask your HelpStack contact for more seats.',
    );
  });
});

import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client, ORIGIN, signUpOwner, uniqueEmail } from '../../test/client';

describe('sign up', () => {
  it('creates a user who owns a new organisation and is logged in', async () => {
    const { client, email, organization } = await signUpOwner('Globex');
    expect(organization.name).toBe('Globex');
    expect(organization.tokenBalance).toBe(Number(env.FREE_PLAN_TOKENS));
    const me = await client.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.data.user.email).toBe(email);
    expect(me.body.data.role).toBe('OWNER');
    expect(me.body.data.organization.id).toBe(organization.id);
    expect(JSON.stringify(me.body)).not.toMatch(/password/i);
  });

  it('rejects invalid input with field errors and creates nothing', async () => {
    const client = new Client();
    const email = uniqueEmail();
    const res = await client.post('/api/auth/signup', { email, password: 'short', name: '', organizationName: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['name', 'organizationName', 'password']);
    const login = await client.post('/api/auth/login', { email, password: 'short' });
    expect(login.status).toBe(401);
  });

  it('answers a taken email exactly like a new one, creates nothing and mails the owner instead', async () => {
    const { email, organization } = await signUpOwner('Original Org');
    const signUp = (address: string) =>
      new Client().post('/api/auth/signup', {
        email: address,
        password: 'attacker password',
        name: 'Mallory',
        organizationName: 'Copy Org',
      });
    const fresh = uniqueEmail('fresh');
    const [taken, unused] = [await signUp(email.toUpperCase()), await signUp(fresh)];
    expect(taken.status).toBe(201);
    expect(unused.status).toBe(201);
    // Same body apart from the echoed address, and no session either way.
    expect({ ...taken.body.data, email: 'x' }).toEqual({ ...unused.body.data, email: 'x' });
    expect(Object.keys(taken.body.data).sort()).toEqual(['email', 'message']);
    expect(taken.headers.get('set-cookie')).toBeNull();
    expect(unused.headers.get('set-cookie')).toBeNull();

    // No second account: the attacker's password does not open it, the owner's still lands in their org.
    const users = await env.DB.prepare('SELECT count(*) AS n FROM users WHERE email = ?')
      .bind(email)
      .first<{ n: number }>();
    expect(users?.n).toBe(1);
    expect((await new Client().post('/api/auth/login', { email, password: 'attacker password' })).status).toBe(401);
    const owner = await new Client().post('/api/auth/login', { email, password: 'correct horse battery' });
    expect(owner.body.data.organization).toMatchObject({ id: organization.id, name: 'Original Org' });

    const mails = await env.DB.prepare('SELECT subject, text FROM outbound_emails WHERE "to" = ? ORDER BY created_at')
      .bind(email)
      .all<{ subject: string; text: string }>();
    expect(mails.results.map((m) => m.subject)).toEqual([
      'Welcome to HelpStack',
      'Someone tried to sign up to HelpStack with your email',
    ]);
    expect(mails.results[1]!.text).toContain('No account was created');
    expect(mails.results[1]!.text).toContain('http://localhost/login');
    // Repeated attempts do not flood the owner's inbox: one such mail an hour.
    expect((await signUp(email)).status).toBe(201);
    const again = await env.DB.prepare('SELECT count(*) AS n FROM outbound_emails WHERE "to" = ? AND subject LIKE ?')
      .bind(email, 'Someone tried%')
      .first<{ n: number }>();
    expect(again?.n).toBe(1);
  });

  it('creates a new account without logging in; logging in next opens its new organisation', async () => {
    const client = new Client();
    const email = uniqueEmail('new');
    const res = await client.post('/api/auth/signup', {
      email,
      password: 'long enough password',
      name: 'Nia New',
      organizationName: 'Nia Co',
    });
    expect(res.status).toBe(201);
    expect((await client.get('/api/auth/me')).status).toBe(401);
    const login = await client.post('/api/auth/login', { email, password: 'long enough password' });
    expect(login.status).toBe(200);
    expect(login.body.data).toMatchObject({
      role: 'OWNER',
      organization: { name: 'Nia Co' },
      user: { name: 'Nia New' },
    });
  });
});

describe('log in and log out', () => {
  it('logs in with the right password and not with a wrong one', async () => {
    const { email, organization } = await signUpOwner();
    const client = new Client();
    const wrong = await client.post('/api/auth/login', { email, password: 'wrong password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe('Invalid email or password');
    const unknown = await client.post('/api/auth/login', { email: uniqueEmail(), password: 'whatever1' });
    expect(unknown.status).toBe(401);
    const right = await client.post('/api/auth/login', { email, password: 'correct horse battery' });
    expect(right.status).toBe(200);
    expect(right.body.data.organization.id).toBe(organization.id);
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  it('sets an HttpOnly SameSite=Lax session cookie on login (Secure except on localhost)', async () => {
    const { email } = await signUpOwner();
    const res = await new Client().post('/api/auth/login', { email, password: 'correct horse battery' });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^hs_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('revokes the session on logout: the old cookie stops working at once', async () => {
    const { client } = await signUpOwner();
    const stolen = new Client();
    stolen.cookie = client.cookie;
    expect((await stolen.get('/api/auth/me')).status).toBe(200);
    const out = await client.post('/api/auth/logout');
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/hs_session=;/);
    expect((await stolen.get('/api/auth/me')).status).toBe(401);
  });

  it('rejects a forged or tampered session token', async () => {
    const { client } = await signUpOwner();
    const forged = new Client();
    forged.cookie = `${client.cookie!.slice(0, -3)}abc`;
    expect((await forged.get('/api/auth/me')).status).toBe(401);
    forged.cookie = 'hs_session=not-a-token';
    expect((await forged.get('/api/auth/me')).status).toBe(401);
  });

  it('rate-limits repeated login attempts for one email (429)', async () => {
    const { email } = await signUpOwner();
    const client = new Client();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await client.post('/api/auth/login', { email, password: `guess-${i}-wrong` })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('login throttling per account, across IPs', () => {
  // Every attempt comes from a fresh client, i.e. a different IP: the per-IP limiter never fires here.
  const attempt = (email: string, password: string) => new Client().post('/api/auth/login', { email, password });
  const guess = async (email: string, times: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < times; i++) statuses.push((await attempt(email, `wrong guess ${i}`)).status);
    return statuses;
  };
  const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses an account for a while after 10 attempts from many IPs, even the right password, then lets it in', async () => {
    const { email } = await signUpOwner();
    expect(await guess(email, 10)).toEqual(Array(10).fill(401));
    const refused = await attempt(email, 'correct horse battery');
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe('Too many login attempts for this account; try again in 1 minute');
    expect((await attempt(email, 'correct horse battery')).status).toBe(429);
    later(61_000);
    const back = await attempt(email, 'correct horse battery');
    expect(back.status).toBe(200);
  });

  it('doubles the delay of each back-off and never locks for good', async () => {
    const { email } = await signUpOwner();
    await guess(email, 10);
    expect((await attempt(email, 'wrong again')).status).toBe(429);
    later(61_000);
    expect(await guess(email, 10)).toEqual(Array(10).fill(401));
    const second = await attempt(email, 'correct horse battery');
    expect(second.body.error.message).toBe('Too many login attempts for this account; try again in 2 minutes');
    later(61_000);
    expect((await attempt(email, 'correct horse battery')).status).toBe(429);
    later(60_000);
    expect((await attempt(email, 'correct horse battery')).status).toBe(200);
  });

  it('clears the count on a successful login', async () => {
    const { email } = await signUpOwner();
    expect(await guess(email, 9)).toEqual(Array(9).fill(401));
    expect((await attempt(email, 'correct horse battery')).status).toBe(200);
    expect(await guess(email, 10)).toEqual(Array(10).fill(401));
    const row = await env.DB.prepare('SELECT attempts, lockouts FROM login_throttles WHERE email = ?')
      .bind(email)
      .first<{ attempts: number; lockouts: number }>();
    expect(row).toEqual({ attempts: 10, lockouts: 0 });
  });

  it('throttles an unknown email the same way, so the limit does not reveal which emails have accounts', async () => {
    const email = uniqueEmail('nobody');
    expect(await guess(email, 10)).toEqual(Array(10).fill(401));
    expect((await attempt(email, 'anything at all')).status).toBe(429);
  });
});

describe('CSRF', () => {
  it('refuses a cookie-authenticated unsafe request from another origin', async () => {
    const { client } = await signUpOwner();
    const res = await client.request(
      'POST',
      '/api/team/invitations',
      { email: uniqueEmail(), role: 'AGENT' },
      {
        origin: 'https://evil.example',
      },
    );
    expect(res.status).toBe(403);
    const crossSite = await client.request(
      'POST',
      '/api/team/invitations',
      { email: uniqueEmail(), role: 'AGENT' },
      { origin: '', 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
    const invitations = await client.get('/api/team/invitations');
    expect(invitations.body.data).toHaveLength(0);
    const same = await client.request(
      'POST',
      '/api/team/invitations',
      { email: uniqueEmail(), role: 'AGENT' },
      {
        origin: ORIGIN,
      },
    );
    expect(same.status).toBe(201);
  });
});

describe('session resolution', () => {
  it('resolves the session once per request, even through routers that share a prefix', async () => {
    const { client } = await signUpOwner();
    const channel = await client.post('/api/channels', { type: 'WEBSITE_CHAT', name: 'Web', credentials: {} });
    const prepare = vi.spyOn(env.DB, 'prepare');
    const res = await client.get(`/api/channels/${channel.body.data.id}/agent-tools`);
    expect(res.status).toBe(200);
    const sessionLookups = prepare.mock.calls.filter(([sql]) => /from "sessions"/i.test(String(sql)));
    prepare.mockRestore();
    expect(sessionLookups).toHaveLength(1);
  });
});

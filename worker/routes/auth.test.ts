import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
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

  it('sets an HttpOnly SameSite=Lax session cookie (Secure except on localhost)', async () => {
    const client = new Client();
    const res = await client.post('/api/auth/signup', {
      email: uniqueEmail(),
      password: 'long enough password',
      name: 'N',
      organizationName: 'O',
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^hs_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
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

  it('refuses a second account with the same email (409), whatever its case', async () => {
    const { email } = await signUpOwner();
    const res = await new Client().post('/api/auth/signup', {
      email: email.toUpperCase(),
      password: 'another password',
      name: 'Copy',
      organizationName: 'Copy Org',
    });
    expect(res.status).toBe(409);
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

import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Client, signUpOwner, uniqueEmail } from '../../test/client';
import { createDb } from '../db/client';
import { outboundEmails, passwordResets, users } from '../db/schema';
import { RESET_SUBJECT, RESET_TTL_MS, resetPassword } from './password-reset';

const db = () => createDb(env.DB);

async function resetLink(email: string): Promise<string> {
  const [mail] = await db()
    .select()
    .from(outboundEmails)
    .where(and(eq(outboundEmails.to, email), eq(outboundEmails.subject, RESET_SUBJECT)))
    .orderBy(desc(outboundEmails.createdAt))
    .limit(1);
  const token = mail?.text.match(/reset-password\?token=([^\s]+)/)?.[1];
  if (!token) throw new Error('no reset mail');
  return decodeURIComponent(token);
}

describe('forgot password', () => {
  it('answers the same for an unknown address and sends it nothing', async () => {
    const owner = await signUpOwner();
    const anon = new Client();
    const known = await anon.post('/api/auth/forgot-password', { email: owner.email });
    const unknown = await anon.post('/api/auth/forgot-password', { email: uniqueEmail('nobody') });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual(known.body);
    const stranger = await db().select().from(outboundEmails).where(eq(outboundEmails.subject, RESET_SUBJECT));
    expect(stranger.map((m) => m.to)).toEqual([owner.email]);
  });

  it('a link sets the new password once, ends every session, and cannot be used again', async () => {
    const owner = await signUpOwner();
    const anon = new Client();
    await anon.post('/api/auth/forgot-password', { email: owner.email });
    // Asking again right away does not mail a second link.
    await anon.post('/api/auth/forgot-password', { email: owner.email });
    const mails = await db().select().from(outboundEmails).where(eq(outboundEmails.to, owner.email));
    expect(mails.filter((m) => m.subject === RESET_SUBJECT)).toHaveLength(1);
    const token = await resetLink(owner.email);
    const [stored] = await db().select().from(passwordResets).where(eq(passwordResets.userId, owner.user.id));
    expect(stored!.tokenHash).not.toContain(token);

    const short = await anon.post('/api/auth/reset-password', { token, password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.fields.password).toEqual(['Password must be at least 8 characters']);

    const done = await anon.post('/api/auth/reset-password', { token, password: 'a brand new password' });
    expect(done.status).toBe(200);
    expect((await owner.client.get('/api/auth/me')).status).toBe(401);
    expect(
      (await new Client().post('/api/auth/login', { email: owner.email, password: 'a brand new password' })).status,
    ).toBe(200);

    const again = await anon.post('/api/auth/reset-password', { token, password: 'another new password' });
    expect(again.status).toBe(400);
    expect(again.body.error.fields.token).toEqual([
      'This reset link is invalid, already used or expired: ask for a new one',
    ]);
    const bad = await new Client().post('/api/auth/login', { email: owner.email, password: 'another new password' });
    expect(bad.status).toBe(401);
  });

  it('an expired link is refused and changes nothing', async () => {
    const owner = await signUpOwner();
    await new Client().post('/api/auth/forgot-password', { email: owner.email });
    const token = await resetLink(owner.email);
    const [before] = await db().select().from(users).where(eq(users.id, owner.user.id));
    await expect(resetPassword(db(), token, 'too late password', Date.now() + RESET_TTL_MS + 1000)).rejects.toThrow(
      'This reset link is invalid, already used or expired',
    );
    const [after] = await db().select().from(users).where(eq(users.id, owner.user.id));
    expect(after!.passwordHash).toBe(before!.passwordHash);
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });
});

describe('profile and password change', () => {
  it('needs the current password and ends the other sessions, keeping this one', async () => {
    const owner = await signUpOwner();
    const other = new Client();
    await other.post('/api/auth/login', { email: owner.email, password: 'correct horse battery' });
    expect((await other.get('/api/auth/me')).status).toBe(200);

    const wrong = await owner.client.post('/api/auth/password', {
      currentPassword: 'not it at all',
      newPassword: 'a new long password',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields.currentPassword).toEqual(['The current password is not right']);
    expect((await other.get('/api/auth/me')).status).toBe(200);

    const changed = await owner.client.post('/api/auth/password', {
      currentPassword: 'correct horse battery',
      newPassword: 'a new long password',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data.otherSessionsEnded).toBe(1);
    expect((await other.get('/api/auth/me')).status).toBe(401);
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);

    const renamed = await owner.client.patch('/api/auth/profile', { name: '  Olivia O.  ' });
    expect(renamed.body.data.user.name).toBe('Olivia O.');
    const empty = await owner.client.patch('/api/auth/profile', { name: ' ' });
    expect(empty.body.error.fields.name).toEqual(['Name is required']);
  });
});

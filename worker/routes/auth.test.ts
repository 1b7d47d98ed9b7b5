import { describe, expect, it } from 'vitest';
import { Client, signUpOwner, uniqueEmail } from '../../test/client';

describe('accounts', () => {
  it('signs up a user who owns a new organisation and is logged in', async () => {
    const { client, email, organization } = await signUpOwner('Globex');
    expect(organization.name).toBe('Globex');
    const me = await client.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.data.user.email).toBe(email);
    expect(me.body.data.role).toBe('OWNER');
    expect(me.body.data.organization.id).toBe(organization.id);
  });
});

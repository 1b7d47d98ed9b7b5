import { describe, expect, it } from 'vitest';
import { Client, signUpOwner, uniqueEmail } from '../../test/client';

describe('the invitation accept page', () => {
  it('says which organisation, role and email an invitation is for, and when it was withdrawn', async () => {
    const owner = await signUpOwner('Acme Support');
    const email = uniqueEmail('invitee');
    const sent = await owner.client.post('/api/team/invitations', { email, role: 'AGENT' });
    expect(sent.status).toBe(201);
    const token = new URL(sent.body.data.inviteUrl).pathname.split('/').pop()!;
    const anon = new Client();
    const about = await anon.get(`/api/team/invitations/${token}`);
    expect(about.status).toBe(200);
    expect(about.body.data).toMatchObject({
      email,
      role: 'AGENT',
      status: 'PENDING',
      organizationName: 'Acme Support',
      invitedBy: 'Olivia Owner',
    });
    await owner.client.delete(`/api/team/invitations/${sent.body.data.invitation.id}`);
    expect((await anon.get(`/api/team/invitations/${token}`)).body.data.status).toBe('REVOKED');
    expect((await anon.get('/api/team/invitations/not-a-real-token')).status).toBe(404);
  });
});

import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, member, renderAs } from '../test-support';
import { TeamPage } from './team-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fakeTeam() {
  return fakeApi({
    'GET /api/team/members': [member('user-1', 'Mia Admin', 'ADMIN'), member('user-3', 'Olga Owner', 'OWNER')],
    'GET /api/team/invitations': [],
    'GET /api/team/seats': { plan: 'STARTER', limit: 5, members: 2, pending: 0, used: 2, available: 3 },
    'POST /api/team/members': ({ body }: { body: unknown }) => ({
      member: { ...member('user-9', (body as { name: string }).name), email: (body as { email: string }).email },
      temporaryPassword: 'Tmp-Pass-1234',
    }),
    'POST /api/team/invitations': { id: 'inv-1' },
  });
}

describe('team settings', () => {
  it('a new member is an AGENT unless chosen otherwise, and the generated password is shown once', async () => {
    const api = fakeTeam();
    renderAs('ADMIN', <TeamPage />);
    await screen.findByLabelText('Role of Mia Admin');
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'new@example.com' } });
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Nia New' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add member' }));

    expect((await screen.findByTestId('temporary-password')).textContent).toBe('Tmp-Pass-1234');
    expect(api.find('POST', '/api/team/members')[0]!.body).toEqual({
      email: 'new@example.com',
      name: 'Nia New',
      role: 'AGENT',
      password: '',
    });
    fireEvent.click(screen.getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByTestId('temporary-password')).toBeNull();
  });

  it('an ADMIN cannot hand out or change the OWNER role', async () => {
    fakeTeam();
    renderAs('ADMIN', <TeamPage />);
    await screen.findByText('Olga Owner');
    expect(screen.queryByLabelText('Role of Olga Owner')).toBeNull();
    const roles = [...(screen.getByLabelText('Role of Mia Admin') as unknown as HTMLSelectElement).options].map(
      (o) => o.value,
    );
    expect(roles).toEqual(['ADMIN', 'AGENT', 'VIEWER']);
  });

  it('invites by email with the chosen role', async () => {
    const api = fakeTeam();
    renderAs('OWNER', <TeamPage />);
    await screen.findByLabelText('Role of Mia Admin');
    fireEvent.input(screen.getByLabelText('Invite email'), { target: { value: 'inv@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    await waitFor(() => expect(api.find('POST', '/api/team/invitations')).toHaveLength(1));
    expect(api.find('POST', '/api/team/invitations')[0]!.body).toEqual({ email: 'inv@example.com', role: 'AGENT' });
  });
});

describe('team safety and invitation links', () => {
  it('the sole owner sees no Suspend or Remove on their own row; removing asks in the page, not confirm()', async () => {
    const confirmSpy = vi.fn(() => true);
    vi.stubGlobal('confirm', confirmSpy);
    const api = fakeApi({
      'GET /api/team/members': [member('user-1', 'Olga Owner', 'OWNER'), member('user-2', 'Ann Agent', 'AGENT')],
      'GET /api/team/invitations': [],
      'DELETE /api/team/members/m-user-2': { id: 'm-user-2', deleted: true },
    });
    renderAs('OWNER', <TeamPage />);
    await screen.findByLabelText('Role of Ann Agent');
    expect(screen.queryByRole('button', { name: 'Suspend Olga Owner' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove Olga Owner' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Remove Ann Agent' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Confirm: Remove Ann Agent' });
    expect(dialog.textContent).toContain('They lose access to this organisation at once');
    expect(api.find('DELETE', '/api/team/members/m-user-2')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Remove Ann Agent' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove Ann Agent', hidden: false }));
    await waitFor(() => expect(api.find('DELETE', '/api/team/members/m-user-2')).toHaveLength(1));
    expect(confirmSpy).not.toHaveBeenCalled();
  });

  it('shows the invitation link to copy after sending it', async () => {
    fakeApi({
      'GET /api/team/members': [member('user-1', 'Olga Owner', 'OWNER')],
      'GET /api/team/invitations': [],
      'POST /api/team/invitations': { invitation: { id: 'inv-1' }, inviteUrl: 'http://localhost/invite/tok-123' },
    });
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    renderAs('OWNER', <TeamPage />);
    await screen.findByText('Olga Owner');
    fireEvent.input(screen.getByLabelText('Invite email'), { target: { value: 'inv@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    const link = (await screen.findByLabelText('Invitation link')) as HTMLInputElement;
    expect(link.value).toBe('http://localhost/invite/tok-123');
    fireEvent.click(screen.getByRole('button', { name: 'Copy link' }));
    await screen.findByRole('button', { name: 'Copied' });
    expect(writeText).toHaveBeenCalledWith('http://localhost/invite/tok-123');
  });
});

describe('plan seats', () => {
  const full = { plan: 'FREE', limit: 2, members: 1, pending: 1, used: 2, available: 0 };
  /** pending@example.com, invited as an AGENT, expiring in a day. */
  const pendingInvitation = () => ({
    id: 'inv-1',
    email: 'pending@example.com',
    role: 'AGENT',
    status: 'PENDING',
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    acceptedAt: null,
    createdAt: new Date().toISOString(),
  });

  it('shows how many seats are used, pending invitations included', async () => {
    fakeTeam();
    renderAs('ADMIN', <TeamPage />);
    expect((await screen.findByTestId('seats')).textContent).toBe('2 of 5 seats used on the Starter plan.');
    expect(screen.getByRole('button', { name: 'Add member' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('button', { name: 'Send invitation' })).toHaveProperty('disabled', false);
  });

  it('when every seat is taken, adding and inviting are disabled and say why and where to upgrade', async () => {
    fakeApi({
      'GET /api/team/members': [member('user-3', 'Olga Owner', 'OWNER')],
      'GET /api/team/invitations': [pendingInvitation()],
      'GET /api/team/seats': full,
    });
    renderAs('OWNER', <TeamPage />);
    expect((await screen.findByTestId('seats')).textContent).toBe(
      '2 of 2 seats used on the Free plan (1 held by pending invitation).',
    );
    const add = screen.getByRole('button', { name: 'Add member' });
    const invite = screen.getByRole('button', { name: 'Send invitation' });
    expect(add).toHaveProperty('disabled', true);
    expect(invite).toHaveProperty('disabled', true);
    const why = screen.getByRole('note');
    expect(invite.getAttribute('aria-describedby')).toBe(why.id);
    expect(why.textContent).toBe(
      'All seats are taken: adding or inviting someone needs a free seat. Remove a member or revoke an invitation to free one, or upgrade the plan on Billing.',
    );
    expect(screen.getByRole('link', { name: 'Billing' }).getAttribute('href')).toBe('/settings/billing');
  });

  it('revoking an invitation frees the seat: the count reloads and the buttons come back', async () => {
    let seats = full;
    const api = fakeApi({
      'GET /api/team/members': [member('user-3', 'Olga Owner', 'OWNER')],
      'GET /api/team/invitations': [pendingInvitation()],
      'GET /api/team/seats': () => seats,
      'DELETE /api/team/invitations/inv-1': () => {
        seats = { ...full, pending: 0, used: 1, available: 1 };
        return { id: 'inv-1', revoked: true };
      },
    });
    renderAs('OWNER', <TeamPage />);
    await screen.findByText('2 of 2 seats used');
    fireEvent.click(screen.getByRole('button', { name: 'Revoke invitation for pending@example.com' }));
    await screen.findByText('1 of 2 seats used');
    expect(api.find('DELETE', '/api/team/invitations/inv-1')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Send invitation' })).toHaveProperty('disabled', false);
    expect(screen.queryByRole('note')).toBeNull();
  });

  it('an admin is told to ask an owner; a refusal from the server reads as a seat problem, not tokens', async () => {
    fakeApi({
      'GET /api/team/members': [member('user-1', 'Mia Admin', 'ADMIN')],
      'GET /api/team/invitations': [],
      'GET /api/team/seats': { plan: 'FREE', limit: 2, members: 1, pending: 0, used: 1, available: 1 },
    });
    failRoute('POST /api/team/invitations', 402, {
      code: 'SEAT_LIMIT',
      message:
        'Your Free plan includes 2 seats, and 1 member and 1 pending invitation take them all. Remove a member or revoke an invitation to free a seat, or an owner can upgrade the plan on the Billing page.',
    });
    renderAs('ADMIN', <TeamPage />);
    await screen.findByText('1 of 2 seats used');
    fireEvent.input(screen.getByLabelText('Invite email'), { target: { value: 'late@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^No free seat\. Your Free plan includes 2 seats/);
  });
});

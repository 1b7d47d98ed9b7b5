import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, member, renderAs } from '../test-support';
import { TeamPage } from './team-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fakeTeam() {
  return fakeApi({
    'GET /api/team/members': [member('user-1', 'Mia Admin', 'ADMIN'), member('user-3', 'Olga Owner', 'OWNER')],
    'GET /api/team/invitations': [],
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

import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { account, failRoute, fakeApi } from '../test-support';
import { AuthPage } from './auth-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const signUpAnswer = { email: 'fran@example.com', message: 'If this email is new, your account is ready' };

function fillSignUp() {
  fireEvent.input(screen.getByLabelText('Your name'), { target: { value: 'Fran Founder' } });
  fireEvent.input(screen.getByLabelText('Organization name'), { target: { value: 'Fran’s Flowers' } });
  fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'fran@example.com' } });
  fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'a long password' } });
  fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
}

describe('sign up', () => {
  it('creates the account, then logs in with the same credentials and hands the account to the app', async () => {
    const me = account('OWNER');
    const fake = fakeApi({ 'POST /api/auth/signup': signUpAnswer, 'POST /api/auth/login': me });
    const onAccount = vi.fn();
    render(<AuthPage mode="signup" onAccount={onAccount} />);
    fillSignUp();
    await waitFor(() => expect(onAccount).toHaveBeenCalledWith(me));
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/auth/signup', 'POST /api/auth/login']);
    expect(fake.find('POST', '/api/auth/login')[0]!.body).toEqual({
      email: 'fran@example.com',
      password: 'a long password',
    });
  });

  it('says to log in instead when the new credentials do not open an account (the email was taken)', async () => {
    fakeApi({ 'POST /api/auth/signup': signUpAnswer });
    failRoute('POST /api/auth/login', 401, { message: 'Invalid email or password', code: 'UNAUTHORIZED' });
    const onAccount = vi.fn();
    render(<AuthPage mode="signup" onAccount={onAccount} />);
    fillSignUp();
    expect((await screen.findByRole('alert')).textContent).toContain(
      'We could not log you in. If this email already has an account, we have emailed it: log in instead.',
    );
    expect(onAccount).not.toHaveBeenCalled();
  });
});

describe('accepting an invitation', () => {
  it('a logged-in member accepts as themselves, without giving a password', async () => {
    const joined = account('VIEWER');
    const fake = fakeApi({
      'GET /api/auth/me': account('OWNER'),
      'GET /api/team/invitations/tok-1': INVITATION,
      'POST /api/team/invitations/tok-1/accept': joined,
    });
    const onAccount = vi.fn();
    render(<AuthPage mode="invite" token="tok-1" onAccount={onAccount} />);
    expect((await screen.findByText(/You are logged in as/)).textContent).toContain('me@example.com');
    expect(screen.queryByLabelText('Password')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Accept invitation' }));
    await waitFor(() => expect(onAccount).toHaveBeenCalledWith(joined));
    expect(fake.find('POST', '/api/team/invitations/tok-1/accept')[0]!.body).toEqual({});
  });

  it('signed out, it creates an account and offers a login (back to this invitation) for an existing one', async () => {
    fakeApi({ 'GET /api/team/invitations/tok-2': INVITATION });
    render(<AuthPage mode="invite" token="tok-2" onAccount={vi.fn()} />);
    expect(await screen.findByLabelText('Your name')).toBeTruthy();
    expect((await screen.findByText(/to join/)).textContent).toBe(
      'Olivia Owner invited new@example.com to join Acme as AGENT.',
    );
    expect(screen.getByLabelText('Password')).toBeTruthy();
    const link = screen.getByRole('link', { name: 'Log in' });
    expect(link.getAttribute('href')).toBe('/login?next=%2Finvite%2Ftok-2');
  });

  it('an expired or withdrawn invitation says so instead of showing the form', async () => {
    fakeApi({ 'GET /api/team/invitations/tok-3': { ...INVITATION, status: 'EXPIRED' } });
    render(<AuthPage mode="invite" token="tok-3" onAccount={vi.fn()} />);
    expect((await screen.findByRole('alert')).textContent).toContain('This invitation has expired');
    expect(screen.queryByLabelText('Password')).toBeNull();
  });
});

const INVITATION = {
  email: 'new@example.com',
  role: 'AGENT',
  status: 'PENDING',
  organizationName: 'Acme',
  invitedBy: 'Olivia Owner',
  expiresAt: new Date(0).toISOString(),
};

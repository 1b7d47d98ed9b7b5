import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi } from '../test-support';
import { ForgotPasswordPage, ResetPasswordPage } from './password-pages';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

const SENT = 'If this email has an account, we have emailed it a link';

describe('forgot password', () => {
  it('sends the address and shows the answer in place of the form', async () => {
    const fake = fakeApi({ 'POST /api/auth/forgot-password': { message: SENT } });
    render(<ForgotPasswordPage />);
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'fran@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Email me a link' }));
    expect((await screen.findByRole('status')).textContent).toBe(SENT);
    expect(fake.find('POST', '/api/auth/forgot-password')[0]!.body).toEqual({ email: 'fran@example.com' });
    expect(screen.queryByLabelText('Email')).toBeNull();
    expect(screen.getByRole('link', { name: 'Back to log in' }).getAttribute('href')).toBe('/login');
  });

  it('a refused request keeps the form, says why and lets the user try again', async () => {
    fakeApi({});
    failRoute('POST /api/auth/forgot-password', 429, { message: 'Too many requests, try again later' });
    render(<ForgotPasswordPage />);
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'fran@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Email me a link' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Too many requests, try again later');
    expect(screen.queryByRole('status')).toBeNull();
    expect((screen.getByRole('button', { name: 'Email me a link' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('reset password', () => {
  it("sends the link's token with the new password, then offers to log in", async () => {
    history.replaceState(null, '', '/reset-password?token=tok-9');
    const fake = fakeApi({ 'POST /api/auth/reset-password': { message: 'Your password is changed.' } });
    render(<ResetPasswordPage />);
    fireEvent.input(screen.getByLabelText(/New password/), { target: { value: 'a long new password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set new password' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toBe('Your password is changed. Log in');
    expect(fake.find('POST', '/api/auth/reset-password')[0]!.body).toEqual({
      token: 'tok-9',
      password: 'a long new password',
    });
  });

  it('shows a too-short password error at the field', async () => {
    history.replaceState(null, '', '/reset-password?token=tok-9');
    fakeApi({});
    failRoute('POST /api/auth/reset-password', 400, {
      message: 'Invalid request',
      code: 'VALIDATION_ERROR',
      fields: { password: ['String must contain at least 8 character(s)'] },
    });
    render(<ResetPasswordPage />);
    fireEvent.input(screen.getByLabelText(/New password/), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set new password' }));
    await screen.findByText(/at least 8/);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('a link without a token cannot be sent, and says to open the email link again', () => {
    history.replaceState(null, '', '/reset-password');
    render(<ResetPasswordPage />);
    expect((screen.getByRole('button', { name: 'Set new password' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toBe('This link has no token: open the link from the email again.');
  });
});

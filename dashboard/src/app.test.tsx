import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, call } from './api';
import { App } from './app';
import { account, fakeApi } from './test-support';

beforeEach(() => history.replaceState(null, '', '/conversations'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const unauthorized = () =>
  Response.json(
    { success: false, error: { message: 'Authentication required', code: 'UNAUTHORIZED' } },
    { status: 401 },
  );

describe('session', () => {
  it('without a session the app shows the login page at /login', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => unauthorized()),
    );
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Log in to HelpStack' })).toBeTruthy();
    await waitFor(() => expect(location.pathname + location.search).toBe('/login?next=%2Fconversations'));
  });

  it('logging in posts the credentials and opens the inbox', async () => {
    const me = account('AGENT');
    let loggedIn = false;
    const fake = fakeApi({
      'POST /api/auth/login': () => {
        loggedIn = true;
        return me;
      },
      'GET /api/conversations': { items: [], page: 1, pageSize: 20, total: 0, totalPages: 0 },
      'GET /api/channels': [],
      'GET /api/team/members': [],
    });
    const fakeFetch = globalThis.fetch;
    vi.stubGlobal(
      'fetch',
      vi.fn((input: RequestInfo | URL, init?: RequestInit) =>
        String(input).endsWith('/api/auth/me') && !loggedIn ? Promise.resolve(unauthorized()) : fakeFetch(input, init),
      ),
    );
    render(<App />);
    fireEvent.input(await screen.findByLabelText('Email'), { target: { value: 'mia@example.com' } });
    fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));

    expect(await screen.findByRole('heading', { name: 'Inbox' })).toBeTruthy();
    expect(location.pathname).toBe('/conversations');
    expect(fake.find('POST', '/api/auth/login')[0]!.body).toEqual({
      email: 'mia@example.com',
      password: 'correct horse',
    });
  });

  it('a 403 becomes a clear error rather than an empty result', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json(
          { success: false, error: { message: 'This action requires the ADMIN role or higher' } },
          { status: 403 },
        ),
      ),
    );
    const error = await call(api.channels.$get()).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, message: 'This action requires the ADMIN role or higher' });
  });
});

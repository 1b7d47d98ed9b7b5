import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Account, SessionContext } from '../session';
import { account, failRoute, fakeApi, renderAs } from '../test-support';
import { GeneralPage } from './general-page';

const details = {
  ...account('VIEWER').organization,
  limits: { tokens: 100_000, seats: 2, contacts: 100 },
  commentListeningWindowDays: 30,
  cycle: { start: '2026-11-14T09:00:00.000Z', end: '2026-12-14T09:00:00.000Z' },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Settings → General', () => {
  it('shows the workspace ID with a copy button, the plan and the name to every member', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    fakeApi({ 'GET /api/organization': details });
    renderAs('VIEWER', <GeneralPage />);
    const plan = screen.getByRole('region', { name: 'Plan' });
    await within(plan).findByText('Comments on posts up to 30 days old');
    expect(plan.textContent).toContain('Monthly active contacts100');
    expect(screen.getByRole('region', { name: 'Workspace ID' }).textContent).toContain('org-1');
    expect(screen.getByRole('region', { name: 'Workspace name' }).textContent).toContain('Acme');
    expect(screen.queryByRole('textbox', { name: /Name/ })).toBeNull();
    expect(plan.textContent).toContain('PlanFree');
    fireEvent.click(screen.getByRole('button', { name: 'Copy workspace ID' }));
    await screen.findByRole('button', { name: 'Copied' });
    expect(writeText).toHaveBeenCalledWith('org-1');
  });

  it('an admin renames the workspace; the session (the header) takes the new name', async () => {
    const api = fakeApi({
      'GET /api/organization': details,
      'PATCH /api/organization': () => ({ ...account('ADMIN').organization, name: 'Lumen Home' }),
    });
    let current: Account | null = account('ADMIN');
    const setAccount = (next: Account | null) => {
      current = next;
    };
    render(
      <SessionContext.Provider value={{ account: account('ADMIN'), setAccount }}>
        <GeneralPage />
      </SessionContext.Provider>,
    );
    const name = screen.getByRole('textbox', { name: /Name/ }) as HTMLInputElement;
    fireEvent.input(name, { target: { value: 'Lumen Home' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    await screen.findByRole('status');
    expect(api.find('PATCH', '/api/organization')[0]?.body).toEqual({ name: 'Lumen Home' });
    await waitFor(() => expect(current?.organization.name).toBe('Lumen Home'));
  });

  it("shows the server's field error and keeps the name", async () => {
    fakeApi({ 'GET /api/organization': details });
    failRoute('PATCH /api/organization', 400, {
      message: 'Validation failed',
      code: 'VALIDATION_ERROR',
      fields: { name: ['Give the workspace a name'] },
    });
    renderAs('OWNER', <GeneralPage />);
    fireEvent.input(screen.getByRole('textbox', { name: /Name/ }), { target: { value: ' ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByText('Give the workspace a name')).toBeTruthy();
    expect(screen.queryByRole('status')).toBeNull();
  });
});

import { cleanup, fireEvent, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, member, renderAs } from '../test-support';
import { SetupChecklist } from './setup-checklist';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  localStorage.clear();
});

function fakeState(chats: number) {
  return fakeApi({
    'GET /api/channels': [{ id: 'ch-1', autoReplyMode: 'off' }],
    'GET /api/knowledge/groups': [{ id: 'g-1', articleCount: 2 }],
    'GET /api/team/members': [member('user-1', 'Olga Owner', 'OWNER')],
    'GET /api/team/invitations': [],
    'GET /api/conversations': { items: [], total: chats, page: 1, pageSize: 1 },
  });
}

describe('getting-started checklist', () => {
  it('ticks what is done from the real state, links what is not, and stays dismissed', async () => {
    fakeState(0);
    renderAs('OWNER', <SetupChecklist />);
    expect((await screen.findByRole('heading', { name: /Get started/ })).textContent).toBe('Get started (2 of 5 done)');
    const items = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual([
      '✓ Add a channel (done)',
      '○ Install the chat snippet on your site (to do)',
      '✓ Add knowledge for the AI to answer from (done)',
      '○ Connect AI replies to a channel (to do)',
      '○ Invite your team (to do)',
    ]);
    expect(screen.getByRole('link', { name: 'Invite your team' }).getAttribute('href')).toBe('/settings/team');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss the checklist' }));
    expect(screen.queryByRole('heading', { name: /Get started/ })).toBeNull();
    cleanup();
    renderAs('OWNER', <SetupChecklist />);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole('heading', { name: /Get started/ })).toBeNull();
  });

  it('is not shown to agents', async () => {
    fakeState(3);
    renderAs('AGENT', <SetupChecklist />);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole('heading', { name: /Get started/ })).toBeNull();
  });
});

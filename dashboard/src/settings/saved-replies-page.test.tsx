import { cleanup, fireEvent, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { SavedRepliesPage } from './saved-replies-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('saved replies settings', () => {
  it('deleting a saved reply asks in the page, naming its shortcut; Escape keeps it, confirming deletes it', async () => {
    let replies = [{ id: 'r-1', shortcut: 'thanks', content: 'Thank you, {{contact.firstName}}!' }];
    const api = fakeApi({
      'GET /api/saved-replies': () => replies,
      'DELETE /api/saved-replies/r-1': () => {
        replies = [];
        return { id: 'r-1', deleted: true };
      },
    });
    renderAs('ADMIN', <SavedRepliesPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete /thanks' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete /thanks' });
    expect(question.textContent).toContain('Delete the saved reply /thanks?');
    fireEvent.keyDown(within(question).getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(api.find('DELETE', '/api/saved-replies/r-1')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Delete /thanks' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete /thanks' }));
    await screen.findByText('No saved replies yet.');
    expect(api.find('DELETE', '/api/saved-replies/r-1')).toHaveLength(1);
  });
});

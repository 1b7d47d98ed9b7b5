import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { FaqsPage } from './faqs-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const faq = (id: string, question: string) => ({
  id,
  question,
  answer: 'Two to three working days.',
  channelId: null,
  position: 0,
  clickCount: 7,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
});

describe('FAQs settings', () => {
  it('deleting an FAQ asks in the page, naming it; Cancel keeps it, confirming deletes it', async () => {
    const confirmSpy = vi.fn(() => true);
    vi.stubGlobal('confirm', confirmSpy);
    let faqs = [faq('f-1', 'How long does shipping take?')];
    const api = fakeApi({
      'GET /api/faqs': () => faqs,
      'GET /api/channels': [],
      'DELETE /api/faqs/f-1': () => {
        faqs = [];
        return { id: 'f-1', deleted: true };
      },
    });
    renderAs('ADMIN', <FaqsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete: How long does shipping take?' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete FAQ' });
    expect(question.textContent).toContain('Delete the FAQ "How long does shipping take?"?');
    fireEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(api.find('DELETE', '/api/faqs/f-1')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Delete: How long does shipping take?' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete FAQ' }));
    await screen.findByText('No FAQs yet.');
    await waitFor(() => expect(api.find('DELETE', '/api/faqs/f-1')).toHaveLength(1));
    expect(confirmSpy).not.toHaveBeenCalled();
  });
});

import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test-support';
import { Composer } from './composer';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const sent = { id: 'msg-1' };

describe('Composer', () => {
  it('sends a reply to the customer through the messages endpoint, without the note flag', async () => {
    const api = fakeApi({ 'POST /api/conversations/conv-1/messages': sent });
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} />);

    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'Hello there' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));

    await waitFor(() => expect(onSent).toHaveBeenCalled());
    const [call] = api.find('POST', '/api/conversations/conv-1/messages');
    expect(call?.body).toEqual({ conversationId: 'conv-1', content: 'Hello there' });
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reply to the customer').value).toBe('');
  });

  it('saves an internal note with isNote, under a differently labelled tab and button', async () => {
    const api = fakeApi({ 'POST /api/conversations/conv-1/messages': sent });
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} />);

    fireEvent.click(screen.getByRole('tab', { name: 'Internal note' }));
    expect(screen.getByRole('tab', { name: 'Internal note' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.queryByRole('button', { name: 'Send reply' })).toBeNull();
    fireEvent.input(screen.getByLabelText('Internal note (team only, never sent)'), {
      target: { value: 'Customer is a VIP' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add internal note' }));

    await waitFor(() => expect(onSent).toHaveBeenCalled());
    const [call] = api.find('POST', '/api/conversations/conv-1/messages');
    expect(call?.body).toEqual({ conversationId: 'conv-1', content: 'Customer is a VIP', isNote: true });
  });

  it('keeps the reply text and the note text apart when switching tabs', () => {
    fakeApi({});
    render(<Composer conversationId="conv-1" onSent={() => {}} />);
    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'For the customer' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Internal note' }));
    expect(screen.getByLabelText<HTMLTextAreaElement>('Internal note (team only, never sent)').value).toBe('');
    fireEvent.click(screen.getByRole('tab', { name: 'Reply' }));
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reply to the customer').value).toBe('For the customer');
  });

  it('shows the error and keeps the text when sending fails', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json(
          {
            success: false,
            error: { message: 'Your organization has run out of tokens', code: 'INSUFFICIENT_TOKENS' },
          },
          { status: 402 },
        ),
      ),
    );
    render(<Composer conversationId="conv-1" onSent={() => {}} />);
    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      expect.stringContaining('run out of tokens'),
    );
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reply to the customer').value).toBe('Hello');
  });
});

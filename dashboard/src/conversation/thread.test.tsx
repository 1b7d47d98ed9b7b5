import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiMessage, failEveryRequest, fakeApi } from '../test-support';
import type { ConversationFile } from './attachments';
import { Thread, type ThreadMessage } from './thread';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const at = new Date(0).toISOString();
const message = (overrides: Partial<ThreadMessage>) => apiMessage(overrides) as ThreadMessage;

const inboundGerman = message({
  content: 'Wo ist mein Paket?',
  language: 'de',
  translatedContent: 'Where is my parcel?',
  translatedLanguage: 'en',
});

const heldReply = message({
  id: 'reply-1',
  direction: 'OUTBOUND',
  senderType: 'AGENT',
  sender: { id: 'user-1', name: 'Mia Agent' },
  content: 'Ihr Paket ist unterwegs.',
  originalContent: 'Your parcel is on its way.',
  language: 'en',
  translatedLanguage: 'de',
  approvalStatus: 'PENDING',
  deliveryStatus: 'NOT_SENT',
});

function renderThread(messages: ThreadMessage[], extra: { files?: ConversationFile[]; canAct?: boolean } = {}) {
  const onChanged = vi.fn();
  render(
    <Thread
      messages={messages}
      files={extra.files}
      customerLanguage="de"
      canAct={extra.canAct ?? true}
      onChanged={onChanged}
    />,
  );
  return onChanged;
}

describe('Thread translations', () => {
  it("shows a customer's message in the agent's language, with the original a toggle away", () => {
    fakeApi({});
    renderThread([inboundGerman]);
    expect(screen.getByText('Where is my parcel?')).toBeTruthy();
    expect(screen.getByText('Translated from German', { exact: false })).toBeTruthy();
    const original = screen.getByText('Wo ist mein Paket?');
    expect(original.hidden).toBe(true);

    const toggle = screen.getByRole('button', { name: 'Show original' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggle);
    expect(original.hidden).toBe(false);
    expect(original.getAttribute('lang')).toBe('de');
    expect(screen.getByRole('button', { name: 'Hide original' }).getAttribute('aria-expanded')).toBe('true');
  });

  it('shows a held reply as the translation to send next to what the agent wrote, with all four decisions', () => {
    fakeApi({});
    renderThread([heldReply]);
    const draft = screen.getByRole('article', { name: 'Draft awaiting approval' });
    expect(within(draft).getByText('Translation to send (German)')).toBeTruthy();
    expect(within(draft).getByText('Ihr Paket ist unterwegs.')).toBeTruthy();
    expect(within(draft).getByText('Your parcel is on its way.')).toBeTruthy();
    for (const name of ['Approve and send', 'Reject', 'Send original', 'Retranslate']) {
      expect(within(draft).getByRole('button', { name })).toBeTruthy();
    }
    expect(within(draft).getByLabelText<HTMLInputElement>('Customer language').value).toBe('de');
  });

  it('retranslates a held reply into a corrected customer language', async () => {
    const api = fakeApi({
      'POST /api/messages/reply-1/retranslate': { ...heldReply, content: 'Su paquete está en camino.' },
    });
    const onChanged = renderThread([heldReply]);
    fireEvent.input(screen.getByLabelText('Customer language'), { target: { value: 'es' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retranslate' }));

    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(api.find('POST', '/api/messages/reply-1/retranslate').map((c) => c.body)).toEqual([{ language: 'es' }]);
    expect(screen.getByRole('status').textContent).toBe('Translated again.');
  });

  it('shows a refused language code next to its field', async () => {
    failEveryRequest(400, {
      message: 'Validation failed',
      code: 'VALIDATION_ERROR',
      fields: { language: ['Must be a language code such as "de" or "pt-BR"'] },
    });
    const onChanged = renderThread([heldReply]);
    fireEvent.input(screen.getByLabelText('Customer language'), { target: { value: 'german!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retranslate' }));
    expect(await screen.findByText('Must be a language code such as "de" or "pt-BR"')).toBeTruthy();
    expect(screen.getByLabelText('Customer language').getAttribute('aria-invalid')).toBe('true');
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('warns when a message could not be translated, and lets an agent retry in the right language', async () => {
    const failed = message({
      id: 'in-2',
      content: 'Dobrý den',
      language: 'sk',
      events: [{ type: 'TRANSLATION_FAILED', detail: 'No AI provider can translate', createdAt: at }],
    });
    const api = fakeApi({ 'POST /api/messages/in-2/retranslate': { ...failed, translatedContent: 'Good day' } });
    const onChanged = renderThread([failed]);
    expect(screen.getByText('Not translated: No AI provider can translate', { exact: false })).toBeTruthy();

    fireEvent.click(screen.getByText('Wrong language?'));
    const language = screen.getByLabelText<HTMLInputElement>('Written in');
    expect(language.value).toBe('sk');
    fireEvent.input(language, { target: { value: 'cs' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retranslate' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(api.find('POST', '/api/messages/in-2/retranslate')[0]?.body).toEqual({ language: 'cs' });
  });

  it('offers viewers no decisions and no retranslation', () => {
    fakeApi({});
    renderThread([inboundGerman, heldReply], { canAct: false });
    expect(screen.queryByRole('button', { name: 'Retranslate' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Approve and send' })).toBeNull();
    expect(screen.queryByText('Wrong language?')).toBeNull();
    expect(screen.getByRole('button', { name: 'Show original' })).toBeTruthy();
  });
});

describe('Thread attachments', () => {
  it('links each file by name to its download, and shows images as thumbnails named after the file', () => {
    fakeApi({});
    const file = (id: string, fileName: string, contentType: string, size: number) => ({
      id,
      fileName,
      contentType,
      size,
      conversationId: 'conv-1',
      uploadedById: 'user-1',
      createdAt: at,
      path: `org/org-1/${id}/${fileName}`,
      url: `/api/media/${id}/file`,
    });
    renderThread([message({ attachments: ['m-photo', 'm-pdf', 'm-unknown'] })], {
      files: [file('m-photo', 'photo.png', 'image/png', 2048), file('m-pdf', 'invoice.pdf', 'application/pdf', 300)],
    });
    const list = screen.getByRole('list', { name: 'Attachments' });
    const thumbnail = within(list).getByRole<HTMLImageElement>('img', { name: 'photo.png' });
    expect(thumbnail.getAttribute('src')).toBe('/api/media/m-photo/file');
    const pdf = within(list).getByText('invoice.pdf') as HTMLAnchorElement;
    expect(pdf.getAttribute('href')).toBe('/api/media/m-pdf/file');
    expect(pdf.getAttribute('download')).toBe('invoice.pdf');
    expect(list.textContent).toContain('(300 B)');
    expect(list.textContent).toContain('(2.0 KB)');
    // Not described (yet): still reachable.
    expect(within(list).getByText('Attachment 3').getAttribute('href')).toBe('/api/media/m-unknown/file');
  });
});

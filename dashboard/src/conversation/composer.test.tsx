import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failEveryRequest, fakeApi } from '../test-support';
import { Composer } from './composer';

/** The uploaded media as the API describes it. */
const media = (id: string, file: File) => ({
  id,
  fileName: file.name,
  contentType: file.type,
  size: file.size,
  conversationId: 'conv-1',
  uploadedById: 'user-1',
  createdAt: new Date(0).toISOString(),
  url: `/api/media/${id}/file`,
});

/**
 * A fake API whose uploads finish only when the test says so; records the multipart parts it received and
 * the JSON bodies of everything else.
 */
function uploadingApi(upload: (file: File) => Response | Promise<Response>) {
  const uploads: { file: File; conversationId: FormDataEntryValue | null }[] = [];
  const requests: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const path = new URL(String(input), 'http://localhost').pathname;
      const method = init?.method ?? 'GET';
      if (method === 'POST' && path === '/api/media/upload') {
        const form = init?.body as FormData;
        const file = form.get('file') as File;
        uploads.push({ file, conversationId: form.get('conversationId') });
        return upload(file);
      }
      requests.push({ method, path, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
      return Response.json({ success: true, data: { id: 'msg-1' } });
    }),
  );
  return { uploads, requests };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const chooseFiles = (label: string, ...files: File[]) =>
  fireEvent.change(screen.getByLabelText(label), { target: { files } });

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
    failEveryRequest(402, { message: 'Your organization has run out of tokens', code: 'INSUFFICIENT_TOKENS' });
    render(<Composer conversationId="conv-1" onSent={() => {}} />);
    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      expect.stringContaining('run out of tokens'),
    );
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reply to the customer').value).toBe('Hello');
  });

  it('uploads a chosen file, keeps Send disabled until it is stored, then sends its id with the reply', async () => {
    const stored = deferred<Response>();
    const api = uploadingApi(() => stored.promise);
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} />);
    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'Your invoice' } });
    const invoice = new File(['%PDF-1.4 invoice'], 'invoice.pdf', { type: 'application/pdf' });
    chooseFiles('Attach file', invoice);

    const chips = await screen.findByRole('list', { name: 'Files to send' });
    expect(chips.textContent).toContain('invoice.pdf');
    expect(chips.textContent).toContain('16 B');
    expect(chips.textContent).toContain('Uploading…');
    const send = screen.getByRole<HTMLButtonElement>('button', { name: 'Send reply' });
    expect(send.disabled).toBe(true);
    expect(api.uploads).toEqual([{ file: invoice, conversationId: 'conv-1' }]);

    stored.resolve(Response.json({ success: true, data: media('media-1', invoice) }, { status: 201 }));
    await waitFor(() => expect(send.disabled).toBe(false));
    expect(chips.textContent).not.toContain('Uploading…');
    fireEvent.click(send);

    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: '/api/conversations/conv-1/messages',
        body: { conversationId: 'conv-1', content: 'Your invoice', attachments: ['media-1'] },
      },
    ]);
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();
  });

  it('attaches files to an internal note separately from the reply', async () => {
    const api = uploadingApi((file) => Response.json({ success: true, data: media('media-n', file) }, { status: 201 }));
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} />);
    fireEvent.click(screen.getByRole('tab', { name: 'Internal note' }));
    chooseFiles('Attach file', new File(['x'], 'screenshot.png', { type: 'image/png' }));
    await screen.findByText('screenshot.png');
    fireEvent.click(screen.getByRole('tab', { name: 'Reply' }));
    expect(screen.queryByText('screenshot.png')).toBeNull();
    fireEvent.click(screen.getByRole('tab', { name: 'Internal note' }));
    fireEvent.input(screen.getByLabelText('Internal note (team only, never sent)'), { target: { value: 'See this' } });
    const save = screen.getByRole<HTMLButtonElement>('button', { name: 'Add internal note' });
    await waitFor(() => expect(save.disabled).toBe(false));
    fireEvent.click(save);
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(api.requests[0]?.body).toEqual({
      conversationId: 'conv-1',
      content: 'See this',
      attachments: ['media-n'],
      isNote: true,
    });
  });

  it('shows why the API refused a file in an alert, and sends nothing for it', async () => {
    const api = uploadingApi((file) =>
      file.name === 'huge.mp4'
        ? Response.json({ success: false, error: { message: 'Files may be at most 10 MB' } }, { status: 413 })
        : Response.json(
            {
              success: false,
              error: {
                message: 'Files of type text/html cannot be uploaded',
                code: 'VALIDATION_ERROR',
                fields: { file: ['Files of type text/html cannot be uploaded'] },
              },
            },
            { status: 400 },
          ),
    );
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} />);
    chooseFiles(
      'Attach file',
      new File(['v'], 'huge.mp4', { type: 'video/mp4' }),
      new File(['<p>'], 'page.html', { type: 'text/html' }),
    );

    const alert = await screen.findByRole('alert');
    await waitFor(() => expect(alert.textContent).toContain('page.html was not attached'));
    expect(alert.textContent).toContain('huge.mp4 was not attached: Files may be at most 10 MB');
    expect(alert.textContent).toContain('Files of type text/html cannot be uploaded');
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();

    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'Without files' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(api.requests[0]?.body).toEqual({ conversationId: 'conv-1', content: 'Without files' });
  });

  it('removing a chip drops the file from the message and deletes the upload', async () => {
    const api = uploadingApi((file) =>
      Response.json(
        { success: true, data: media(file.name === 'a.txt' ? 'media-a' : 'media-b', file) },
        { status: 201 },
      ),
    );
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} />);
    chooseFiles(
      'Attach file',
      new File(['a'], 'a.txt', { type: 'text/plain' }),
      new File(['b'], 'b.txt', { type: 'text/plain' }),
    );
    fireEvent.input(screen.getByLabelText('Reply to the customer'), { target: { value: 'Two files, then one' } });
    const send = screen.getByRole<HTMLButtonElement>('button', { name: 'Send reply' });
    await waitFor(() => expect(send.disabled).toBe(false));

    fireEvent.click(screen.getByRole('button', { name: 'Remove a.txt' }));
    expect(screen.queryByText('a.txt')).toBeNull();
    fireEvent.click(send);
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(api.requests).toEqual([
      { method: 'DELETE', path: '/api/media/media-a', body: undefined },
      {
        method: 'POST',
        path: '/api/conversations/conv-1/messages',
        body: { conversationId: 'conv-1', content: 'Two files, then one', attachments: ['media-b'] },
      },
    ]);
  });

  it('@ in a note offers teammates by any word of their name and sends whom the note mentions', async () => {
    const api = fakeApi({ 'POST /api/conversations/conv-1/messages': sent });
    const onSent = vi.fn();
    const teammates = [
      { userId: 'u-mira', name: 'Mira Kovač' },
      { userId: 'u-marko', name: 'Marko Novak' },
      { userId: 'u-ana', name: 'Ana Horvat' },
    ];
    render(<Composer conversationId="conv-1" onSent={onSent} teammates={teammates} />);
    fireEvent.click(screen.getByRole('tab', { name: 'Internal note' }));
    const note = screen.getByLabelText<HTMLTextAreaElement>('Internal note (team only, never sent)');

    fireEvent.input(note, { target: { value: 'Can you check this @m' } });
    const picker = screen.getByRole('list', { name: 'Teammates' });
    expect([...picker.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['@Mira Kovač', '@Marko Novak']);
    fireEvent.keyDown(note, { key: 'ArrowDown' });
    fireEvent.keyDown(note, { key: 'Enter' });
    expect(note.value).toBe('Can you check this @Marko Novak ');
    // A surname finds her too; choosing her with the mouse.
    fireEvent.input(note, { target: { value: `${note.value}and @kov` } });
    fireEvent.click(screen.getByRole('button', { name: '@Mira Kovač' }));
    expect(note.value).toBe('Can you check this @Marko Novak and @Mira Kovač ');
    // Ana was picked, then her name deleted: she is not mentioned.
    fireEvent.input(note, { target: { value: `${note.value}@an` } });
    fireEvent.keyDown(note, { key: 'Enter' });
    fireEvent.input(note, { target: { value: 'Can you check this @Marko Novak and @Mira Kovač please' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add internal note' }));

    await waitFor(() => expect(onSent).toHaveBeenCalled());
    const [call] = api.find('POST', '/api/conversations/conv-1/messages');
    expect(call?.body).toEqual({
      conversationId: 'conv-1',
      content: 'Can you check this @Marko Novak and @Mira Kovač please',
      isNote: true,
      mentions: ['u-marko', 'u-mira'],
    });
  });

  it('offers no teammates in a reply to the customer and never sends mentions with it', async () => {
    const api = fakeApi({ 'POST /api/conversations/conv-1/messages': sent });
    const onSent = vi.fn();
    render(<Composer conversationId="conv-1" onSent={onSent} teammates={[{ userId: 'u-mira', name: 'Mira' }]} />);
    const reply = screen.getByLabelText<HTMLTextAreaElement>('Reply to the customer');
    fireEvent.input(reply, { target: { value: 'Thanks @Mi' } });
    expect(screen.queryByRole('list', { name: 'Teammates' })).toBeNull();
    fireEvent.input(reply, { target: { value: 'Thanks @Mira' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(api.find('POST', '/api/conversations/conv-1/messages')[0]?.body).toEqual({
      conversationId: 'conv-1',
      content: 'Thanks @Mira',
    });
  });
});

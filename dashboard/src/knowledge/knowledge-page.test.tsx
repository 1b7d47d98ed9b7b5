import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { KnowledgePage } from './knowledge-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const at = new Date(0).toISOString();

const group = (id: string, name: string, articleCount = 0, description: string | null = null) => ({
  id,
  name,
  description,
  articleCount,
  createdAt: at,
  updatedAt: at,
});

type Status = 'PROCESSING' | 'READY' | 'ERROR';

const article = (id: string, title: string, extra: Record<string, unknown> = {}) => ({
  id,
  groupId: 'g-1',
  title,
  source: 'MANUAL',
  sourceUrl: null,
  fileName: null,
  status: 'READY' as Status,
  error: null,
  createdAt: at,
  updatedAt: at,
  ...extra,
});

const shipping = group('g-1', 'Shipping', 3, 'Delivery times and costs');

function fakeKnowledge(articles: unknown[] | (() => unknown[]), extra: Record<string, unknown> = {}) {
  return fakeApi({
    'GET /api/knowledge/groups': [shipping],
    'GET /api/knowledge/articles': typeof articles === 'function' ? articles : articles,
    'GET /api/channels': [{ id: 'ch-1', name: 'Website chat', type: 'WEBSITE_CHAT' }],
    ...extra,
  });
}

describe('knowledge base page', () => {
  it('an admin creates a group, then writes an article in it', async () => {
    const groups = [shipping];
    const api = fakeApi({
      'GET /api/knowledge/groups': () => groups,
      'POST /api/knowledge/groups': ({ body }: { body: unknown }) => {
        const created = group('g-2', (body as { name: string }).name, 0, (body as { description: string }).description);
        // Listed after Shipping, so selecting it is the page's doing.
        groups.push(created);
        return created;
      },
      'GET /api/knowledge/articles': ({ query }: { query: URLSearchParams }) =>
        query.get('groupId') === 'g-2' && api.find('POST', '/api/knowledge/articles').length
          ? [article('a-9', 'How returns work', { groupId: 'g-2' })]
          : [],
      'POST /api/knowledge/articles': ({ body }: { body: unknown }) =>
        article('a-9', (body as { title: string }).title, { groupId: 'g-2' }),
      'GET /api/channels': [],
    });
    renderAs('ADMIN', <KnowledgePage />);
    await screen.findByRole('button', { name: /^Shipping/ });

    fireEvent.click(screen.getByRole('button', { name: 'New group' }));
    fireEvent.input(screen.getByLabelText('Group name'), { target: { value: 'Returns' } });
    fireEvent.input(screen.getByLabelText('Description (optional)'), { target: { value: 'Refunds and returns' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }));

    await screen.findByText('Created the group "Returns".');
    expect(api.find('POST', '/api/knowledge/groups')[0]!.body).toEqual({
      name: 'Returns',
      description: 'Refunds and returns',
    });
    // The new group is selected.
    await screen.findByRole('heading', { name: 'Articles in Returns' });
    expect(await screen.findByText(/No articles in this group yet/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Add article' }));
    const form = screen.getByRole('form', { name: 'Add article' });
    fireEvent.input(within(form).getByLabelText('Title'), { target: { value: 'How returns work' } });
    fireEvent.input(within(form).getByLabelText('Content'), { target: { value: 'Send it back within 30 days.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add article' }));

    await screen.findByRole('heading', { name: 'How returns work' });
    expect(api.find('POST', '/api/knowledge/articles')[0]!.body).toEqual({
      groupId: 'g-2',
      title: 'How returns work',
      content: 'Send it back within 30 days.',
    });
  });

  it('shows the source and status badges, and the reason an article failed', async () => {
    fakeKnowledge([
      article('a-1', 'Delivery costs'),
      article('a-2', 'Carrier page', {
        source: 'URL',
        sourceUrl: 'https://example.com/carriers',
        status: 'ERROR',
        error: 'The page answered 404 Not Found',
      }),
      article('a-3', 'price-list.pdf', { source: 'FILE', fileName: 'price-list.pdf', status: 'READY' }),
    ]);
    renderAs('ADMIN', <KnowledgePage />);

    const failed = (await screen.findByRole('heading', { name: 'Carrier page' })).closest('li')!;
    expect(within(failed).getByText('URL')).toBeTruthy();
    expect(within(failed).getByText('Error')).toBeTruthy();
    expect(within(failed).getByRole('link', { name: 'https://example.com/carriers' })).toBeTruthy();
    expect(within(failed).getByText('Could not be processed: The page answered 404 Not Found')).toBeTruthy();
    expect(within(failed).getByRole('button', { name: 'Re-add: Carrier page' })).toBeTruthy();

    const manual = screen.getByRole('heading', { name: 'Delivery costs' }).closest('li')!;
    expect(within(manual).getByText('Manual')).toBeTruthy();
    expect(within(manual).getByText('Ready')).toBeTruthy();
    expect(within(manual).getByRole('button', { name: 'Re-process: Delivery costs' })).toBeTruthy();

    const file = screen.getByRole('heading', { name: 'price-list.pdf' }).closest('li')!;
    expect(within(file).getByText('File')).toBeTruthy();
  });

  it('a PROCESSING article turns READY by itself, and polling then stops', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setTimeout', 'clearTimeout'] });
    let polls = 0;
    const api = fakeKnowledge(() => {
      polls++;
      return [
        article('a-1', 'https://example.com/faq', {
          source: 'URL',
          sourceUrl: 'https://example.com/faq',
          status: polls < 3 ? 'PROCESSING' : 'READY',
        }),
      ];
    });
    renderAs('VIEWER', <KnowledgePage />);

    const item = (await screen.findByRole('heading', { name: 'https://example.com/faq' })).closest('li')!;
    expect(within(item).getByText('Processing')).toBeTruthy();
    expect(screen.getByText('1 article is processing…')).toBeTruthy();
    await vi.advanceTimersByTimeAsync(2000);
    await waitFor(() => expect(polls).toBe(2));
    expect(within(item).getByText('Processing')).toBeTruthy();
    await vi.advanceTimersByTimeAsync(2000);
    await waitFor(() => expect(within(item).getByText('Ready')).toBeTruthy());
    expect(screen.queryByText('1 article is processing…')).toBeNull();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.find('GET', '/api/knowledge/articles')).toHaveLength(3);
  });

  it('an agent and a viewer read everything but get no write controls', async () => {
    for (const role of ['AGENT', 'VIEWER'] as const) {
      fakeKnowledge([article('a-2', 'Broken page', { source: 'URL', status: 'ERROR', error: 'Timed out' })]);
      renderAs(role, <KnowledgePage />);
      await screen.findByRole('heading', { name: 'Broken page' });
      expect(screen.getByText('Could not be processed: Timed out')).toBeTruthy();
      for (const name of [/New group/, /Add article/, /Edit/, /Delete/, /Re-add/, /Re-process/]) {
        expect(screen.queryByRole('button', { name })).toBeNull();
      }
      // Retrieval testing is for every member.
      expect(screen.getByRole('button', { name: 'Search' })).toBeTruthy();
      cleanup();
      vi.unstubAllGlobals();
    }
  });

  it('says how to start when there are no groups', async () => {
    fakeApi({ 'GET /api/knowledge/groups': [], 'GET /api/channels': [] });
    renderAs('OWNER', <KnowledgePage />);
    expect(await screen.findByText('No groups yet — create one to start.')).toBeTruthy();
  });

  it('test retrieval shows ranked passages as a channel would see them, or says none were found', async () => {
    const api = fakeKnowledge([], {
      'POST /api/knowledge/search': ({ body }: { body: unknown }) =>
        (body as { query: string }).query === 'parrots'
          ? []
          : [
              { articleId: 'a-1', title: 'Delivery costs', text: 'Shipping is free over 50 EUR.', score: 0.0328 },
              {
                articleId: 'a-3',
                title: 'Price list',
                text: 'Express costs 9 EUR.',
                score: 0.0161,
                heading: 'Express',
              },
            ],
    });
    renderAs('AGENT', <KnowledgePage />);
    const channel = await screen.findByLabelText('As channel');
    fireEvent.input(screen.getByLabelText('Question'), { target: { value: 'how much is shipping' } });
    fireEvent.change(channel, { target: { value: 'ch-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));

    const results = await screen.findByRole('list', { name: 'Passages, best first' });
    const items = within(results).getAllByRole('listitem');
    expect(items.map((li) => within(li).getByRole('heading').textContent)).toEqual([
      'Delivery costs',
      'Price list — Express',
    ]);
    expect(within(items[0]!).getByText('Score 0.033')).toBeTruthy();
    expect(within(items[0]!).getByText('Shipping is free over 50 EUR.')).toBeTruthy();
    expect(api.find('POST', '/api/knowledge/search')[0]!.body).toEqual({
      query: 'how much is shipping',
      channelId: 'ch-1',
      limit: 10,
    });

    fireEvent.input(screen.getByLabelText('Question'), { target: { value: 'parrots' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('No passages found.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Passages, best first' })).toBeNull();
  });

  it('uploads a file as multipart and shows a rejected upload in an alert', async () => {
    fakeKnowledge([]);
    const fake = globalThis.fetch as unknown as (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
    const uploads: FormData[] = [];
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'POST' && init.body instanceof FormData) {
        uploads.push(init.body);
        return Response.json(
          { success: false, error: { message: 'Files can be at most 10 MB', code: 'PAYLOAD_TOO_LARGE' } },
          { status: 413 },
        );
      }
      return fake(input, init);
    });
    renderAs('ADMIN', <KnowledgePage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add article' }));
    const form = screen.getByRole('form', { name: 'Add article' });
    fireEvent.click(within(form).getByLabelText('Upload file'));
    expect(within(form).getByText('PDF, Markdown, plain text or HTML; at most 10 MB.')).toBeTruthy();
    const input = within(form).getByLabelText('File') as HTMLInputElement;
    const file = new File(['# Returns\n\nWithin 30 days.'], 'returns.md', { type: 'text/markdown' });
    Object.defineProperty(input, 'files', { value: [file] });
    fireEvent.change(input);
    fireEvent.click(within(form).getByRole('button', { name: 'Add article' }));

    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('Files can be at most 10 MB');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.get('groupId')).toBe('g-1');
    expect((uploads[0]!.get('file') as File).name).toBe('returns.md');
  });

  it('has no accessibility violations axe can find without layout', async () => {
    fakeKnowledge([article('a-1', 'Delivery costs'), article('a-2', 'Broken', { status: 'ERROR', error: 'x' })]);
    const { container } = renderAs('ADMIN', <KnowledgePage />);
    await screen.findByRole('heading', { name: 'Delivery costs' });
    fireEvent.click(screen.getByRole('button', { name: 'Add article' }));
    // Contrast needs computed layout, which happy-dom does not do; the palette is checked in styles.css.
    const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
  });
});

describe('deleting knowledge asks in the page first', () => {
  it('a group: says how many articles go and what channels lose; Cancel keeps it, confirming deletes it', async () => {
    const confirmSpy = vi.fn(() => true);
    vi.stubGlobal('confirm', confirmSpy);
    const api = fakeKnowledge([], { 'DELETE /api/knowledge/groups/g-1': { id: 'g-1', deleted: true } });
    renderAs('ADMIN', <KnowledgePage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete group: Shipping' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete Shipping' });
    expect(question.textContent).toContain(
      'Delete the group "Shipping" and its 3 articles? They are removed from search, and channels it is attached to stop using it.',
    );
    fireEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(api.find('DELETE', '/api/knowledge/groups/g-1')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Delete group: Shipping' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete Shipping' }));
    await screen.findByText('Deleted the group "Shipping".');
    expect(api.find('DELETE', '/api/knowledge/groups/g-1')).toHaveLength(1);
    expect(confirmSpy).not.toHaveBeenCalled();
  });

  it('an article: says it leaves search at once; Escape keeps it, confirming deletes it', async () => {
    const api = fakeKnowledge([article('a-1', 'Delivery costs')], {
      'DELETE /api/knowledge/articles/a-1': { id: 'a-1', deleted: true },
    });
    renderAs('ADMIN', <KnowledgePage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete: Delivery costs' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete article' });
    expect(question.textContent).toContain('Delete the article "Delivery costs"? It is removed from search at once.');
    fireEvent.keyDown(within(question).getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete: Delivery costs' }));

    fireEvent.click(screen.getByRole('button', { name: 'Delete: Delivery costs' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete article' }));
    await screen.findByText('Deleted "Delivery costs".');
    expect(api.find('DELETE', '/api/knowledge/articles/a-1')).toHaveLength(1);
  });
});

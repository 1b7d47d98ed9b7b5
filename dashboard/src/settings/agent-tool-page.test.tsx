import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { AgentToolPage } from './agent-tool-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

const now = new Date(0).toISOString();

const tool = {
  id: 't-1',
  channelId: 'ch-1',
  name: 'get_order_status',
  description: 'Looks up an order',
  type: 'SERVER_SIDE',
  url: 'https://api.example.com/orders/status',
  method: 'POST',
  headers: { Authorization: '••••••••oken' },
  parametersSchema: { type: 'object', properties: { order: { type: 'string' } } },
  isActive: true,
  createdAt: now,
  updatedAt: now,
  attachedChannelIds: [],
};

const log = (id: string, extra: Record<string, unknown>) => ({
  id,
  organizationId: 'org-1',
  toolId: 't-1',
  conversationId: 'conv-1',
  arguments: { order: 'A-1001' },
  status: 'SUCCESS',
  durationMs: 142,
  response: '{"status":"shipped"}',
  error: null,
  createdAt: '2025-03-04T10:00:00.000Z',
  ...extra,
});

function fakeTool(logs: { items: unknown[]; total: number }) {
  return fakeApi({
    'GET /api/agent-tools/t-1': tool,
    'GET /api/channels': [{ id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT', aiProviderId: null }],
    'GET /api/agent-tools/t-1/logs': ({ query }: { query: URLSearchParams }) => ({
      ...logs,
      page: Number(query.get('page')),
      pageSize: Number(query.get('pageSize')),
    }),
    'PATCH /api/agent-tools/t-1': ({ body }: { body: unknown }) => ({ ...tool, ...(body as object) }),
    'DELETE /api/agent-tools/t-1': { id: 't-1', deleted: true },
  });
}

describe('agent tool page', () => {
  it('shows the tool and its call log: time, status, duration, arguments, response and error', async () => {
    fakeTool({
      total: 2,
      items: [
        log('l-2', {
          status: 'TIMEOUT',
          durationMs: 10_000,
          response: null,
          error: 'The tool did not answer within 10 s',
          createdAt: '2025-03-04T11:00:00.000Z',
        }),
        log('l-1', { response: `{"items":"${'x'.repeat(400)}"}` }),
      ],
    });
    renderAs('VIEWER', <AgentToolPage params={{ id: 't-1' }} />);
    expect(await screen.findByRole('heading', { level: 1, name: 'get_order_status' })).toBeTruthy();
    expect(screen.getByText('Website')).toBeTruthy();
    expect(screen.getByText('••••••••oken')).toBeTruthy();

    const table = await screen.findByRole('table', { name: 'Call log' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('Timed out');
    expect(rows[0]!.textContent).toContain('10000 ms');
    expect(rows[0]!.textContent).toContain('The tool did not answer within 10 s');
    expect(rows[1]!.textContent).toContain('Success');
    expect(rows[1]!.textContent).toContain('142 ms');
    expect(rows[1]!.textContent).toContain('"order": "A-1001"');
    // A long response is shortened, with the full text behind a disclosure.
    expect(within(rows[1]!).getByText(/…$/).textContent!.length).toBeLessThan(310);
  });

  it('says "No calls yet" when the tool was never called', async () => {
    fakeTool({ total: 0, items: [] });
    renderAs('ADMIN', <AgentToolPage params={{ id: 't-1' }} />);
    expect(await screen.findByText('No calls yet.')).toBeTruthy();
  });

  it('pages through a long call log, newest first', async () => {
    const api = fakeTool({ total: 45, items: [log('l-1', {})] });
    renderAs('AGENT', <AgentToolPage params={{ id: 't-1' }} />);
    expect(await screen.findByText('Page 1 of 3')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Newer calls' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Older calls' }));
    expect(await screen.findByText('Page 2 of 3')).toBeTruthy();
    expect(api.find('GET', '/api/agent-tools/t-1/logs').map((c) => c.query.get('page'))).toEqual(['1', '2']);
  });

  it('editing keeps a stored header when its value is left blank', async () => {
    const api = fakeTool({ total: 0, items: [] });
    renderAs('ADMIN', <AgentToolPage params={{ id: 't-1' }} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit tool' }));
    expect((screen.getByLabelText('Value of Authorization') as HTMLInputElement).placeholder).toBe('••••••••oken');
    fireEvent.input(screen.getByLabelText('Description'), { target: { value: 'Looks up an order by number' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save tool' }));

    await waitFor(() => expect(api.find('PATCH', '/api/agent-tools/t-1')).toHaveLength(1));
    expect(api.find('PATCH', '/api/agent-tools/t-1')[0]!.body).toMatchObject({
      description: 'Looks up an order by number',
      headers: { Authorization: '••••••••oken' },
      parametersSchema: tool.parametersSchema,
    });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Saved get_order_status.'));
    expect(screen.getByText('Looks up an order by number')).toBeTruthy();
  });

  it('deleting asks in the page first, saying what will happen, and goes back to the list', async () => {
    const api = fakeTool({ total: 0, items: [] });
    renderAs('OWNER', <AgentToolPage params={{ id: 't-1' }} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete tool' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete get_order_status' });
    expect(question.textContent).toContain(
      'Delete the tool "get_order_status" and its call log? The AI stops using it at once.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.find('DELETE', '/api/agent-tools/t-1')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Delete tool' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete get_order_status' }));
    await waitFor(() => expect(location.pathname).toBe('/settings/agent-tools'));
    expect(api.find('DELETE', '/api/agent-tools/t-1')).toHaveLength(1);
  });

  it('a viewer gets no edit or delete controls', async () => {
    fakeTool({ total: 0, items: [] });
    renderAs('VIEWER', <AgentToolPage params={{ id: 't-1' }} />);
    await screen.findByText('No calls yet.');
    expect(screen.queryByRole('button', { name: 'Edit tool' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete tool' })).toBeNull();
  });
});

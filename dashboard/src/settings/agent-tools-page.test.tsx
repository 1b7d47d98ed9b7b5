import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import axe from 'axe-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { AgentToolsPage } from './agent-tools-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const now = new Date(0).toISOString();

const tool = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  channelId: null,
  name,
  description: `Describes ${name}`,
  type: 'SERVER_SIDE',
  url: `https://api.example.com/${name}`,
  method: 'POST',
  headers: {},
  parametersSchema: { type: 'object', properties: {} },
  isActive: true,
  createdAt: now,
  updatedAt: now,
  attachedChannelIds: [] as string[],
  ...extra,
});

function fakeTools() {
  return fakeApi({
    'GET /api/channels': [{ id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT', aiProviderId: null }],
    'GET /api/agent-tools': [tool('t-1', 'get_order_status')],
    'GET /api/channels/ch-1/agent-tools': [
      tool('t-2', 'open_cart', { channelId: 'ch-1', type: 'CLIENT_SIDE', url: null, isActive: false }),
    ],
    'POST /api/agent-tools': ({ body }: { body: unknown }) => tool('t-9', (body as { name: string }).name),
    'POST /api/channels/ch-1/agent-tools': ({ body }: { body: unknown }) =>
      tool('t-8', (body as { name: string }).name, { channelId: 'ch-1' }),
    'PATCH /api/agent-tools/t-1': tool('t-1', 'get_order_status', { isActive: false }),
    'POST /api/agent-tools/import-openapi': {
      tools: [
        {
          ...tool('x', 'getOrder', { method: 'GET', url: 'https://shop.example.com/orders/{id}' }),
          problems: [],
        },
        { ...tool('x', 'createOrder', { url: 'https://shop.example.com/orders' }), problems: [] },
        { ...tool('x', 'internal', { url: 'https://10.0.0.1/x' }), problems: ['URL must point to a public host'] },
      ].map(({ id: _id, channelId: _c, headers: _h, isActive: _a, createdAt: _ca, updatedAt: _ua, ...t }) => t),
    },
  });
}

const fill = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

describe('agent tools settings', () => {
  it('lists org-wide and channel tools, filtered by scope', async () => {
    fakeTools();
    renderAs('ADMIN', <AgentToolsPage />);
    const link = await screen.findByRole('link', { name: 'open_cart' });
    expect(link.getAttribute('href')).toBe('/settings/agent-tools/t-2');
    const row = screen.getByRole('link', { name: 'get_order_status' }).closest('tr')!;
    expect(row.textContent).toContain('POST https://api.example.com/get_order_status');
    expect(row.textContent).toContain('Organisation (every channel)');

    fireEvent.change(screen.getByLabelText('Show tools for'), { target: { value: 'ch-1' } });
    expect(screen.queryByRole('link', { name: 'get_order_status' })).toBeNull();
    expect(screen.getByRole('link', { name: 'open_cart' }).closest('tr')!.textContent).toContain(
      "Runs in the visitor's browser",
    );
    fireEvent.change(screen.getByLabelText('Show tools for'), { target: { value: 'org' } });
    expect(screen.queryByRole('link', { name: 'open_cart' })).toBeNull();
  });

  it('an admin switches a tool off with its active toggle', async () => {
    const api = fakeTools();
    renderAs('ADMIN', <AgentToolsPage />);
    const toggle = (await screen.findByRole('checkbox', { name: 'Active get_order_status' })) as HTMLInputElement;
    expect(toggle.checked).toBe(true);
    expect((screen.getByRole('checkbox', { name: 'Active open_cart' }) as HTMLInputElement).checked).toBe(false);
    fireEvent.click(toggle);
    await waitFor(() => expect(api.find('PATCH', '/api/agent-tools/t-1')).toHaveLength(1));
    expect(api.find('PATCH', '/api/agent-tools/t-1')[0]!.body).toEqual({ isActive: false });
  });

  it('creates a tool with headers and a parameters schema, POST by default', async () => {
    const api = fakeTools();
    renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    fireEvent.click(screen.getByRole('button', { name: 'Add tool' }));
    expect(screen.getByText(/not starting with a digit/)).toBeTruthy();
    fill('Name', 'check_delivery');
    fill('Description', 'Checks the delivery date of an order');
    expect(screen.getByText('36/2000')).toBeTruthy();
    fill('URL', 'https://api.example.com/delivery');
    fireEvent.click(screen.getByRole('button', { name: 'Add header' }));
    fill('Header 1 name', 'Authorization');
    fill('Header 1 value', 'Bearer secret');
    fill(
      'Parameters schema (JSON Schema)',
      '{"type":"object","properties":{"order":{"type":"string"}},"required":["order"]}',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Create tool' }));

    await waitFor(() => expect(api.find('POST', '/api/agent-tools')).toHaveLength(1));
    expect(api.find('POST', '/api/agent-tools')[0]!.body).toEqual({
      name: 'check_delivery',
      description: 'Checks the delivery date of an order',
      type: 'SERVER_SIDE',
      isActive: true,
      url: 'https://api.example.com/delivery',
      method: 'POST',
      headers: { Authorization: 'Bearer secret' },
      parametersSchema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
    });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Created check_delivery.'));
  });

  it('a channel tool is created through that channel', async () => {
    const api = fakeTools();
    renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    fireEvent.click(screen.getByRole('button', { name: 'Add tool' }));
    fireEvent.change(screen.getByLabelText('Available in'), { target: { value: 'ch-1' } });
    fireEvent.click(screen.getByLabelText(/CLIENT_SIDE/));
    expect(screen.queryByLabelText('URL')).toBeNull();
    fill('Name', 'show_coupon');
    fill('Description', 'Shows the visitor a coupon');
    fireEvent.click(screen.getByRole('button', { name: 'Create tool' }));

    await waitFor(() => expect(api.find('POST', '/api/channels/ch-1/agent-tools')).toHaveLength(1));
    expect(api.find('POST', '/api/channels/ch-1/agent-tools')[0]!.body).toMatchObject({
      name: 'show_coupon',
      type: 'CLIENT_SIDE',
      url: null,
    });
    expect(api.find('POST', '/api/agent-tools')).toHaveLength(0);
  });

  it('an invalid parameters schema is refused with the server message beside the field', async () => {
    fakeTools();
    failRoute('POST /api/agent-tools', 400, {
      message: 'Invalid agent tool',
      code: 'VALIDATION_ERROR',
      fields: { parametersSchema: ['The parameters schema must have "type": "object"'] },
    });
    renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    fireEvent.click(screen.getByRole('button', { name: 'Add tool' }));
    fill('Name', 'lookup');
    fill('Description', 'Looks things up');
    fill('URL', 'https://api.example.com/lookup');
    fill('Parameters schema (JSON Schema)', '{"type":"string"}');
    fireEvent.click(screen.getByRole('button', { name: 'Create tool' }));

    const message = await screen.findByText('The parameters schema must have "type": "object"');
    const textarea = screen.getByLabelText('Parameters schema (JSON Schema)');
    expect(textarea.getAttribute('aria-invalid')).toBe('true');
    expect(textarea.getAttribute('aria-describedby')).toContain(message.id);
    // The alert points at the field in plain words; the server's reason sits beside the field.
    expect(screen.getByRole('alert').textContent).toBe('Please check this: See the highlighted fields.');
    expect(screen.getByRole('button', { name: 'Create tool' })).toBeTruthy();
  });

  it('schema text that is not JSON is caught before anything is sent', async () => {
    const api = fakeTools();
    renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    fireEvent.click(screen.getByRole('button', { name: 'Add tool' }));
    fill('Name', 'lookup');
    fill('Parameters schema (JSON Schema)', '{"type": ');
    fireEvent.click(screen.getByRole('button', { name: 'Create tool' }));
    expect(await screen.findByText(/^Not valid JSON/)).toBeTruthy();
    expect(api.find('POST', '/api/agent-tools')).toHaveLength(0);
  });

  it('imports from OpenAPI: proposals are listed and only the chosen ones are created', async () => {
    const api = fakeTools();
    renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    fireEvent.click(screen.getByRole('button', { name: 'Import from OpenAPI' }));
    fill('OpenAPI spec (JSON)', '{"openapi":"3.0.0","paths":{}}');
    fireEvent.click(screen.getByRole('button', { name: 'Propose tools' }));

    const getOrder = (await screen.findByLabelText('getOrder')) as HTMLInputElement;
    expect(api.find('POST', '/api/agent-tools/import-openapi')[0]!.body).toEqual({
      spec: '{"openapi":"3.0.0","paths":{}}',
    });
    expect(getOrder.checked).toBe(true);
    const internal = screen.getByLabelText('internal') as HTMLInputElement;
    expect(internal.checked).toBe(false);
    expect(internal.disabled).toBe(true);
    expect(screen.getByText('Cannot be created: URL must point to a public host')).toBeTruthy();

    fireEvent.click(screen.getByLabelText('createOrder'));
    fireEvent.click(screen.getByRole('button', { name: 'Create 1 selected tool' }));
    await waitFor(() => expect(api.find('POST', '/api/agent-tools')).toHaveLength(1));
    expect(api.find('POST', '/api/agent-tools')[0]!.body).toMatchObject({
      name: 'getOrder',
      method: 'GET',
      url: 'https://shop.example.com/orders/{id}',
      type: 'SERVER_SIDE',
    });
    expect(api.find('POST', '/api/agent-tools')[0]!.body).not.toHaveProperty('problems');
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Created 1 tool from the OpenAPI spec.'));
  });

  it("attaches an organisation tool on a channel's view and detaches it again", async () => {
    // The fake server keeps which channels the organisation tool is attached to.
    let attached: string[] = [];
    const orderTool = () => tool('t-1', 'get_order_status', { attachedChannelIds: attached });
    const api = fakeApi({
      'GET /api/channels': [
        { id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT', aiProviderId: null },
        { id: 'ch-2', name: 'Shop', type: 'WEBSITE_CHAT', aiProviderId: null },
      ],
      'GET /api/agent-tools': () => [orderTool(), tool('t-3', 'track_parcel')],
      'GET /api/channels/ch-1/agent-tools': () => [
        ...(attached.includes('ch-1') ? [orderTool()] : []),
        tool('t-2', 'open_cart', { channelId: 'ch-1', type: 'CLIENT_SIDE', url: null }),
      ],
      'GET /api/channels/ch-2/agent-tools': [],
      'POST /api/channels/ch-1/agent-tools': () => {
        attached = ['ch-1'];
        return orderTool();
      },
      'DELETE /api/channels/ch-1/agent-tools/t-1': () => {
        attached = [];
        return { id: 't-1', deleted: false, detached: true };
      },
    });
    renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    // Listed once even though the channel's list repeats it after attaching.
    fireEvent.change(screen.getByLabelText('Show tools for'), { target: { value: 'ch-1' } });
    expect(screen.queryByRole('link', { name: 'get_order_status' })).toBeNull();
    const attachButton = screen.getByRole('button', { name: 'Attach to Website' }) as HTMLButtonElement;
    expect(attachButton.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Organisation tool to attach'), { target: { value: 't-1' } });
    fireEvent.click(attachButton);

    await waitFor(() => expect(api.find('POST', '/api/channels/ch-1/agent-tools')).toHaveLength(1));
    expect(api.find('POST', '/api/channels/ch-1/agent-tools')[0]!.body).toEqual({ toolId: 't-1' });
    const row = (await screen.findByRole('link', { name: 'get_order_status' })).closest('tr')!;
    expect(row.textContent).toContain('Organisation (attached to Website)');
    expect(screen.getByRole('status').textContent).toBe('get_order_status is attached to Website.');
    // Only tools not yet attached here are offered.
    const options = [...(screen.getByLabelText('Organisation tool to attach') as unknown as HTMLSelectElement).options];
    expect(options.map((o) => o.textContent)).toEqual(['Choose a tool', 'track_parcel']);
    fireEvent.change(screen.getByLabelText('Show tools for'), { target: { value: 'all' } });
    expect(screen.getAllByRole('link', { name: 'get_order_status' })).toHaveLength(1);

    fireEvent.change(screen.getByLabelText('Show tools for'), { target: { value: 'ch-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Detach get_order_status' }));
    await waitFor(() => expect(api.find('DELETE', '/api/channels/ch-1/agent-tools/t-1')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('link', { name: 'get_order_status' })).toBeNull());
    expect(screen.getByRole('status').textContent).toBe('get_order_status is detached from Website.');
    // The channel's own tool cannot be detached, only deleted on its page.
    expect(screen.queryByRole('button', { name: 'Detach open_cart' })).toBeNull();
  });

  it("a channel's view with its attach control has no accessibility violations axe can find without layout", async () => {
    fakeTools();
    const { container } = renderAs('ADMIN', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    fireEvent.change(screen.getByLabelText('Show tools for'), { target: { value: 'ch-1' } });
    expect(screen.getByRole('form', { name: 'Attach an organisation tool to Website' })).toBeTruthy();
    // Contrast needs computed layout, which happy-dom does not do; the palette is checked in styles.css.
    const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);
  });

  it('an agent sees the tools but no write controls', async () => {
    fakeTools();
    renderAs('AGENT', <AgentToolsPage />);
    await screen.findByRole('link', { name: 'get_order_status' });
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.getByText('Inactive')).toBeTruthy();
  });
});

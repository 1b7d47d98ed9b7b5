import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { type Flow, FlowEditor } from './flow-editor';
import { FlowListPage } from './flow-list-page';
import { FlowPage } from './flow-page';
import { TriggerEditor } from './trigger-editor';

const at = new Date(0).toISOString();
const products = [
  { productId: 'p-1', name: 'Velvet Tint', skus: ['VT-01', 'VT-02'], url: 'https://shop.tiktok.com/view/product/p-1' },
];
const flow = (overrides: Partial<Flow> = {}) =>
  ({
    id: 'flow-1',
    name: 'Shade finder',
    version: 3,
    blocks: [{ id: 'message-1', type: 'MESSAGE', text: 'Hi!' }],
    triggerCount: 1,
    activeRuns: 2,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  }) as Flow;

const block = (n: number, type: string) => screen.getByRole('group', { name: new RegExp(`^Block ${n}: ${type}`) });
const fill = (scope: HTMLElement, label: string | RegExp, value: string) =>
  fireEvent.input(within(scope).getByLabelText(label), { target: { value } });
const addBlock = (type: string) => {
  fireEvent.change(screen.getByLabelText('New block'), { target: { value: type } });
  fireEvent.click(screen.getByRole('button', { name: 'Add block' }));
};

beforeEach(() => history.replaceState(null, '', '/automations/flows/new'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('flow editor', () => {
  it('builds a question and quick replies with a branch target and sends exactly that', async () => {
    const api = fakeApi({
      'GET /api/automations/products': products,
      'POST /api/automations/flows': ({ body }: { body: unknown }) => flow({ id: 'flow-9', ...(body as object) }),
    });
    const saved = vi.fn();
    renderAs('ADMIN', <FlowEditor flow={null} onSaved={saved} />);
    fireEvent.input(screen.getByLabelText('Flow name'), { target: { value: 'Shade finder' } });
    fill(block(1, 'Message'), 'Message', 'Hi! 💄\nLet’s find your shade.');

    addBlock('QUICK_REPLIES');
    const replies = block(2, 'Quick replies');
    fill(replies, 'Message', 'Which skin tone?');
    fill(replies, 'Keep the choice in field', 'tone');
    fill(replies, 'Button 1', 'Fair');
    fill(replies, 'Button 2', 'Talk to admin');

    addBlock('HANDOFF');
    fireEvent.change(within(block(2, 'Quick replies')).getByLabelText('Button 2 goes to'), {
      target: { value: 'handoff-1' },
    });
    addBlock('WAIT');
    fireEvent.input(within(block(4, 'Wait')).getByLabelText('Wait for'), { target: { value: '5' } });
    fireEvent.change(within(block(4, 'Wait')).getByLabelText('Unit'), { target: { value: 'MINUTES' } });
    addBlock('SHOP_LINK');
    await within(block(5, 'Shop link')).findByRole('option', { name: 'Velvet Tint' });
    fireEvent.change(within(block(5, 'Shop link')).getByLabelText('Product'), { target: { value: 'p-1' } });
    addBlock('TAG');
    fill(block(6, 'Tag'), 'Tag to add to the contact', 'shade-fair');

    fireEvent.click(screen.getByRole('button', { name: 'Save flow' }));
    await waitFor(() => expect(saved).toHaveBeenCalledTimes(1));
    expect(api.find('POST', '/api/automations/flows')[0]!.body).toEqual({
      name: 'Shade finder',
      blocks: [
        { id: 'message-1', type: 'MESSAGE', text: 'Hi! 💄\nLet’s find your shade.' },
        {
          id: 'replies-1',
          type: 'QUICK_REPLIES',
          text: 'Which skin tone?',
          field: 'tone',
          options: [{ label: 'Fair' }, { label: 'Talk to admin', next: 'handoff-1' }],
          freeTextFallback: false,
        },
        { id: 'handoff-1', type: 'HANDOFF' },
        { id: 'wait-1', type: 'WAIT', amount: 5, unit: 'MINUTES' },
        { id: 'shop-1', type: 'SHOP_LINK', productId: 'p-1' },
        { id: 'tag-1', type: 'TAG', tag: 'shade-fair' },
      ],
    });
  });

  it('allows at most 4 quick replies and shows the server’s refusal at the options of the right block', async () => {
    fakeApi({ 'GET /api/automations/products': products });
    failRoute('PATCH /api/automations/flows/flow-1', 400, {
      message: 'Invalid flow',
      code: 'VALIDATION_ERROR',
      fields: {
        'blocks.1.options': ['At most 4 quick replies'],
        'blocks.0.text': ['A message has at most one shop link'],
      },
    });
    renderAs(
      'ADMIN',
      <FlowEditor
        flow={flow({
          blocks: [
            { id: 'message-1', type: 'MESSAGE', text: 'two links' },
            {
              id: 'replies-1',
              type: 'QUICK_REPLIES',
              text: 'Size?',
              field: 'size',
              options: [{ label: 'S' }, { label: 'M' }, { label: 'L' }],
            },
          ] as Flow['blocks'],
        })}
      />,
    );
    const replies = block(2, 'Quick replies');
    const add = within(replies).getByRole('button', { name: 'Add quick reply' });
    expect(add).toHaveProperty('disabled', false);
    fireEvent.click(add);
    expect(within(replies).getAllByLabelText(/^Button \d$/)).toHaveLength(4);
    expect(add).toHaveProperty('disabled', true);
    expect(within(replies).getByText('At most 4 quick replies.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Save flow' }));
    expect(await within(block(2, 'Quick replies')).findByText('At most 4 quick replies')).toBeTruthy();
    const message = within(block(1, 'Message')).getByLabelText('Message');
    expect(message.getAttribute('aria-invalid')).toBe('true');
    expect(within(block(1, 'Message')).getByText('A message has at most one shop link')).toBeTruthy();
    // Every error sits at its field: no panel repeats them.
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('points a branch at blocks by id and says when its target is gone', async () => {
    fakeApi({ 'GET /api/automations/products': [] });
    failRoute('PATCH /api/automations/flows/flow-1', 400, {
      message: 'Invalid flow',
      code: 'VALIDATION_ERROR',
      fields: {
        'blocks.0.else': ['No block with id "gone"'],
        'blocks.0.cases.1.next': ['A block id is 1 to 40 lowercase letters, digits, - and _'],
      },
    });
    renderAs(
      'ADMIN',
      <FlowEditor
        flow={flow({
          blocks: [
            {
              id: 'branch-1',
              type: 'BRANCH',
              field: 'size',
              cases: [{ equals: 'S', next: 'message-1' }],
              else: 'gone',
            },
            { id: 'message-1', type: 'MESSAGE', text: 'Small it is' },
          ] as Flow['blocks'],
        })}
      />,
    );
    const branch = block(1, 'Branch');
    const target = within(branch).getByLabelText('Case 1 goes to') as unknown as HTMLSelectElement;
    expect(target.value).toBe('message-1');
    expect([...target.options].map((o) => o.text)).toEqual(['Choose a block…', '2. Message (message-1)']);
    expect(
      (within(branch).getByLabelText('Otherwise go to') as unknown as HTMLSelectElement).selectedOptions[0]!.text,
    ).toBe('Missing block “gone”');
    fireEvent.click(within(branch).getByRole('button', { name: 'Add case' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save flow' }));
    expect(await within(block(1, 'Branch')).findByText('No block with id "gone"')).toBeTruthy();
    // A required target left empty: what to do, not the id's form.
    expect(within(block(1, 'Branch')).getByText('Choose a block')).toBeTruthy();
    expect(within(block(1, 'Branch')).queryByText(/lowercase letters/)).toBeNull();
  });

  it('moves blocks with the keyboard-reachable buttons and removes them', () => {
    fakeApi({ 'GET /api/automations/products': [] });
    renderAs('ADMIN', <FlowEditor flow={null} />);
    addBlock('TAG');
    fireEvent.click(screen.getByRole('button', { name: 'Move block 2 up' }));
    expect(block(1, 'Tag')).toBeTruthy();
    expect(block(2, 'Message')).toBeTruthy();
    expect(screen.getByText('Tag moved to position 1 of 2')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove block 1' }));
    expect(screen.queryByRole('group', { name: /Tag/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Remove block 1' })).toHaveProperty('disabled', true);
  });
});

describe('flows list', () => {
  it('shows version, the triggers using each flow and runs, and the server’s reason a delete is refused', async () => {
    fakeApi({
      'GET /api/automations/flows': [flow(), flow({ id: 'flow-2', name: 'Unused', triggerCount: 0, activeRuns: 0 })],
      'GET /api/automations/triggers': {
        triggers: [
          { id: 't-1', name: 'Price', action: { kind: 'FLOW', flowId: 'flow-1' } },
          { id: 't-2', name: 'Link', action: { kind: 'MESSAGE', text: 'x' } },
        ],
      },
    });
    failRoute('DELETE /api/automations/flows/flow-1', 409, {
      message: 'Used by the triggers: Price',
      code: 'CONFLICT',
    });
    renderAs('ADMIN', <FlowListPage />);
    const row = (await screen.findByRole('link', { name: 'Shade finder' })).closest('tr')!;
    expect([...row.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent)).toEqual([
      '3',
      'Price',
      '2 conversations',
    ]);
    const unused = screen.getByRole('link', { name: 'Unused' }).closest('tr')!;
    expect(unused.querySelectorAll('td')[2]!.textContent).toBe('No trigger');
    fireEvent.click(screen.getByRole('button', { name: 'Delete Shade finder' }));
    const question = await screen.findByRole('alertdialog', { name: 'Confirm: Delete Shade finder' });
    expect(question.textContent).toContain('Conversations it is still running are handed to a human');
    fireEvent.click(within(question).getByRole('button', { name: 'Delete Shade finder' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('This flow cannot be deleted. Used by the triggers: Price');
  });

  it('duplicates a flow and opens the copy', async () => {
    const api = fakeApi({
      'GET /api/automations/flows': [flow()],
      'GET /api/automations/triggers': { triggers: [] },
      'POST /api/automations/flows/flow-1/duplicate': flow({ id: 'flow-7', name: 'Shade finder (copy)', version: 1 }),
    });
    renderAs('ADMIN', <FlowListPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Duplicate Shade finder' }));
    await waitFor(() => expect(location.pathname).toBe('/automations/flows/flow-7'));
    expect(api.find('POST', '/api/automations/flows/flow-1/duplicate')).toHaveLength(1);
  });

  it('is read-only for viewers', async () => {
    fakeApi({ 'GET /api/automations/flows': [flow()] });
    failRoute('GET /api/automations/triggers', 403, { message: 'Your role does not allow this', code: 'FORBIDDEN' });
    renderAs('VIEWER', <FlowListPage />);
    const row = (await screen.findByRole('link', { name: 'Shade finder' })).closest('tr')!;
    expect(row.querySelectorAll('td')[2]!.textContent).toBe('1 trigger');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('link', { name: 'New flow' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete/ })).toBeNull();
  });
});

describe('trigger editor', () => {
  it('runs a flow as the DM when "Run a flow" is chosen', async () => {
    const api = fakeApi({
      'GET /api/automations/posts': { posts: [] },
      'GET /api/automations/flows': [flow()],
      'POST /api/automations/triggers': ({ body }: { body: unknown }) => ({ id: 't-9', ...(body as object) }),
    });
    const saved = vi.fn();
    renderAs('ADMIN', <TriggerEditor trigger={null} onSaved={saved} />);
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Shade' } });
    fireEvent.input(screen.getByLabelText('Keywords (comma-separated)'), { target: { value: 'SHADE' } });
    expect(screen.getByLabelText('DM message')).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Run a flow' }));
    expect(screen.queryByLabelText('DM message')).toBeNull();
    await screen.findByRole('option', { name: 'Shade finder (version 3)' });
    fireEvent.change(screen.getByLabelText('Flow'), { target: { value: 'flow-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save trigger' }));
    await waitFor(() => expect(saved).toHaveBeenCalledTimes(1));
    expect(api.find('POST', '/api/automations/triggers')[0]!.body).toMatchObject({
      name: 'Shade',
      action: { kind: 'FLOW', flowId: 'flow-1' },
    });
  });
});

describe('flow page', () => {
  it('saving makes a new version and says that running conversations keep theirs', async () => {
    const api = fakeApi({
      'GET /api/automations/products': [],
      'GET /api/automations/flows/flow-1': flow(),
      'PATCH /api/automations/flows/flow-1': ({ body }: { body: unknown }) => flow({ ...(body as object), version: 4 }),
    });
    renderAs('ADMIN', <FlowPage params={{ id: 'flow-1' }} />);
    expect(await screen.findByText(/^Version 3 · used by 1 trigger · 2 conversations in progress/)).toBeTruthy();
    fill(block(1, 'Message'), 'Message', 'Hello again');
    fireEvent.click(screen.getByRole('button', { name: 'Save flow' }));
    expect(
      await screen.findByText(
        'Saved as version 4. Conversations already in this flow finish on the version they started with.',
      ),
    ).toBeTruthy();
    expect(api.find('PATCH', '/api/automations/flows/flow-1')[0]!.body).toEqual({
      name: 'Shade finder',
      blocks: [{ id: 'message-1', type: 'MESSAGE', text: 'Hello again' }],
    });
    expect(screen.getByText(/^Version 4 ·/)).toBeTruthy();
  });

  it('shows viewers the blocks without an editor', async () => {
    fakeApi({ 'GET /api/automations/flows/flow-1': flow() });
    renderAs('VIEWER', <FlowPage params={{ id: 'flow-1' }} />);
    expect((await screen.findByRole('list', { name: 'Blocks in order' })).textContent).toBe(
      '1. Message (message-1): Hi!',
    );
    expect(screen.queryByRole('button', { name: 'Save flow' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });
});

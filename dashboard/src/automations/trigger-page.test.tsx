import { cleanup, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { TriggerPage } from './trigger-page';

const trigger = (action: unknown) => ({
  id: 't-1',
  name: 'Price',
  status: 'ACTIVE',
  priority: 1,
  publicReply: null,
  match: { groups: [[{ type: 'KEYWORD', keywords: ['price'] }]] },
  scope: { kind: 'ALL' },
  action,
});

function fakeTrigger(action: unknown) {
  return fakeApi({
    'GET /api/automations/triggers/t-1': trigger(action),
    'GET /api/automations/triggers/t-1/evaluations': { evaluations: [] },
    'GET /api/automations/posts': { posts: [] },
    'GET /api/automations/flows/f-1': {
      id: 'f-1',
      name: 'Shade finder',
      version: 3,
      blocks: [{ id: 'hi', type: 'MESSAGE', text: 'Hi!' }],
      triggerCount: 1,
      activeRuns: 0,
    },
  });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('trigger page: what the trigger does', () => {
  it('a FLOW trigger names the flow it runs and links to it', async () => {
    const api = fakeTrigger({ kind: 'FLOW', flowId: 'f-1' });
    renderAs('VIEWER', <TriggerPage params={{ id: 't-1' }} />);
    const link = await screen.findByRole('link', { name: 'Shade finder' });
    expect(link.getAttribute('href')).toBe('/automations/flows/f-1');
    expect(link.closest('p')!.textContent).toBe('Runs the flow Shade finder');
    expect(api.find('GET', '/api/automations/flows/f-1')).toHaveLength(1);
    // A VIEWER reads the trigger; testing it needs the AGENT role, so the form is not offered.
    expect(screen.queryByRole('form', { name: 'Test against history' })).toBeNull();
    expect(await screen.findByText('No comment has been evaluated yet.')).toBeTruthy();
  });

  it('a MESSAGE trigger quotes its DM and asks for no flow', async () => {
    const api = fakeTrigger({ kind: 'MESSAGE', text: 'Here is the price' });
    renderAs('VIEWER', <TriggerPage params={{ id: 't-1' }} />);
    expect((await screen.findByText(/^Sends the DM/)).textContent).toBe('Sends the DM: “Here is the price”');
    expect(screen.queryByRole('link', { name: 'Shade finder' })).toBeNull();
    expect(api.find('GET', '/api/automations/flows/f-1')).toHaveLength(0);
    cleanup();
    fakeTrigger({ kind: 'MESSAGE', text: 'Here is the price' });
    renderAs('AGENT', <TriggerPage params={{ id: 't-1' }} />);
    expect(await screen.findByRole('form', { name: 'Test against history' })).toBeTruthy();
  });

  it('a flow that is gone says so instead of a link', async () => {
    fakeTrigger({ kind: 'FLOW', flowId: 'f-1' });
    failRoute('GET /api/automations/flows/f-1', 404, { code: 'NOT_FOUND', message: 'Flow not found' });
    renderAs('ADMIN', <TriggerPage params={{ id: 't-1' }} />);
    const page = await screen.findByRole('region', { name: 'Price' });
    expect((await within(page).findByText(/^Runs a flow that no longer exists/)).textContent).toBe(
      'Runs a flow that no longer exists: edit the trigger to choose another.',
    );
    expect(within(page).queryByRole('link', { name: 'Shade finder' })).toBeNull();
  });
});

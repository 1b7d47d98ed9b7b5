// Putting FAQs and comment triggers in order, by Move up / Move down and by drag and drop: the new order is
// saved and announced, and a refused save puts the list back.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AutomationsPage } from './automations/automations-page';
import { FaqsPage } from './settings/faqs-page';
import { type Call, failRoute, fakeApi, renderAs } from './test-support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const faq = (id: string) => ({
  id,
  question: `Question ${id}?`,
  answer: 'An answer.',
  channelId: null,
  position: 0,
  clickCount: 0,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
});

const trigger = (id: string) => ({
  id,
  name: `Trigger ${id}`,
  status: 'ACTIVE',
  priority: 1,
  counts: { fired: 0 },
});

const itemsInOrder = (list: string) =>
  Array.from(screen.getByRole('list', { name: list }).querySelectorAll('li')).map(
    (li) => li.querySelector('strong, a')!.textContent,
  );

function faqsApi() {
  let faqs = ['f-1', 'f-2', 'f-3'].map(faq);
  return fakeApi({
    'GET /api/faqs': () => faqs,
    'GET /api/channels': [],
    'POST /api/faqs/reorder': (call: Call) => {
      const { ids } = call.body as { ids: string[] };
      faqs = ids.map(faq);
      return faqs;
    },
  });
}

describe('ordering FAQs', () => {
  it('Move down puts the FAQ one place lower, says where, and keeps the keyboard on it', async () => {
    const api = faqsApi();
    renderAs('ADMIN', <FaqsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Move down: Question f-1?' }));
    await screen.findByText('Moved to position 2 of 3');
    expect(api.find('POST', '/api/faqs/reorder').map((c) => c.body)).toEqual([{ ids: ['f-2', 'f-1', 'f-3'] }]);
    expect(itemsInOrder('FAQs in display order')).toEqual(['Question f-2?', 'Question f-1?', 'Question f-3?']);
    await waitFor(() => expect(document.activeElement?.id).toBe('move-down-f-1'));
  });

  it('dropping an FAQ on another puts it just above that one', async () => {
    const api = faqsApi();
    renderAs('ADMIN', <FaqsPage />);
    await screen.findByText('Question f-3?');
    const rows = screen.getByRole('list', { name: 'FAQs in display order' }).querySelectorAll('li');
    expect(rows[2]!.getAttribute('draggable')).toBe('true');
    fireEvent.dragStart(rows[2]!);
    expect(rows[2]!.className).toBe('faq dragging');
    fireEvent.drop(rows[0]!);
    await screen.findByText('Moved to position 1 of 3');
    expect(api.find('POST', '/api/faqs/reorder').map((c) => c.body)).toEqual([{ ids: ['f-3', 'f-1', 'f-2'] }]);
    expect(itemsInOrder('FAQs in display order')).toEqual(['Question f-3?', 'Question f-1?', 'Question f-2?']);
  });

  it('a refused save puts the FAQs back in their order and says why', async () => {
    faqsApi();
    failRoute('POST /api/faqs/reorder', 403, { message: 'Only admins can do this', code: 'FORBIDDEN' });
    renderAs('ADMIN', <FaqsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Move up: Question f-2?' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Only admins can do this');
    expect(itemsInOrder('FAQs in display order')).toEqual(['Question f-1?', 'Question f-2?', 'Question f-3?']);
  });

  it('an agent reads the FAQs in order but cannot move them', async () => {
    faqsApi();
    renderAs('AGENT', <FaqsPage />);
    await screen.findByText('Question f-1?');
    expect(screen.queryByRole('button', { name: /Move/ })).toBeNull();
    const rows = screen.getByRole('list', { name: 'FAQs in display order' }).querySelectorAll('li');
    expect(rows[0]!.getAttribute('draggable')).not.toBe('true');
  });
});

function triggersApi() {
  let triggers = ['t-1', 't-2', 't-3'].map(trigger);
  return fakeApi({
    'GET /api/automations/triggers': () => ({ triggers }),
    'POST /api/automations/triggers/reorder': (call: Call) => {
      const { ids } = call.body as { ids: string[] };
      triggers = ids.map(trigger);
      return { triggers };
    },
  });
}

describe('ordering comment triggers', () => {
  it('Move up raises the trigger’s priority and says which it now has', async () => {
    const api = triggersApi();
    renderAs('ADMIN', <AutomationsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Move up: Trigger t-3' }));
    await screen.findByText('Priority 2 of 3');
    expect(api.find('POST', '/api/automations/triggers/reorder').map((c) => c.body)).toEqual([
      { ids: ['t-1', 't-3', 't-2'] },
    ]);
    expect(itemsInOrder('Triggers in priority order')).toEqual(['Trigger t-1', 'Trigger t-3', 'Trigger t-2']);
    // The keyboard stays on the moved trigger's Move up button, now in its new row.
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Move up: Trigger t-3'));
  });

  it('moved to the top, the keyboard goes to its Move down button (Move up is disabled there)', async () => {
    triggersApi();
    renderAs('ADMIN', <AutomationsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Move up: Trigger t-2' }));
    await screen.findByText('Priority 1 of 3');
    expect(itemsInOrder('Triggers in priority order')).toEqual(['Trigger t-2', 'Trigger t-1', 'Trigger t-3']);
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Move down: Trigger t-2'));
  });

  it('dropping a trigger on another puts it just above that one', async () => {
    const api = triggersApi();
    renderAs('ADMIN', <AutomationsPage />);
    await screen.findByText('Trigger t-3');
    const rows = screen.getByRole('list', { name: 'Triggers in priority order' }).querySelectorAll('li');
    fireEvent.dragStart(rows[0]!);
    fireEvent.drop(rows[2]!);
    await screen.findByText('Priority 2 of 3');
    expect(api.find('POST', '/api/automations/triggers/reorder').map((c) => c.body)).toEqual([
      { ids: ['t-2', 't-1', 't-3'] },
    ]);
  });

  it('dropping a trigger on itself saves nothing', async () => {
    const api = triggersApi();
    renderAs('ADMIN', <AutomationsPage />);
    await screen.findByText('Trigger t-1');
    const rows = screen.getByRole('list', { name: 'Triggers in priority order' }).querySelectorAll('li');
    fireEvent.dragStart(rows[1]!);
    fireEvent.drop(rows[1]!);
    fireEvent.dragEnd(rows[1]!);
    expect(rows[1]!.className).toBe('trigger-row');
    expect(api.find('POST', '/api/automations/triggers/reorder')).toEqual([]);
  });
});

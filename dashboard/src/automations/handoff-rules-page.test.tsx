import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { HandoffRulesPage } from './handoff-rules-page';

const rules = {
  defaults: [
    { locale: 'en', term: 'refund', handoff: true, tag: null },
    { locale: 'th', term: 'คืนเงิน', handoff: true, tag: null },
  ],
  rules: [{ term: 'where is my order', handoff: true, tag: 'shipping' }],
  useDefaults: true,
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('handoff rules', () => {
  it('lists the built-in words per language and saves the workspace’s own terms with their actions', async () => {
    const api = fakeApi({
      'GET /api/automations/handoff-rules': rules,
      'GET /api/automations/settings': { waitWindowMinutes: 60 },
      'PUT /api/automations/handoff-rules': ({ body }: { body: unknown }) => ({ ...rules, ...(body as object) }),
    });
    renderAs('ADMIN', <HandoffRulesPage />);
    const thai = await screen.findByRole('list', { name: 'Built-in words: Thai' });
    expect(within(thai).getByText('คืนเงิน')).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Built-in words: English' })).getByText('refund')).toBeTruthy();
    expect(((await screen.findByLabelText('Word 1')) as HTMLInputElement).value).toBe('where is my order');

    fireEvent.click(screen.getByLabelText('Use the built-in words (they hand off)'));
    fireEvent.click(screen.getByRole('button', { name: 'Add a word' }));
    fireEvent.input(screen.getByLabelText('Word 2'), { target: { value: 'แพ้' } });
    fireEvent.click(screen.getByLabelText('Word 2: hand off'));
    fireEvent.input(screen.getByLabelText('Word 2: tag'), { target: { value: ' allergy ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save handoff rules' }));

    expect(await screen.findByText('Handoff rules saved.')).toBeTruthy();
    expect(api.find('PUT', '/api/automations/handoff-rules')[0]!.body).toEqual({
      useDefaults: false,
      rules: [
        { term: 'where is my order', handoff: true, tag: 'shipping' },
        { term: 'แพ้', handoff: false, tag: 'allergy' },
      ],
    });
  });

  it('shows the server’s reason beside the term it is about', async () => {
    fakeApi({
      'GET /api/automations/handoff-rules': rules,
      'GET /api/automations/settings': { waitWindowMinutes: 60 },
    });
    failRoute('PUT /api/automations/handoff-rules', 400, {
      message: 'Invalid rules',
      code: 'VALIDATION_ERROR',
      fields: { 'rules.0.handoff': ['A rule hands off, adds a tag, or both'] },
    });
    renderAs('ADMIN', <HandoffRulesPage />);
    fireEvent.click(await screen.findByLabelText('Word 1: hand off'));
    fireEvent.input(screen.getByLabelText('Word 1: tag'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save handoff rules' }));
    const cell = (await screen.findByText('A rule hands off, adds a tag, or both')).closest('td')!;
    expect(within(cell).getByLabelText('Word 1: hand off').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(screen.queryByText('Handoff rules saved.')).toBeNull());
  });

  it('sets how long a Waiting conversation stays open, with the server’s limit shown at the field', async () => {
    const api = fakeApi({
      'GET /api/automations/handoff-rules': rules,
      'GET /api/automations/settings': { waitWindowMinutes: 1440 },
      'PUT /api/automations/settings': ({ body }: { body: unknown }) => body,
    });
    renderAs('ADMIN', <HandoffRulesPage />);
    const form = await screen.findByRole('form', { name: 'Waiting conversations' });
    const input = within(form).getByLabelText('Close a Waiting conversation after (minutes)') as HTMLInputElement;
    expect(input.value).toBe('1440');
    expect(within(form).getByText(/^24 h\. /)).toBeTruthy();
    fireEvent.input(input, { target: { value: '90' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Saved.')).toBeTruthy();
    expect(api.find('PUT', '/api/automations/settings')[0]!.body).toEqual({ waitWindowMinutes: 90 });

    failRoute('PUT /api/automations/settings', 400, {
      message: 'Invalid settings',
      code: 'VALIDATION_ERROR',
      fields: { waitWindowMinutes: ['The wait window is at least 5 minutes'] },
    });
    fireEvent.input(input, { target: { value: '2' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('The wait window is at least 5 minutes')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('is read-only below admin', async () => {
    fakeApi({
      'GET /api/automations/handoff-rules': rules,
      'GET /api/automations/settings': { waitWindowMinutes: 60 },
    });
    renderAs('AGENT', <HandoffRulesPage />);
    expect(((await screen.findByLabelText('Word 1')) as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save handoff rules' })).toBeNull();
  });
});

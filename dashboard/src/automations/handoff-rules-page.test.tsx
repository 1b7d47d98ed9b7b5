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
    fakeApi({ 'GET /api/automations/handoff-rules': rules });
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

  it('is read-only below admin', async () => {
    fakeApi({ 'GET /api/automations/handoff-rules': rules });
    renderAs('AGENT', <HandoffRulesPage />);
    expect(((await screen.findByLabelText('Word 1')) as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save handoff rules' })).toBeNull();
  });
});

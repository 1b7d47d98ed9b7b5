import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { AiProvidersPage } from './ai-providers-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const now = new Date(0).toISOString();

const provider = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  name,
  type: 'OPENAI',
  model: 'gpt-4o-mini',
  temperature: 0.3,
  maxTokens: 1024,
  baseUrl: null,
  apiVersion: null,
  deployment: null,
  isDefault: false,
  hasApiKey: true,
  apiKey: '••••••••abcd',
  createdAt: now,
  updatedAt: now,
  ...extra,
});

function fakeProviders(providers = [provider('p-1', 'Main OpenAI', { isDefault: true })]) {
  return fakeApi({
    'GET /api/ai-providers': providers,
    'GET /api/channels': [
      { id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT', aiProviderId: 'p-2' },
      { id: 'ch-2', name: 'Support mail', type: 'EMAIL', aiProviderId: null },
    ],
    'POST /api/ai-providers': ({ body }: { body: unknown }) => provider('p-9', (body as { name: string }).name),
    'PATCH /api/ai-providers/p-1': ({ body }: { body: unknown }) => ({
      ...provider('p-1', 'Main OpenAI'),
      ...(body as object),
    }),
    'PATCH /api/ai-providers/p-2': provider('p-2', 'Claude', { isDefault: true }),
    'DELETE /api/ai-providers/p-2': { id: 'p-2', deleted: true },
  });
}

describe('AI providers settings', () => {
  it('lists providers with type, model, the masked key and the default badge', async () => {
    fakeProviders([
      provider('p-1', 'Main OpenAI', { isDefault: true }),
      provider('p-2', 'Claude', { type: 'ANTHROPIC', model: 'claude-sonnet-4-5', apiKey: '••••••••wxyz' }),
    ]);
    renderAs('ADMIN', <AiProvidersPage />);
    const row = (await screen.findByText('Main OpenAI', { selector: 'strong' })).closest('tr')!;
    expect(row.textContent).toContain('Default');
    expect(row.textContent).toContain('••••••••abcd');
    const claude = screen.getByText('Claude', { selector: 'strong' }).closest('tr')!;
    expect(claude.textContent).toContain('Anthropic');
    expect(claude.textContent).toContain('claude-sonnet-4-5');
    expect(claude.textContent).not.toContain('Default');
  });

  it('with no provider, explains that there is no AI option anywhere', async () => {
    fakeProviders([]);
    renderAs('VIEWER', <AiProvidersPage />);
    expect(await screen.findByText('No AI provider yet, so AI replies are off in every channel.')).toBeTruthy();
  });

  it('adding an Azure OpenAI provider asks for endpoint, deployment and API version and sends them', async () => {
    const api = fakeProviders();
    renderAs('ADMIN', <AiProvidersPage />);
    await screen.findByText('Main OpenAI', { selector: 'strong' });
    fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));
    expect(screen.queryByLabelText('Deployment')).toBeNull();

    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'AZURE_OPENAI' } });
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Azure EU' } });
    fireEvent.input(screen.getByLabelText('Azure endpoint (base URL)'), {
      target: { value: 'https://acme.openai.azure.com' },
    });
    fireEvent.input(screen.getByLabelText('Deployment'), { target: { value: 'gpt4o-prod' } });
    fireEvent.input(screen.getByLabelText('API version'), { target: { value: '2024-10-21' } });
    fireEvent.input(screen.getByLabelText('Model'), { target: { value: 'gpt-4o' } });
    fireEvent.input(screen.getByLabelText('API key'), { target: { value: 'azure-secret-key' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));

    await waitFor(() => expect(api.find('POST', '/api/ai-providers')).toHaveLength(1));
    expect(api.find('POST', '/api/ai-providers')[0]!.body).toEqual({
      type: 'AZURE_OPENAI',
      name: 'Azure EU',
      model: 'gpt-4o',
      baseUrl: 'https://acme.openai.azure.com',
      deployment: 'gpt4o-prod',
      apiVersion: '2024-10-21',
      apiKey: 'azure-secret-key',
    });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Added Azure EU.'));
  });

  it('Ollama needs a server URL and a free-text model but no key; built-in needs only a name', async () => {
    const api = fakeProviders();
    renderAs('OWNER', <AiProvidersPage />);
    await screen.findByText('Main OpenAI', { selector: 'strong' });
    fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'OLLAMA' } });
    expect(screen.getByLabelText('Ollama server URL')).toBeTruthy();
    expect(screen.getByLabelText('API key (optional)')).toBeTruthy();
    expect(screen.getByLabelText('Model').getAttribute('list')).toBeNull();

    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'BUILTIN' } });
    expect(screen.queryByLabelText('Model')).toBeNull();
    expect(screen.queryByLabelText(/API key/)).toBeNull();
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Offline' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));
    await waitFor(() => expect(api.find('POST', '/api/ai-providers')).toHaveLength(1));
    expect(api.find('POST', '/api/ai-providers')[0]!.body).toEqual({ type: 'BUILTIN', name: 'Offline' });
  });

  it('editing with the key field left blank keeps the stored key', async () => {
    const api = fakeProviders();
    renderAs('ADMIN', <AiProvidersPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Main OpenAI' }));
    expect(screen.getByText('Stored key: ••••••••abcd. Leave blank to keep it.')).toBeTruthy();
    expect((screen.getByLabelText('API key') as HTMLInputElement).value).toBe('');
    fireEvent.input(screen.getByLabelText('Model'), { target: { value: 'gpt-4.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save provider' }));

    await waitFor(() => expect(api.find('PATCH', '/api/ai-providers/p-1')).toHaveLength(1));
    const body = api.find('PATCH', '/api/ai-providers/p-1')[0]!.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('apiKey');
    expect(body).toMatchObject({ name: 'Main OpenAI', model: 'gpt-4.1', temperature: 0.3, maxTokens: 1024 });
  });

  it('asks for the key again when the base URL changes, since the stored key only goes where it was entered', async () => {
    fakeProviders([
      provider('p-1', 'Azure EU', {
        isDefault: true,
        type: 'AZURE_OPENAI',
        baseUrl: 'https://acme.openai.azure.com',
        deployment: 'gpt4o-prod',
        apiVersion: '2024-10-21',
      }),
    ]);
    renderAs('ADMIN', <AiProvidersPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Azure EU' }));
    expect(screen.getByLabelText('API key')).toHaveProperty('required', false);
    fireEvent.input(screen.getByLabelText('Azure endpoint (base URL)'), {
      target: { value: 'https://other.openai.azure.com' },
    });
    expect(screen.getByText('Stored key: ••••••••abcd. Enter the key again to use it with the new URL.')).toBeTruthy();
    expect(screen.getByLabelText('API key')).toHaveProperty('required', true);
  });

  it('shows a field error from the server next to its input and keeps the form open', async () => {
    fakeProviders();
    failRoute('POST /api/ai-providers', 400, {
      message: 'Invalid AI provider settings',
      code: 'VALIDATION_ERROR',
      fields: { baseUrl: ['Base URL must point to a public host (it points to a private address)'] },
    });
    renderAs('ADMIN', <AiProvidersPage />);
    await screen.findByText('Main OpenAI', { selector: 'strong' });
    fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'OLLAMA' } });
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Lab' } });
    fireEvent.input(screen.getByLabelText('Ollama server URL'), { target: { value: 'http://10.0.0.5:11434' } });
    fireEvent.input(screen.getByLabelText('Model'), { target: { value: 'llama3.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));

    const message = await screen.findByText('Base URL must point to a public host (it points to a private address)');
    const input = screen.getByLabelText('Ollama server URL');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain(message.id);
    expect(screen.getByRole('alert').textContent).toBe('Please check this: See the highlighted fields.');
  });

  it('deleting a provider says which channels fall back to the default', async () => {
    const api = fakeProviders([
      provider('p-1', 'Main OpenAI', { isDefault: true }),
      provider('p-2', 'Claude', { type: 'ANTHROPIC' }),
    ]);
    renderAs('ADMIN', <AiProvidersPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Claude' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete Claude' });
    expect([...question.querySelectorAll('p')].map((p) => p.textContent)).toEqual([
      'Delete the AI provider "Claude"?',
      'Website will use the default provider ("Main OpenAI") instead.',
    ]);
    expect(api.find('DELETE', '/api/ai-providers/p-2')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Delete Claude' }));
    await waitFor(() => expect(api.find('DELETE', '/api/ai-providers/p-2')).toHaveLength(1));
  });

  it('"Make default" marks another provider as the default', async () => {
    const api = fakeProviders([
      provider('p-1', 'Main OpenAI', { isDefault: true }),
      provider('p-2', 'Claude', { type: 'ANTHROPIC' }),
    ]);
    renderAs('ADMIN', <AiProvidersPage />);
    await screen.findByText('Claude', { selector: 'strong' });
    expect(screen.queryByRole('button', { name: 'Make default Main OpenAI' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Make default Claude' }));
    await waitFor(() => expect(api.find('PATCH', '/api/ai-providers/p-2')).toHaveLength(1));
    expect(api.find('PATCH', '/api/ai-providers/p-2')[0]!.body).toEqual({ isDefault: true });
  });

  it('an agent sees the providers but no way to change them', async () => {
    fakeProviders();
    renderAs('AGENT', <AiProvidersPage />);
    await screen.findByText('Main OpenAI', { selector: 'strong' });
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(screen.queryByRole('columnheader', { name: 'Actions' })).toBeNull();
  });
});

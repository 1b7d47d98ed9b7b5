import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failEveryRequest, failRoute, fakeApi, renderAs } from '../test-support';
import { ChannelPage } from './channel-page';
import { ChannelWizard } from './channel-wizard';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const savedEmailChannel = {
  id: 'ch-1',
  organizationId: 'org-1',
  type: 'EMAIL',
  name: 'Support mailbox',
  region: null,
  defaultLanguage: 'en',
  autoTranslate: true,
  translateToLanguage: null,
  fallbackLanguage: null,
  aiProviderId: null,
  systemPrompt: null,
  responseTemplate: null,
  settings: {},
  autoReply: false,
  autoApprove: false,
  autoEnhance: false,
  autoReplyMode: 'off',
  isActive: true,
  knowledgeGroupIds: [],
  credentials: {
    host: 'smtp.shop.test',
    port: 587,
    username: 'support@shop.test',
    password: '••••••••1234',
    from: 'support@shop.test',
    imapHost: 'imap.shop.test',
    imapPort: 993,
    imapSecure: true,
  },
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
};

const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

/** Opens the add-channel stepper at the Email connection step. */
function startEmailWizard() {
  renderAs('ADMIN', <ChannelWizard />);
  fireEvent.click(screen.getByLabelText('Email'));
  fireEvent.click(screen.getByRole('button', { name: 'Next' }));
}

/** Types an SMTP account: the server, support@shop.test with secret-pass, sending from support@shop.test. */
function typeSmtpAccount(host = 'smtp.shop.test', port = '587') {
  type('SMTP host', host);
  type('SMTP port', port);
  type('Username', 'support@shop.test');
  type('Password', 'secret-pass');
  type('From address', 'support@shop.test');
}

describe('email connection test', () => {
  it('tests the typed-in account from the add-channel stepper and shows each server’s result', async () => {
    const api = fakeApi({
      'POST /api/channels/test-connection': {
        ok: false,
        smtp: { ok: true },
        imap: { ok: false, error: 'Authentication failed: NO [AUTHENTICATIONFAILED] Invalid credentials' },
      },
    });
    startEmailWizard();
    typeSmtpAccount();
    type('IMAP host (optional)', 'imap.shop.test');
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));

    const status = screen.getByRole('status');
    await within(status).findByText('SMTP: connected and authenticated');
    expect(within(status).getByText(/^IMAP: Authentication failed: NO/)).toBeTruthy();
    expect(api.find('POST', '/api/channels/test-connection')[0]!.body).toEqual({
      type: 'EMAIL',
      credentials: {
        host: 'smtp.shop.test',
        port: 587,
        username: 'support@shop.test',
        password: 'secret-pass',
        from: 'support@shop.test',
        imapHost: 'imap.shop.test',
      },
    });
    // Testing is not saving: the stepper is still on the connection step.
    expect(api.find('POST', '/api/channels')).toEqual([]);
  });

  it('sends plain-text login only when the admin ticks it, for each server', async () => {
    const api = fakeApi({ 'POST /api/channels/test-connection': { ok: true, smtp: { ok: true } } });
    startEmailWizard();
    typeSmtpAccount('relay.shop.test', '25');
    const plaintext = screen.getByLabelText('Allow SMTP login without encryption (local mail server only)');
    expect(plaintext).toHaveProperty('checked', false);
    fireEvent.click(plaintext);
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await within(screen.getByRole('status')).findByText('SMTP: connected and authenticated');
    const sent = api.find('POST', '/api/channels/test-connection')[0]!.body as { credentials: object };
    expect(sent.credentials).toMatchObject({ smtpAllowPlaintext: true });
    expect(sent.credentials).not.toHaveProperty('imapAllowPlaintext');
  });

  it('tests a saved channel with the edited fields; a new server asks for the password again on its field', async () => {
    const api = fakeApi({
      'GET /api/channels/ch-1': savedEmailChannel,
      'GET /api/ai-providers': [],
      'GET /api/knowledge/groups': [],
    });
    failRoute('POST /api/channels/ch-1/test-connection', 400, {
      message: 'Enter the password again to use it with a new server',
      code: 'VALIDATION_ERROR',
      fields: { 'credentials.password': ['Enter the password again to use it with a new server'] },
    });
    renderAs('ADMIN', <ChannelPage params={{ id: 'ch-1' }} />);
    await screen.findByDisplayValue('smtp.shop.test');
    // The editor re-reads the channel in an effect after mounting; typing starts after that, as a person would.
    await act(() => new Promise((r) => setTimeout(r, 200)));
    type('SMTP host', 'smtp2.shop.test');
    type('SMTP port', '2525');
    type('IMAP host (optional)', '');
    const button = screen.getByRole('button', { name: 'Test connection' });
    fireEvent.click(button);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Testing connection…' })).toHaveProperty('disabled', true),
    );

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Please check this: See the highlighted fields.');
    expect(screen.getByText('Enter the password again to use it with a new server')).toBeTruthy();
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByText(/^SMTP:/)).toBeNull();
    const sent = api.find('POST', '/api/channels/ch-1/test-connection')[0]!.body as { credentials: object };
    expect(sent.credentials).toMatchObject({
      host: 'smtp2.shop.test',
      port: 2525,
      password: '••••••••1234',
      imapHost: null,
    });
    expect(api.find('PATCH', '/api/channels/ch-1')).toEqual([]);
  });

  it('shows a refused request as an alert and marks the field the server named', async () => {
    failEveryRequest(400, {
      message: 'Invalid channel credentials',
      code: 'VALIDATION_ERROR',
      fields: { 'credentials.host': ['SMTP host is required'] },
    });
    startEmailWizard();
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Please check this: See the highlighted fields.');
    expect(screen.getByText('SMTP host is required')).toBeTruthy();
    expect(screen.getByLabelText('SMTP host').getAttribute('aria-invalid')).toBe('true');
  });

  it('is not offered to roles that cannot change channels', async () => {
    fakeApi({ 'GET /api/channels/ch-1': savedEmailChannel });
    renderAs('AGENT', <ChannelPage params={{ id: 'ch-1' }} />);
    await screen.findByText('Support mailbox');
    expect(screen.queryByRole('button', { name: 'Test connection' })).toBeNull();
  });
});

describe('email mailbox and flag', () => {
  it('sends the typed mailbox and flag to the connection test and shows a missing mailbox on the IMAP line', async () => {
    const api = fakeApi({
      'POST /api/channels/test-connection': {
        ok: false,
        smtp: { ok: true },
        imap: {
          ok: false,
          error:
            'Mailbox "Équipe" does not exist or cannot be opened (the server said: NO [NONEXISTENT] No such mailbox)',
        },
      },
    });
    startEmailWizard();
    typeSmtpAccount();
    type('IMAP host (optional)', 'imap.shop.test');
    type('IMAP mailbox (optional)', 'Équipe');
    type('Mark imported mail with flag (optional)', '$HelpStack');
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));

    const status = screen.getByRole('status');
    await within(status).findByText('SMTP: connected and authenticated');
    expect(within(status).getByText(/^IMAP: Mailbox "Équipe" does not exist or cannot be opened/)).toBeTruthy();
    const sent = api.find('POST', '/api/channels/test-connection')[0]!.body as { credentials: object };
    expect(sent.credentials).toMatchObject({ imapMailbox: 'Équipe', imapFlag: '$HelpStack' });
  });

  it('leaves both out when empty, so the poll reads INBOX and marks nothing', async () => {
    const api = fakeApi({ 'POST /api/channels/test-connection': { ok: true, smtp: { ok: true } } });
    startEmailWizard();
    typeSmtpAccount();
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await within(screen.getByRole('status')).findByText('SMTP: connected and authenticated');
    const sent = api.find('POST', '/api/channels/test-connection')[0]!.body as { credentials: object };
    expect(sent.credentials).not.toHaveProperty('imapMailbox');
    expect(sent.credentials).not.toHaveProperty('imapFlag');
  });
});

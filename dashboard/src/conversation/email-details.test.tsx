import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmailPollStatus } from '../settings/email-poll-status';
import { fakeApi } from '../test-support';
import { EmailDetails, resetEmailDetails } from './email-details';

afterEach(() => {
  cleanup();
  resetEmailDetails();
  vi.unstubAllGlobals();
});

const mail = {
  messageId: 'm-1',
  direction: 'INBOUND',
  subject: 'Re: Where is my order?',
  from: { address: 'jane@customer.test', name: 'Jane Doe' },
  to: ['support@shop.test'],
  cc: ['max@customer.test'],
  quoted: 'On Tue, Shop wrote:\n> <b>Your parcel</b> left today.',
  autoSubmitted: false,
};

describe('EmailDetails', () => {
  it('shows Subject, From, To and Cc, and the quoted history only on demand, as text', async () => {
    const api = fakeApi({ 'GET /api/email/conversations/c-1': [mail] });
    const { container } = render(
      <>
        <EmailDetails conversationId="c-1" messageId="m-1" />
        <EmailDetails conversationId="c-1" messageId="m-1" />
      </>,
    );
    expect(await screen.findAllByText('Re: Where is my order?')).toHaveLength(2);
    expect(screen.getAllByText('Jane Doe <jane@customer.test>')).toHaveLength(2);
    expect(screen.getAllByText('support@shop.test')).toHaveLength(2);
    expect(screen.getAllByText('max@customer.test')).toHaveLength(2);
    // One request serves every message of the conversation.
    expect(api.find('GET', '/api/email/conversations/c-1')).toHaveLength(1);
    const details = container.querySelector('details.email-quoted') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    fireEvent.click(screen.getAllByText('Show quoted text')[0]!);
    // The mail's markup is shown as the characters it is, never as elements.
    expect(details.querySelector('pre')!.textContent).toBe('On Tue, Shop wrote:\n> <b>Your parcel</b> left today.');
    expect(container.querySelector('b')).toBeNull();
  });

  it('shows nothing for a message that did not come by mail', async () => {
    const api = fakeApi({ 'GET /api/email/conversations/c-2': [] });
    const { container } = render(<EmailDetails conversationId="c-2" messageId="note-1" />);
    await vi.waitFor(() => expect(api.find('GET', '/api/email/conversations/c-2').length).toBeGreaterThan(0));
    expect(container.innerHTML).toBe('');
  });
});

describe('EmailPollStatus', () => {
  it('says the last poll failed and why, and lists quarantined mail', async () => {
    fakeApi({
      'GET /api/email/channels/ch-1/status': {
        lastPollAt: '2026-12-01T10:00:00.000Z',
        lastSuccessAt: null,
        lastError: 'Authentication failed: NO [AUTHENTICATIONFAILED] Invalid credentials',
        quarantined: [
          {
            mailbox: 'INBOX',
            uid: 7,
            reason: 'the message is larger than 10485760 bytes',
            at: '2026-12-01T09:00:00.000Z',
          },
          { mailbox: 'Support', uid: 7, reason: 'D1 refused the row', at: '2026-12-01T09:05:00.000Z' },
        ],
      },
    });
    render(<EmailPollStatus channelId="ch-1" />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(
      /^Last poll failed: Authentication failed: NO \[AUTHENTICATIONFAILED\] Invalid credentials \(/,
    );
    // The same UID in two mailboxes is two messages.
    expect(screen.getByText('INBOX UID 7: the message is larger than 10485760 bytes')).toBeTruthy();
    expect(screen.getByText('Support UID 7: D1 refused the row')).toBeTruthy();
  });
});

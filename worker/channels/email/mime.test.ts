import { describe, expect, it } from 'vitest';
import { isAutomated, messageIdsIn, normalizeMessageId, splitQuoted } from './mime';

describe('splitQuoted', () => {
  it('cuts at a German attribution line', () => {
    expect(splitQuoted('Danke!\n\nAm 01.12.2026 um 10:00 schrieb Shop <s@shop.test>:\n> Alt')).toEqual({
      reply: 'Danke!',
      quoted: 'Am 01.12.2026 um 10:00 schrieb Shop <s@shop.test>:\n> Alt',
    });
  });

  it('cuts a trailing block of "> " lines, blank lines inside it included', () => {
    expect(splitQuoted('Yes please.\n\n> Shall we refund?\n>\n\n> Thanks\n\n')).toEqual({
      reply: 'Yes please.',
      quoted: '> Shall we refund?\n>\n\n> Thanks',
    });
  });

  it('leaves inline quoting that the reply continues after alone', () => {
    const text = '> Which colour?\nBlue.\n> And size?\nLarge.';
    expect(splitQuoted(text)).toEqual({ reply: text, quoted: null });
  });

  it('keeps a mail that is all quote (a bare forward) whole', () => {
    expect(splitQuoted('> only quoted text')).toEqual({ reply: '> only quoted text', quoted: null });
  });
});

describe('isAutomated', () => {
  const mail = (headers: Record<string, string>, from = 'jane@customer.test') => ({
    headers: Object.entries(headers).map(([key, value]) => ({ key, originalKey: key, value })),
    from: { address: from, name: '' },
  });

  it('reads Auto-Submitted, Precedence, delivery reports and daemon senders', () => {
    expect(isAutomated(mail({ 'auto-submitted': 'auto-generated' }))).toBe(true);
    expect(isAutomated(mail({ 'auto-submitted': 'no' }))).toBe(false);
    expect(isAutomated(mail({ precedence: 'bulk' }))).toBe(true);
    expect(isAutomated(mail({ 'content-type': 'multipart/report; report-type=delivery-status' }))).toBe(true);
    expect(isAutomated(mail({}, 'MAILER-DAEMON@mx.customer.test'))).toBe(true);
    expect(isAutomated(mail({}))).toBe(false);
  });
});

describe('Message-IDs', () => {
  it('reads every bracketed id of References, and a bare In-Reply-To', () => {
    expect(messageIdsIn('<a@x.test>\r\n <b@y.test> <c@z.test>')).toEqual(['a@x.test', 'b@y.test', 'c@z.test']);
    expect(messageIdsIn('bare@x.test')).toEqual(['bare@x.test']);
    expect(messageIdsIn('not an id')).toEqual([]);
    expect(normalizeMessageId(` <${'x'.repeat(999)}@a> `)).toBeNull();
  });
});

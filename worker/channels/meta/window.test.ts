import { describe, expect, it } from 'vitest';
import { windowDecision, windowState } from './window';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 11, 1, 12);

describe('Meta messaging windows (pure rule)', () => {
  it('lets anyone reply inside 24 h, human agents only with HUMAN_AGENT up to 7 days, nobody after', () => {
    for (const type of ['FACEBOOK', 'INSTAGRAM'] as const) {
      expect(windowDecision(type, now - 23 * HOUR, now, { senderType: 'AI' })).toEqual({ allowed: true });
      expect(windowDecision(type, now - 30 * HOUR, now, { senderType: 'AGENT' })).toEqual({
        allowed: true,
        tag: 'HUMAN_AGENT',
      });
      expect(windowDecision(type, now - 30 * HOUR, now, { senderType: 'SYSTEM' })).toMatchObject({ allowed: false });
      expect(windowDecision(type, now - 8 * 24 * HOUR, now, { senderType: 'AGENT' })).toMatchObject({
        allowed: false,
        reason: expect.stringContaining('only within 7 days'),
      });
      expect(windowDecision(type, null, now, { senderType: 'AGENT' })).toMatchObject({ allowed: false });
    }
  });

  it('lets WhatsApp send templates at any time and free text only inside 24 h', () => {
    expect(windowDecision('WHATSAPP', now - 25 * HOUR, now, { senderType: 'AGENT' })).toMatchObject({ allowed: false });
    expect(windowDecision('WHATSAPP', now - 25 * HOUR, now, { senderType: 'AGENT', template: true })).toEqual({
      allowed: true,
    });
    expect(windowDecision('WHATSAPP', null, now, { senderType: 'AGENT', template: true })).toEqual({ allowed: true });
    expect(windowDecision('WHATSAPP', now - 24 * HOUR, now, { senderType: 'AI' })).toEqual({ allowed: true });
  });

  it('describes the window for the dashboard', () => {
    expect(windowState('WHATSAPP', now - 21 * HOUR, now).label).toBe('24 h window closes in 3 h');
    expect(windowState('WHATSAPP', now - 26 * HOUR, now).state).toBe('template-required');
    expect(windowState('FACEBOOK', now - 26 * HOUR, now)).toMatchObject({ state: 'human-agent-only' });
    expect(windowState('INSTAGRAM', now - 9 * 24 * HOUR, now)).toMatchObject({ state: 'closed' });
  });
});

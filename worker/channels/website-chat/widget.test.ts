import { describe, expect, it } from 'vitest';
import { assertWidgetOrigin } from './widget';

const withDomains = (allowedDomains?: string[]) => ({ settings: allowedDomains ? { allowedDomains } : {} });

describe('widget origin allowlist', () => {
  it('lets any site in when the channel has no allowlist, even without an Origin header', () => {
    expect(() => assertWidgetOrigin(withDomains(), 'https://anywhere.test')).not.toThrow();
    expect(() => assertWidgetOrigin(withDomains([]), undefined)).not.toThrow();
  });

  it('accepts a listed domain and its subdomains on any scheme or port', () => {
    const channel = withDomains(['shop.example.com']);
    for (const origin of ['https://shop.example.com', 'http://shop.example.com:8080', 'https://a.b.shop.example.com']) {
      expect(() => assertWidgetOrigin(channel, origin), origin).not.toThrow();
    }
  });

  it('refuses look-alike domains, parents, garbage and a missing Origin with a 403', () => {
    const channel = withDomains(['shop.example.com']);
    for (const origin of [
      'https://evilshop.example.com',
      'https://example.com',
      'https://shop.example.com.evil.test',
      'null',
      undefined,
    ]) {
      expect(() => assertWidgetOrigin(channel, origin), String(origin)).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN' }),
      );
    }
  });

  it("trusts the app's own origin, where the widget iframe runs", () => {
    const channel = withDomains(['shop.example.com']);
    expect(() =>
      assertWidgetOrigin(channel, 'https://app.helpstack.test', ['https://app.helpstack.test']),
    ).not.toThrow();
  });
});

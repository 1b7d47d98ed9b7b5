// These pages serve the built widget: run `node widget/build.mjs` before this file (dist/public is the ASSETS dir).
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { type ChannelSettings, channels } from '../db/schema';
import { seedDemo } from '../db/seed';
import { dashboardCsp, dashboardHeadersFile } from '../http/security-headers';
import { toBase64 } from '../lib/encoding';
import { encryptJson } from '../lib/secrets';

const db = createDb(env.DB);
const get = (path: string) => exports.default.fetch(new Request(`http://localhost${path}`));

async function channel(type: 'WEBSITE_CHAT' | 'EMAIL', settings: ChannelSettings = {}, isActive = true) {
  const { organization } = await signUpOwner();
  const [row] = await db
    .insert(channels)
    .values({
      organizationId: organization.id,
      type,
      name: 'Shop chat',
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, {}),
      settings,
      isActive,
    })
    .returning();
  return row!;
}

describe('GET /widget.js', () => {
  it('serves the built loader as JavaScript, cached for a short time', async () => {
    const res = await get('/widget.js?id=abc');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const body = await res.text();
    expect(body).toContain('chat_widget_visitor_id');
    expect(body).not.toMatch(/<html/i);
  });
});

describe('GET /widget/:channelId', () => {
  it('serves the chat page, referencing built app files that exist', async () => {
    const chat = await channel('WEBSITE_CHAT', { appearance: { title: 'Ask <us>' } });
    const res = await get(`/widget/${chat.id}?visitorId=visitor_0b7c6a52-34a4-4c55-9d3c-2f3a8a0c9b11`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<title>Ask &lt;us&gt;</title>');
    const script = page.match(/<script type="module" src="([^"]+)"/)?.[1];
    const style = page.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1];
    expect(script).toMatch(/^\/widget-app\/assets\/.+\.js$/);
    for (const path of [script!, style!]) {
      const file = await env.ASSETS.fetch(new URL(path, 'http://localhost'));
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).not.toMatch(/html/);
    }
  });

  it('may be framed anywhere without an allowlist, and only by listed domains with one', async () => {
    const open = await channel('WEBSITE_CHAT');
    const openCsp = (await get(`/widget/${open.id}`)).headers.get('content-security-policy') ?? '';
    expect(openCsp).toContain('frame-ancestors *');
    expect(openCsp).toContain("script-src 'self'");
    expect(openCsp).toContain("connect-src 'self' ws://localhost");

    const listed = await channel('WEBSITE_CHAT', {
      allowedDomains: ['shop.example.com', 'evil.example; script-src *'],
    });
    const csp = (await get(`/widget/${listed.id}`)).headers.get('content-security-policy') ?? '';
    const ancestors = csp.split('; ').find((d) => d.startsWith('frame-ancestors'));
    expect(ancestors).toBe("frame-ancestors 'self' shop.example.com *.shop.example.com");

    // A wildcard entry allows the subdomains only, as the API's origin check does.
    const wildcard = await channel('WEBSITE_CHAT', { allowedDomains: ['*.example.org'] });
    const wildCsp = (await get(`/widget/${wildcard.id}`)).headers.get('content-security-policy') ?? '';
    expect(wildCsp.split('; ').find((d) => d.startsWith('frame-ancestors'))).toBe(
      "frame-ancestors 'self' *.example.org",
    );
  });

  it('is framable through its own policy only: no X-Frame-Options DENY, unlike the rest of the Worker', async () => {
    const open = await channel('WEBSITE_CHAT');
    const res = await get(`/widget/${open.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors \*$/);
    const tooLong = await get(`/widget/${'c'.repeat(101)}`);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as any).error.fields).toEqual({
      channelId: ['channelId must be at most 100 characters'],
    });
  });

  it('answers 404 for unknown, inactive and non-website channels', async () => {
    const email = await channel('EMAIL');
    const inactive = await channel('WEBSITE_CHAT', {}, false);
    for (const id of ['no-such-channel', email.id, inactive.id]) {
      const res = await get(`/widget/${id}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('This chat is not available.');
    }
  });
});

describe('GET /demo', () => {
  it("embeds the demo organisation's website chat, or the channel given by ?id=", async () => {
    const seeded = await seedDemo(env, db, 1000);
    const page = await (await get('/demo')).text();
    expect(page).toContain(`<script src="/widget.js?id=${seeded.websiteChannelId}" async></script>`);
    expect(page).toContain('window.HelpStackTools');

    const other = await (await get('/demo?id=ch%22%3E%3Cscript%3E')).text();
    expect(other).toContain('/widget.js?id=ch%22%3E%3Cscript%3E"');
    expect(other).not.toContain('"><script>');
  });
});

describe('security headers', () => {
  it('keeps the demo shop working under a policy that allows its inline script by hash only', async () => {
    const res = await get('/demo?id=some-channel');
    const page = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    const inline = page.match(/<script>([\s\S]*?)<\/script>/)?.[1] ?? '';
    expect(inline).toContain('window.HelpStackTools');
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(inline));
    const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src'));
    expect(scriptSrc).toBe(`script-src 'self' 'sha256-${toBase64(new Uint8Array(digest))}'`);
    expect(csp).toContain("frame-src 'self'");
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect((await get(`/demo?id=${'x'.repeat(101)}`)).status).toBe(400);
  });

  it('sends the dashboard policy and X-Frame-Options DENY on what the Worker serves without its own policy', async () => {
    for (const path of ['/api/auth/me', '/api/nowhere', '/widget.js']) {
      const res = await get(path);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toBe(dashboardCsp(['ws://localhost']));
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("connect-src 'self' ws://localhost;");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('writes the same policy for the dashboard’s static files (_headers), which bypass the Worker', () => {
    expect(dashboardHeadersFile()).toBe(
      [
        '/*',
        `  Content-Security-Policy: ${dashboardCsp()}`,
        '  X-Frame-Options: DENY',
        '  X-Content-Type-Options: nosniff',
        '  Referrer-Policy: same-origin',
        '',
      ].join('\n'),
    );
  });
});

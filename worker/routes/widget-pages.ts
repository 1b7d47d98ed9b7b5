// Pages served at the site root for the chat widget: the loader script (/widget.js), the chat iframe page
// (/widget/{channelId}) and a demo shop that embeds the widget (/demo). Built files come from the ASSETS
// binding (`node widget/build.mjs` writes them to dist/public).
import { and, asc, eq } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { html, raw } from 'hono/html';
import { loadWidgetChannel } from '../channels/website-chat/widget';
import { createDb } from '../db/client';
import { channels, memberships, users } from '../db/schema';
import { DEMO_OWNER } from '../db/seed';
import type { AppEnv } from '../http/context';
import { idParams, parseId } from '../http/validate';
import { toBase64 } from '../lib/encoding';
import { NotFoundError } from '../lib/errors';

const NOT_BUILT = 'The chat widget is not built: run `node widget/build.mjs`.';
const DOMAIN = /^[a-z0-9.-]+(:\d{1,5})?$/;

interface ViteManifestEntry {
  file: string;
  css?: string[];
  isEntry?: boolean;
}

async function asset(c: Context<AppEnv>, path: string): Promise<Response | null> {
  const res = await c.env.ASSETS.fetch(new URL(path, c.req.url));
  // A missing file comes back as the dashboard's index.html (single-page-application fallback).
  if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) return null;
  return res;
}

/** The hashed entry script and stylesheets of the chat app, from the build's manifest. */
async function chatAppFiles(c: Context<AppEnv>): Promise<{ script: string; styles: string[] } | null> {
  const res = await asset(c, '/widget-app/manifest.json');
  if (!res) return null;
  const manifest = (await res.json()) as Record<string, ViteManifestEntry>;
  const entry = Object.values(manifest).find((e) => e.isEntry);
  if (!entry) return null;
  return { script: `/widget-app/${entry.file}`, styles: (entry.css ?? []).map((file) => `/widget-app/${file}`) };
}

/** Where the iframe may be embedded: our own origins, plus the channel's allowed domains and their subdomains. */
function frameAncestors(c: Context<AppEnv>, allowedDomains: readonly string[]): string {
  if (!allowedDomains.length) return '*';
  const sources = ["'self'"];
  if (c.env.APP_ORIGIN) sources.push(new URL(c.env.APP_ORIGIN).origin);
  for (const domain of allowedDomains) {
    // Only well-formed host names reach the header: nothing that could end or extend the directive.
    if (DOMAIN.test(domain)) sources.push(domain, `*.${domain}`);
  }
  return sources.join(' ');
}

function chatPageCsp(c: Context<AppEnv>, allowedDomains: readonly string[]): string {
  const url = new URL(c.req.url);
  const socket = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // Avatars may live anywhere on https; attachments come from our own origin.
    "img-src 'self' https: data: blob:",
    `connect-src 'self' ${socket}`,
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors(c, allowedDomains)}`,
  ].join('; ');
}

function notFoundPage(c: Context<AppEnv>, message: string) {
  c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  return c.html(
    html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body style="font:14px system-ui,sans-serif;padding:24px;color:#5b6474"><p>${message}</p></body></html>`,
    404,
  );
}

async function demoChannelId(c: Context<AppEnv>): Promise<string | null> {
  const db = createDb(c.env.DB);
  const [row] = await db
    .select({ id: channels.id })
    .from(channels)
    .innerJoin(memberships, eq(memberships.organizationId, channels.organizationId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(users.email, DEMO_OWNER.email), eq(channels.type, 'WEBSITE_CHAT'), eq(channels.isActive, true)))
    .orderBy(asc(channels.createdAt))
    .limit(1);
  return row?.id ?? null;
}

export const widgetPages = new Hono<AppEnv>()
  .get('/widget.js', async (c) => {
    const res = await asset(c, '/widget.js');
    if (!res) return c.text(NOT_BUILT, 503);
    return new Response(res.body, {
      headers: {
        'content-type': 'application/javascript; charset=utf-8',
        // Not hashed (it is in every customer's snippet), so kept fresh within minutes of a deploy.
        'cache-control': 'public, max-age=300',
        'x-content-type-options': 'nosniff',
      },
    });
  })
  .get('/widget/:channelId', idParams('channelId'), async (c) => {
    let allowedDomains: string[];
    let title: string;
    try {
      const channel = await loadWidgetChannel(createDb(c.env.DB), c.req.param('channelId'));
      allowedDomains = channel.settings.allowedDomains ?? [];
      title = channel.settings.appearance?.title ?? channel.name;
    } catch (error) {
      if (error instanceof NotFoundError) return notFoundPage(c, 'This chat is not available.');
      throw error;
    }
    const files = await chatAppFiles(c);
    if (!files) return c.text(NOT_BUILT, 503);
    c.header('content-security-policy', chatPageCsp(c, allowedDomains));
    c.header('cache-control', 'no-cache');
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    return c.html(
      html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
${files.styles.map((href) => html`<link rel="stylesheet" href="${href}">`)}
<script type="module" src="${files.script}"></script>
</head>
<body><div id="app"></div></body>
</html>`,
    );
  })
  .get('/demo', async (c) => {
    const given = c.req.query('id');
    const channelId = given ? parseId('id', given) : await demoChannelId(c);
    if (!channelId) {
      return notFoundPage(c, 'No website chat channel to show: seed the demo (npm run dev) or pass ?id=CHANNEL_ID.');
    }
    c.header('content-security-policy', await demoPageCsp(c));
    return c.html(demoPage(channelId));
  });

// The demo shop's own script: the ChatWidget queue stub, a CLIENT_SIDE agent tool and the header button. Inline,
// as a customer's page would have it, and allowed by its hash rather than by 'unsafe-inline'.
const DEMO_SCRIPT = `
window.ChatWidget = window.ChatWidget || { q: [] };
['open', 'close', 'toggle', 'init'].forEach(function (m) {
  ChatWidget[m] = ChatWidget[m] || function () { ChatWidget.q.push([m, [].slice.call(arguments)]); };
});
// A CLIENT_SIDE agent tool: the assistant can read this page's cart.
window.HelpStackTools = {
  get_cart: async function () {
    return { currency: 'EUR', items: [{ sku: 'TRAIL-42', name: 'Trail runner shoes', size: 42, quantity: 1, price: 89 }], total: 89 };
  }
};
document.addEventListener('click', function (event) {
  if (event.target.closest && event.target.closest('[data-chat-open]')) ChatWidget.open();
});
`;

let demoScriptHash: Promise<string> | undefined;

async function demoPageCsp(c: Context<AppEnv>): Promise<string> {
  demoScriptHash ??= crypto.subtle
    .digest('SHA-256', new TextEncoder().encode(DEMO_SCRIPT))
    .then((digest) => `'sha256-${toBase64(new Uint8Array(digest))}'`);
  const url = new URL(c.req.url);
  return [
    "default-src 'self'",
    `script-src 'self' ${await demoScriptHash}`,
    // The widget loader styles its launcher with a <style> element in its shadow root.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    `connect-src 'self' ${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`,
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function demoPage(channelId: string) {
  const products = [
    { name: 'Trail runner shoes', price: '€89.00' },
    { name: 'Merino running tee', price: '€45.00' },
    { name: 'Waterproof shell jacket', price: '€149.00' },
  ];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Northwind Outdoor (HelpStack demo shop)</title>
<style>
body{margin:0;font:16px/1.5 Georgia,serif;color:#222;background:#faf7f2}
header{padding:20px 32px;background:#1f3b2d;color:#fff;display:flex;justify-content:space-between;align-items:center}
main{max-width:960px;margin:32px auto;padding:0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e5dfd3;border-radius:8px;padding:16px}
button{font:inherit;padding:8px 14px;border-radius:6px;border:1px solid #1f3b2d;background:#fff;cursor:pointer}
</style>
<script>${raw(DEMO_SCRIPT)}</script>
<script src="/widget.js?id=${encodeURIComponent(channelId)}" async></script>
</head>
<body>
<header><strong>Northwind Outdoor</strong><button type="button" data-chat-open>Questions? Chat with us</button></header>
<main>
<h1>Gear for the long way round</h1>
<p>This is a demo shop page. The chat bubble in the corner is the HelpStack widget for this channel.</p>
<div class="grid">
${products.map((p) => html`<div class="card"><h2>${p.name}</h2><p>${p.price}</p><button type="button">Add to cart</button></div>`)}
</div>
</main>
</body>
</html>`;
}

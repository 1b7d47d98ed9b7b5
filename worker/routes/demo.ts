// The demo shop that embeds the chat widget (/demo): local development only, mounted by worker/dev.ts.
import { and, asc, eq } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { html, raw } from 'hono/html';
import { createDb } from '../db/client';
import { channels, memberships, users } from '../db/schema';
import { DEMO_OWNER } from '../db/seed';
import type { AppEnv } from '../http/context';
import { parseId } from '../http/validate';
import { toBase64 } from '../lib/encoding';
import { notFoundPage } from './widget-pages';

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

export const demoPages = new Hono<AppEnv>().get('/demo', async (c) => {
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

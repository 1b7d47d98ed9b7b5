import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { loadWidgetChannel } from '../channels/website-chat/widget';
import { createDb } from '../db/client';
import type { AppEnv } from '../http/context';
import { idParams } from '../http/validate';
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
    else if (domain.startsWith('*.') && DOMAIN.test(domain.slice(2))) sources.push(domain);
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

export function notFoundPage(c: Context<AppEnv>, message: string) {
  c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  return c.html(
    html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body style="font:14px system-ui,sans-serif;padding:24px;color:#5b6474"><p>${message}</p></body></html>`,
    404,
  );
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
  });

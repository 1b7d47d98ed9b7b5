// Browser security headers: the dashboard's Content-Security-Policy and framing refusal. The Worker adds them to
// every response it serves that did not set its own policy (the widget iframe page and media downloads do);
// the dashboard's static files bypass the Worker, so the build writes the same policy to their `_headers` file.
import { createMiddleware } from 'hono/factory';

/** The dashboard's policy. `socketOrigins` adds ws(s) of our host; `'self'` covers it in CSP3 browsers anyway. */
export function dashboardCsp(socketOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Preact sets style attributes through the DOM, which CSP allows; 'unsafe-inline' is for styles only.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self'",
    ['connect-src', "'self'", ...socketOrigins].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every dashboard page carries. */
export function dashboardHeaders(socketOrigins: readonly string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': dashboardCsp(socketOrigins),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  };
}

/** The `_headers` file of the static assets (Cloudflare Workers Static Assets, also honoured by wrangler dev). */
export function dashboardHeadersFile(): string {
  const lines = Object.entries(dashboardHeaders()).map(([name, value]) => `  ${name}: ${value}`);
  return `/*\n${lines.join('\n')}\n`;
}

/** The ws: or wss: origin of the request's host. */
export function socketOrigin(url: string): string {
  const { protocol, host } = new URL(url);
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}`;
}

/** Whether a policy lets other pages frame the response (the widget iframe page's `frame-ancestors`). */
function allowsFraming(csp: string | null): boolean {
  const ancestors = csp
    ?.split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('frame-ancestors'));
  return ancestors !== undefined && ancestors !== "frame-ancestors 'none'";
}

/** Adds the dashboard's headers to what a route left unset; a route's own policy wins. */
export const securityHeaders = createMiddleware(async (c, next) => {
  await next();
  // A WebSocket upgrade's response belongs to the socket; its headers cannot change.
  if (c.res.status === 101) return;
  let headers = c.res.headers;
  try {
    headers.set('x-content-type-options', 'nosniff');
  } catch {
    // Immutable headers (a response passed through from a binding): copy it once.
    c.res = new Response(c.res.body, c.res);
    headers = c.res.headers;
  }
  const defaults = dashboardHeaders([socketOrigin(c.req.url)]);
  const framable = allowsFraming(headers.get('content-security-policy'));
  for (const [name, value] of Object.entries(defaults)) {
    if (name === 'X-Frame-Options' && framable) continue;
    if (!headers.has(name)) headers.set(name, value);
  }
});

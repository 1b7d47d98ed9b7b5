// The Worker's entry: HTTP through the Hono app, plus the Durable Object classes it hosts.
import { app } from './app';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Cloudflare.Env>;

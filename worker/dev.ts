// The local entry (`npm run dev`, tests): the production Worker plus /api/dev (the demo seed) and /demo (a shop
// page with the widget). Production
// deploys worker/index.ts, so no seed or demo code ships there (wrangler.toml's [env.production] main).
import { Hono } from 'hono';
import type { AppEnv } from './http/context';
import { handleError, handleNotFound } from './http/error-handler';
import { securityHeaders } from './http/security-headers';
import worker from './index';
import type { Job } from './jobs/types';
import { demoPages } from './routes/demo';
import { devRoutes } from './routes/dev';
import { devMailboxRoutes } from './routes/dev-mailbox';

export { ConversationActor, OrgHub } from './index';

const devApp = new Hono<AppEnv>()
  .use('*', securityHeaders)
  .route('/api/dev/mailbox', devMailboxRoutes)
  .route('/api/dev', devRoutes)
  .route('/', demoPages)
  .notFound(handleNotFound)
  .onError(handleError);

const isDevPath = (path: string) => path.startsWith('/api/dev/') || path === '/demo';

export default {
  ...worker,
  fetch: (request, env, ctx) =>
    isDevPath(new URL(request.url).pathname) ? devApp.fetch(request, env, ctx) : worker.fetch(request, env, ctx),
} satisfies ExportedHandler<Cloudflare.Env, Job>;

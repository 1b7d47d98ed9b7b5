// The local entry (`npm run dev`, tests): the production Worker plus /api/dev (the demo seed). Production
// deploys worker/index.ts, so no seed or demo code ships there (wrangler.toml's [env.production] main).
import { Hono } from 'hono';
import type { AppEnv } from './http/context';
import { handleError, handleNotFound } from './http/error-handler';
import worker from './index';
import type { Job } from './jobs/types';
import { devRoutes } from './routes/dev';

export { ConversationActor, OrgHub } from './index';

const devApp = new Hono<AppEnv>().route('/api/dev', devRoutes).notFound(handleNotFound).onError(handleError);

export default {
  ...worker,
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname.startsWith('/api/dev/')
      ? devApp.fetch(request, env, ctx)
      : worker.fetch(request, env, ctx),
} satisfies ExportedHandler<Cloudflare.Env, Job>;

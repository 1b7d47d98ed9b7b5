import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

// Fixed test-only secrets: real values come from `wrangler secret put` / the generated .dev.vars.
const TEST_BINDINGS = {
  SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
  ENCRYPTION_KEY: 'test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  // The fake SMTP/IMAP servers listen on 127.0.0.1: an installation-level exception organisations cannot set.
  ALLOW_PRIVATE_MAIL_HOSTS: '127.0.0.1',
  // Meta webhooks: fixed verify tokens and app secret; the Graph API is the fake in test/fake-graph.ts (msw).
  FACEBOOK_VERIFY_TOKEN: 'test-fb-verify-token',
  INSTAGRAM_VERIFY_TOKEN: 'test-ig-verify-token',
  WHATSAPP_VERIFY_TOKEN: 'test-wa-verify-token',
  FACEBOOK_APP_SECRET: 'test-meta-app-secret',
  META_GRAPH_BASE_URL: 'https://graph.fake-meta.test/v21.0',
  // Web push (notifications/web-push.ts): a fixed test key pair; `npm run dev` generates real ones.
  VAPID_PUBLIC_KEY: 'BK2dy1biVMkV_Q-ibqSsmUvNbN5c-gzXCf2Yj7x_-MUudp1gF_LWlqvnB_2GoW4c8omGHVuqaI7E_vGu2tMuBXM',
  VAPID_PRIVATE_KEY: 'U47l1m7-wPrHy3xXbXO0BLH9Yg51Q8qe9edjUHFAasA',
  VAPID_SUBJECT: 'mailto:ops@example.test',
  // TikTok (channels/tiktok/, integrations/): fixed app keys; the APIs are the fake in test/fake-tiktok.ts (msw).
  TIKTOK_CLIENT_KEY: 'test-tiktok-client-key',
  TIKTOK_CLIENT_SECRET: 'test-tiktok-client-secret',
  TIKTOK_AUTH_URL: 'https://www.fake-tiktok.test/v2/auth/authorize/',
  TIKTOK_API_BASE_URL: 'https://business-api.fake-tiktok.test/open_api/v1.3/',
  TIKTOK_SHOP_APP_KEY: 'test-shop-app-key',
  TIKTOK_SHOP_APP_SECRET: 'test-shop-app-secret',
  TIKTOK_SHOP_AUTH_URL: 'https://services.fake-tiktok.test/open/authorize',
  TIKTOK_SHOP_AUTH_BASE_URL: 'https://auth.fake-tiktok.test/',
  TIKTOK_SHOP_API_BASE_URL: 'https://shop-api.fake-tiktok.test/',
};

/** Worker test files that read PDFs through unpdf; see the projects below. */
const PDF_TEST_FILES = ['worker/routes/knowledge.test.ts', 'worker/knowledge/pdf.test.ts'];

export default defineConfig(async () => {
  // wrangler.toml's [assets] directory must exist even before the dashboard is built.
  mkdirSync('dist/public', { recursive: true });
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  /** Worker code runs inside workerd with real D1, Durable Objects, Queues and R2. */
  const workerProject = (name: string, include: string[], exclude: string[]) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: { bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations } },
      }),
    ],
    test: {
      name,
      include,
      exclude,
      setupFiles: ['./test/apply-migrations.ts'],
      // Fake SMTP and IMAP servers on 127.0.0.1 for the email channel; ports reach tests via inject().
      globalSetup: ['./test/smtp-server.ts'],
      testTimeout: 20_000,
    },
  });
  return {
    test: {
      projects: [
        workerProject('worker', ['worker/**/*.test.ts'], PDF_TEST_FILES),
        // Reading a PDF (pdf.js) leaves the test runtime unable to start the next test file ("Message is too
        // large" on its control socket), so each file that reads PDFs gets a runtime of its own.
        ...PDF_TEST_FILES.map((file, i) => workerProject(`worker-pdf-${i + 1}`, [file], [])),
        {
          // Widget and dashboard components render in happy-dom.
          plugins: [preact()],
          test: {
            name: 'ui',
            include: ['widget/**/*.test.{ts,tsx}', 'dashboard/**/*.test.{ts,tsx}'],
            environment: 'happy-dom',
          },
        },
      ],
    },
  };
});

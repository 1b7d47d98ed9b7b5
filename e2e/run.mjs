// `npm run test:e2e`: starts the local stack on a fresh state directory (port 8788), waits until the demo
// organisation is seeded, runs the Playwright tests against it, and stops the stack.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const port = process.env.E2E_PORT ?? '8788';
// Local fakes of Stripe, SMTP, the Graph API and TikTok: the specs start them on these ports and the stack is
// pointed at them (scripts/dev.mjs), so every journey runs, in CI too.
const FAKE_PORTS = {
  E2E_FAKE_STRIPE_PORT: '12111',
  E2E_FAKE_SMTP_PORT: '12125',
  E2E_FAKE_GRAPH_PORT: '12130',
  E2E_FAKE_TIKTOK_PORT: '12140',
};
for (const [name, value] of Object.entries(FAKE_PORTS)) process.env[name] ??= value;
const persist = '.wrangler/e2e-state';
rmSync(persist, { recursive: true, force: true });

const stack = spawn('node', ['scripts/dev.mjs'], {
  env: { ...process.env, PORT: port, PERSIST_TO: persist },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const stop = () => {
  try {
    process.kill(-stack.pid, 'SIGTERM');
  } catch {}
};
process.on('exit', stop);

await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the local stack did not start within 4 minutes')), 240_000);
  let output = '';
  stack.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    output += chunk;
    if (output.includes('HelpStack Edge is running')) {
      clearTimeout(timer);
      resolve();
    }
  });
  stack.on('exit', (code) => reject(new Error(`the local stack exited early (${code})`)));
}).catch((error) => {
  console.error(error.message);
  stop();
  process.exit(1);
});

const tests = spawn('npx', ['playwright', 'test', ...process.argv.slice(2)], {
  env: { ...process.env, E2E_BASE_URL: `http://localhost:${port}` },
  stdio: 'inherit',
});
tests.on('exit', (code) => {
  stop();
  process.exit(code ?? 1);
});

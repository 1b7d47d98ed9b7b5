// `npm run test:e2e`: starts the local stack on a fresh state directory (port 8788), waits until the demo
// organisation is seeded, runs the Playwright tests against it, and stops the stack.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const port = process.env.E2E_PORT ?? '8788';
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

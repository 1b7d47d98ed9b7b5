// What the Worker costs to ship and to start: the production bundle's size (wrangler's own dry-run build,
// gzip as Cloudflare counts it) against the 1 MB budget, and the time to first response of a fresh workerd
// process running that bundle, against a one-line Worker started the same way in the same run (Linux x64).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.join(import.meta.dirname, '..');
const BUDGET_GZIP = 1000 * 1000;
const RUNS = 7;
const WORKERD = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@cloudflare/workerd-linux-64/package.json')),
  'bin/workerd',
);

const out = mkdtempSync(path.join(tmpdir(), 'helpstack-bundle-'));
try {
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--env', 'production', '--outdir', out], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const script = readFileSync(path.join(out, 'index.js'));
  const gzip = gzipSync(script, { level: 9 }).length;
  console.log(`production bundle: ${(script.length / 1024).toFixed(0)} KiB raw, ${(gzip / 1024).toFixed(0)} KiB gzip`);
  console.log(
    `  budget 1 MB gzip: ${((gzip / BUDGET_GZIP) * 100).toFixed(0)} % used ${gzip <= BUDGET_GZIP ? '(within)' : '(OVER)'}`,
  );

  const baseline = path.join(out, 'baseline.js');
  writeFileSync(baseline, "export default { fetch: () => new Response('ok') };\n");

  /**
   * Milliseconds from starting workerd with the script to its first answer on /api: a fresh process, so a fresh
   * isolate that parses and evaluates the whole bundle.
   */
  async function firstResponse(file, port) {
    const dir = path.dirname(file);
    const config = path.join(dir, `bench-${port}.capnp`);
    writeFileSync(
      config,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed "${path.basename(file)}")],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["nodejs_compat"],
);
`,
    );
    const started = performance.now();
    const child = spawn(WORKERD, ['serve', config, '--experimental'], { stdio: 'ignore' });
    try {
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api`);
          await res.arrayBuffer();
          return performance.now() - started;
        } catch {
          if (performance.now() - started > 30_000) throw new Error(`workerd did not answer on ${port}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    } finally {
      child.kill();
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const times = { baseline: [], worker: [] };
  for (let i = 0; i < RUNS; i++) {
    times.baseline.push(await firstResponse(baseline, 18600 + 2 * i));
    times.worker.push(await firstResponse(path.join(out, 'index.js'), 18601 + 2 * i));
  }
  const b = median(times.baseline);
  const w = median(times.worker);
  console.log(
    `start-up (fresh runtime → first response, median of ${RUNS}): worker ${w.toFixed(0)} ms, one-line worker ${b.toFixed(0)} ms`,
  );
  console.log(
    `  the bundle's own start-up cost: ${(w - b).toFixed(0)} ms (${(w / b).toFixed(2)}× the one-line worker)`,
  );
  if (gzip > BUDGET_GZIP) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}

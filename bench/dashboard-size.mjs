// bench/dashboard-size: the JavaScript and CSS a browser downloads to show the login page and then the inbox
// (the entry chunk, what it preloads, and the lazily loaded inbox route), raw and gzip, against the
// 80 KB gzip budget. Builds the dashboard first unless given --no-build. Exits non-zero over budget.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 80;
const root = path.join(import.meta.dirname, '..', 'dist', 'public');

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('npx', ['vite', 'build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const html = readFileSync(path.join(root, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const inboxChunk = readdirSync(path.join(root, 'assets')).find((f) => /^inbox-page-.*\.js$/.test(f));
if (!inboxChunk) throw new Error('no inbox-page chunk in dist/public/assets: is the inbox route still code-split?');
const files = [...initial, `/assets/${inboxChunk}`];

let raw = 0;
let gzip = 0;
console.log('file                                      raw KB    gzip KB');
for (const file of files) {
  const bytes = readFileSync(path.join(root, file));
  const zipped = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += zipped;
  console.log(
    `${file.padEnd(40)} ${(bytes.length / 1024).toFixed(2).padStart(8)} ${(zipped / 1024).toFixed(2).padStart(10)}`,
  );
}
const gzipKb = gzip / 1024;
console.log(`login + inbox initial load: ${(raw / 1024).toFixed(2)} KB raw, ${gzipKb.toFixed(2)} KB gzip`);
console.log(`budget ${BUDGET_KB} KB gzip: ${((gzipKb / BUDGET_KB) * 100).toFixed(0)}% used`);
process.exit(gzipKb <= BUDGET_KB ? 0 : 1);

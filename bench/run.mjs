// `npm run bench`: runs every benchmark in this folder in turn; each prints its own figures and ratios.
// `npm run bench -- widget-size rag` runs only the named ones.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const benches = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.replace(/\.mjs$/, ''))
  .filter((name) => only.length === 0 || only.includes(name));

let failed = 0;
for (const name of benches) {
  console.log(`\n━━ bench/${name} ━━`);
  const result = spawnSync('node', [`bench/${name}.mjs`], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`bench/${name} exited with ${result.status}`);
  }
}
process.exit(failed ? 1 : 0);

// What the widget costs a customer's visitors: the loader every page pays for, and the chat app the iframe loads
// when opened. Builds the widget (skip with --no-build), prints raw and gzip sizes, compares them with our
// targets and with other widgets, and exits non-zero when a target is exceeded.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.join(import.meta.dirname, '..');
const dist = path.join(root, 'dist/public');
const KB = 1000;
const KIB = 1024;
const TARGETS = { loader: 3 * KB, app: 25 * KB };
// Published/observed transfer sizes of the widgets people compare us with (gzip, first open).
const OTHERS = [
  { name: 'Chatwoot', bytes: 170 * KIB, note: '~170 KiB' },
  { name: 'Crisp', bytes: 130 * KB, note: '~130 KB' },
];

if (!process.argv.includes('--no-build')) {
  execFileSync(process.execPath, [path.join(root, 'widget/build.mjs')], { stdio: 'inherit' });
}

function measure(file) {
  const bytes = readFileSync(path.join(dist, file));
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** The entry of the chat app and everything it pulls in (static imports, stylesheets), from Vite's manifest. */
function chatAppFiles() {
  const manifest = JSON.parse(readFileSync(path.join(dist, 'widget-app/manifest.json'), 'utf8'));
  const files = new Set();
  const visit = (key) => {
    const entry = manifest[key];
    if (!entry || files.has(`widget-app/${entry.file}`)) return;
    files.add(`widget-app/${entry.file}`);
    for (const css of entry.css ?? []) files.add(`widget-app/${css}`);
    for (const imported of entry.imports ?? []) visit(imported);
  };
  for (const [key, entry] of Object.entries(manifest)) if (entry.isEntry) visit(key);
  return [...files];
}

const loader = [measure('widget.js')];
const app = chatAppFiles().map(measure);
const sum = (list, key) => list.reduce((total, f) => total + f[key], 0);
const fmt = (bytes) => `${(bytes / KB).toFixed(2)} KB`;
const pct = (value, of) => `${((100 * value) / of).toFixed(0)}%`;

console.log('Widget size (gzip level 9)\n');
for (const f of [...loader, ...app])
  console.log(`  ${f.file.padEnd(44)} raw ${fmt(f.raw).padStart(10)}   gzip ${fmt(f.gzip).padStart(9)}`);

const loaderGzip = sum(loader, 'gzip');
const appGzip = sum(app, 'gzip');
const total = loaderGzip + appGzip;
console.log('');
console.log(
  `  loader      ${fmt(loaderGzip).padStart(9)} gzip = ${pct(loaderGzip, TARGETS.loader)} of the ${fmt(TARGETS.loader)} target`,
);
console.log(
  `  chat app    ${fmt(appGzip).padStart(9)} gzip = ${pct(appGzip, TARGETS.app)} of the ${fmt(TARGETS.app)} target`,
);
console.log(`  first open  ${fmt(total).padStart(9)} gzip (loader + chat app)`);
for (const other of OTHERS) {
  console.log(
    `  vs ${other.name.padEnd(9)} ${other.note.padStart(9)}: ${(other.bytes / total).toFixed(1)}x smaller on first open`,
  );
}

const over = [];
if (loaderGzip > TARGETS.loader) over.push(`loader ${fmt(loaderGzip)} > ${fmt(TARGETS.loader)}`);
if (appGzip > TARGETS.app) over.push(`chat app ${fmt(appGzip)} > ${fmt(TARGETS.app)}`);
if (over.length) {
  console.error(`\nOver target: ${over.join('; ')}`);
  process.exit(1);
}

// Completes package-lock.json with entries for optional platform binaries that the registry mirror on our
// build machines does not carry (workerd's darwin/windows builds of the versions we use). `npm install`
// leaves them out of the lock, and `npm ci` then refuses the lock as "out of sync". The entries describe
// packages for other platforms only, which npm never installs on Linux; elsewhere npm fetches them by
// name and version as usual. Run through `npm run lock` after changing dependencies.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  'darwin-64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'windows-64': { os: 'win32', cpu: 'x64' },
  'linux-64': { os: 'linux', cpu: 'x64' },
  'linux-arm64': { os: 'linux', cpu: 'arm64' },
};

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = path ? `${path}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    const platform = Object.entries(PLATFORMS).find(([suffix]) => name.endsWith(`-${suffix}`))?.[1];
    if (!platform) throw new Error(`${name}@${version} is missing from the lock and is not a known platform binary`);
    packages[nested] = { version, optional: true, os: [platform.os], cpu: [platform.cpu] };
    added++;
  }
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);

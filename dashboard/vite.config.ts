// Builds the dashboard SPA into dist/public, next to the widget's files (which the build must not erase).
import path from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { dashboardHeadersFile } from '../worker/http/security-headers';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [
    preact(),
    {
      // Static files bypass the Worker: Workers Static Assets (and wrangler dev) apply this file's headers,
      // the same Content-Security-Policy and framing refusal the Worker adds to what it serves.
      name: 'helpstack-security-headers',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: '_headers', source: dashboardHeadersFile() });
      },
    },
  ],
  build: {
    outDir: path.join(import.meta.dirname, '../dist/public'),
    emptyOutDir: false,
    target: 'es2022',
  },
  server: {
    // `vite dev` on the dashboard alone: the API and the live socket come from `wrangler dev`.
    proxy: { '/api': { target: 'http://localhost:8787', ws: true } },
  },
});

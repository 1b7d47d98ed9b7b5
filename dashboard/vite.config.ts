// Builds the dashboard SPA into dist/public, next to the widget's files (which the build must not erase).
import path from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
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

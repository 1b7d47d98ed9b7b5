// Two builds of the widget (run both with `node widget/build.mjs`):
//   --mode loader: widget/loader.ts → dist/public/widget.js, one self-contained IIFE for host pages;
//   --mode app:    the Preact chat app → dist/public/widget-app/ (hashed ES modules + manifest.json).
import path from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const publicDir = path.join(import.meta.dirname, '../dist/public');

export default defineConfig(({ mode }) =>
  mode === 'loader'
    ? {
        publicDir: false,
        build: {
          outDir: publicDir,
          // dist/public also holds the dashboard and the chat app.
          emptyOutDir: false,
          target: 'es2020',
          lib: {
            entry: path.join(import.meta.dirname, 'loader.ts'),
            formats: ['iife'],
            // Unused (the loader exports nothing, so no global is created) but required for IIFE builds.
            name: 'HelpStackWidget',
            fileName: () => 'widget.js',
          },
        },
      }
    : {
        root: path.join(import.meta.dirname, 'app'),
        base: '/widget-app/',
        publicDir: false,
        plugins: [preact()],
        build: {
          outDir: path.join(publicDir, 'widget-app'),
          emptyOutDir: true,
          target: 'es2020',
          // The Worker reads manifest.json to reference the hashed entry from /widget/{channelId}.
          manifest: 'manifest.json',
          rollupOptions: { input: path.join(import.meta.dirname, 'app/main.tsx') },
        },
      },
);

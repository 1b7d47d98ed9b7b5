// Builds the widget: the loader (dist/public/widget.js) and the chat app (dist/public/widget-app/).
import path from 'node:path';
import { build } from 'vite';

const configFile = path.join(import.meta.dirname, 'vite.config.ts');
for (const mode of ['loader', 'app']) {
  await build({ configFile, mode, logLevel: 'warn' });
}

#!/usr/bin/env node
// The `backstop` command. In a checkout it runs the TypeScript source through tsx, so `npx backstop`
// needs no build. Where tsx is not installed (a production install, the Docker image) it runs the
// compiled dist/ from `npm run build` instead.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

const tsx = await loadTsx();
if (tsx) {
  tsx.register();
  await import(pathToFileURL(join(root, 'src/cli/main.ts')).href);
} else {
  const built = join(root, 'dist/src/cli/main.js');
  if (!existsSync(built)) {
    console.error(
      'backstop: tsx is not installed and dist/ is missing: run `npm install` or `npm run build`',
    );
    process.exit(1);
  }
  await import(pathToFileURL(built).href);
}

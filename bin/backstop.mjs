#!/usr/bin/env node
// The `backstop` command. Installed from npm, it runs the compiled dist/ with nothing but Node.
// In a checkout (src/ present) it runs the TypeScript source through tsx, so `npx backstop` needs
// no build. tsx is also loaded, when the project has it, for a BACKSTOP_DEFINITIONS module
// written in TypeScript.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/cli/main.ts');
const built = join(root, 'dist/src/cli/main.js');
const checkout = existsSync(source);
const definitions = process.env.BACKSTOP_DEFINITIONS ?? '';
const typescriptDefinitions = /\.[cm]?tsx?$/.test(definitions);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

const tsx = checkout || typescriptDefinitions ? await loadTsx() : undefined;
tsx?.register();
if (checkout && tsx) {
  await import(pathToFileURL(source).href);
} else if (existsSync(built)) {
  if (typescriptDefinitions && !tsx) {
    console.error(
      `backstop: BACKSTOP_DEFINITIONS=${definitions} is TypeScript: install tsx in this project ` +
        '(npm install --save-dev tsx) or point it at the compiled .js module',
    );
    process.exit(1);
  }
  await import(pathToFileURL(built).href);
} else {
  console.error('backstop: dist/ is missing in this checkout and tsx is not installed: run `npm install`');
  process.exit(1);
}

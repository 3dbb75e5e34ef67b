/**
 * Architecture check, run by `npm test`: layers only point down, `src/core` imports no I/O
 * library, and no runtime import cycle exists. Reads import statements; prints every breach.
 *   npx tsx scripts/check-layers.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Bottom to top. A module may import its own layer or lower ones. */
const LAYERS: string[][] = [
  ['src/core'],
  ['src/redis', 'src/config.ts', 'src/logger.ts', 'src/shutdown.ts', 'src/security'],
  ['src/store'],
  ['src/session', 'src/cache', 'src/targets', 'src/health'],
  ['src/definitions'],
  ['src/runs'],
  ['src/queue'],
  ['src/client'],
  ['src/observability'],
  ['src/backstop-options.ts', 'src/assemble.ts', 'src/backstop.ts'],
  ['src/index.ts', 'src/worker-process.ts', 'src/http', 'src/server.ts'],
  ['src/cli'],
  ['workers'],
];

/** What the engine must never import: it gets I/O injected. */
const CORE_FORBIDDEN =
  /^(bullmq|ioredis|fastify|@fastify\/|pino|prom-client|@opentelemetry\/|@bull-board\/|node:(fs|net|http|https|child_process|dgram|dns|tls))/;

/** The project's root, or another tree given as `--root DIR` (the check's own test uses a small one). */
const rootArg = process.argv.indexOf('--root');
const root =
  rootArg > 0
    ? resolve(process.argv[rootArg + 1]!)
    : resolve(dirname(new URL(import.meta.url).pathname), '..');

function files(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function layerOf(file: string): number {
  for (const [i, members] of LAYERS.entries())
    if (members.some((m) => file === m || file.startsWith(`${m}/`))) return i;
  return -1;
}

interface Import {
  target: string;
  typeOnly: boolean;
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => ({ target: m[2]!, typeOnly: Boolean(m[1]) }));
}

const problems: string[] = [];
const runtimeEdges = new Map<string, string[]>();
for (const file of [...files('src'), ...files('workers')]) {
  const layer = layerOf(file);
  if (layer < 0) problems.push(`${file}: not in any layer (add it to scripts/check-layers.ts)`);
  const edges: string[] = [];
  for (const { target, typeOnly } of importsOf(file)) {
    if (!target.startsWith('.')) {
      if (file.startsWith('src/core/') && CORE_FORBIDDEN.test(target))
        problems.push(`${file}: the engine imports '${target}'; inject it instead`);
      continue;
    }
    const to = relative(root, resolve(root, dirname(file), target)).replace(/\.js$/, '.ts');
    const targetLayer = layerOf(to);
    if (targetLayer > layer)
      problems.push(`${file} (layer ${layer}) imports ${to} (layer ${targetLayer}): layers only point down`);
    if (!typeOnly) edges.push(to);
  }
  runtimeEdges.set(file, edges);
}

// Runtime import cycles: a depth-first search over value imports (type imports vanish at runtime).
const state = new Map<string, 'visiting' | 'done'>();
const stack: string[] = [];
function visit(file: string): void {
  state.set(file, 'visiting');
  stack.push(file);
  for (const next of runtimeEdges.get(file) ?? []) {
    if (state.get(next) === 'visiting') {
      problems.push(`runtime import cycle: ${[...stack.slice(stack.indexOf(next)), next].join(' → ')}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of runtimeEdges.keys()) if (!state.has(file)) visit(file);

if (problems.length) {
  console.error(`check-layers: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-layers: ${runtimeEdges.size} files, layers point down, no runtime import cycle`);

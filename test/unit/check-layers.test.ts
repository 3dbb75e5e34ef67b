import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dirs: string[] = [];

/** A small tree of files, checked by the real script. */
async function check(tree: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  try {
    const { stdout } = await run('npx', ['tsx', 'scripts/check-layers.ts', '--root', root]);
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr) };
  }
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the layer check', () => {
  it('passes imports that point down', async () => {
    const result = await check({
      'src/core/a.ts': 'export const a = 1;\n',
      'src/queue/b.ts': "import { a } from '../core/a.js';\nexport const b = a;\n",
    });
    expect(result).toMatchObject({ ok: true });
  });

  it('fails a lower layer importing a higher one, even for types', async () => {
    const result = await check({
      'src/core/a.ts': "import type { B } from '../queue/b.js';\nexport type A = B;\n",
      'src/queue/b.ts': 'export type B = number;\n',
    });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/src\/core\/a\.ts \(layer 0\) imports src\/queue\/b\.ts/);
  });

  it('fails the engine importing an I/O library, and a runtime import cycle', async () => {
    const result = await check({
      'src/core/a.ts':
        "import { Redis } from 'ioredis';\nimport { b } from './b.js';\nexport const a = [Redis, b];\n",
      'src/core/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("the engine imports 'ioredis'");
    expect(result.output).toMatch(
      /runtime import cycle: src\/core\/a\.ts → src\/core\/b\.ts → src\/core\/a\.ts/,
    );
  });
});

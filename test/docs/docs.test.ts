import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderSimulator } from '../helpers/provider-simulator.js';
import { redisUrl } from '../helpers/redis.js';
import { blockFileName, type DocBlock, docFiles, exportPaths, tsBlocks } from './doc-blocks.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-artifacts', 'doc-blocks');
const files = docFiles(ROOT);
const blocks = files.flatMap((file) => tsBlocks(ROOT, file));
const where = (block: DocBlock) => `${block.file}:${block.line}`;

/**
 * The documentation cannot drift from the code: every ```ts block of the README and docs/ is
 * type-checked against the package's exports (strict, as a user's project would be), and the
 * blocks marked `<!-- doc-test: run -->` run against the test Redis and local provider simulators.
 */
describe('the documentation', () => {
  const checked = blocks.filter((b) => b.mode !== 'fragment');
  let stripe: ProviderSimulator;
  let paypal: ProviderSimulator;
  let square: ProviderSimulator;

  beforeAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    for (const block of checked) {
      const module = /^\s*(import|export)\s/m.test(block.code) ? '' : '\nexport {};\n';
      writeFileSync(join(OUT, blockFileName(block)), `// ${where(block)}\n${block.code}\n${module}`);
    }
    const tsconfig = {
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, paths: exportPaths(ROOT, OUT) },
      include: ['*.ts'],
    };
    writeFileSync(join(OUT, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    stripe = await ProviderSimulator.start('stripe', { id: 'ch_doc', status: 'succeeded' });
    paypal = await ProviderSimulator.start('paypal', { payment_id: 'PAY-doc', state: 'approved' });
    square = await ProviderSimulator.start('square', { payment_id: 'sq_doc', status: 'COMPLETED' });
  });

  afterAll(async () => {
    await stripe?.close();
    await paypal?.close();
    await square?.close();
  });

  it('has TypeScript blocks, few of them fragments', () => {
    expect(checked.length).toBeGreaterThan(15);
    expect(blocks.filter((b) => b.mode === 'fragment').length).toBeLessThanOrEqual(3);
    expect(blocks.filter((b) => b.mode === 'run').length).toBeGreaterThanOrEqual(4);
  });

  it('type-checks every block that is not a fragment against the package', async () => {
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    const result = await exec(process.execPath, [tsc, '-p', join(OUT, 'tsconfig.json')], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    // `test-artifacts/doc-blocks/readme-md-120.ts(4,3): error …` → `README.md:123: error …`
    const errors = result
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => {
        const match = /doc-blocks\/([^(]+)\((\d+),\d+\): (.*)$/.exec(line);
        const block = match && checked.find((b) => blockFileName(b) === match[1]);
        return block ? `${block.file}:${block.line + Number(match[2]) - 1}: ${match[3]}` : line;
      });
    expect(errors).toEqual([]);
  }, 120_000);

  it.each(blocks.filter((b) => b.mode === 'run').map((b) => [where(b), b] as const))(
    'runs %s',
    async (_name, block) => {
      const env = {
        ...process.env,
        REDIS_URL: redisUrl(),
        BACKSTOP_PREFIX: `{doc-${randomUUID().slice(0, 8)}}`,
        STRIPE_URL: stripe.url,
        PAYPAL_URL: paypal.url,
        SQUARE_URL: square.url,
        STRIPE_KEY: 'sk_test_doc',
        LOG_LEVEL: 'silent',
        TSX_TSCONFIG_PATH: join(OUT, 'tsconfig.json'),
      };
      const { stderr } = await exec(process.execPath, ['--import', 'tsx', join(OUT, blockFileName(block))], {
        cwd: OUT,
        env,
        timeout: 60_000,
      });
      expect(stderr).toBe('');
    },
    90_000,
  );

  it('lists every environment variable the code reads in the one configuration table', () => {
    const config = readFileSync(join(ROOT, 'src/config.ts'), 'utf8');
    const schema = [...config.matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!);
    expect(schema.length).toBeGreaterThan(15);
    const elsewhere = ['bin/healthcheck.mjs', 'bin/backstop.mjs', 'src/redis/find-redis-server.ts'].flatMap(
      (file) =>
        [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!),
    );
    const table = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    for (const name of new Set([...schema, ...elsewhere])) {
      expect(
        rows.filter((row) => row.split('|')[1]!.includes(`\`${name}\``)),
        name,
      ).toHaveLength(1);
    }
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http:, mailto:
        const [path, anchor] = target!.split('#');
        const linked = path ? resolve(dirname(file), path) : file;
        if (!existsSync(linked)) broken.push(`${relative(ROOT, file)}: ${target}`);
        else if (anchor && linked.endsWith('.md') && !headingSlugs(linked).has(anchor)) {
          broken.push(`${relative(ROOT, file)}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('names no internal spec documents and keeps no changelog', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\bseeds?\b/i);
      expect(text, file).not.toMatch(/^#+\s*(changelog|status)\b/im);
    }
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function headingSlugs(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').match(/^#{1,6} .+$/gm) ?? [];
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

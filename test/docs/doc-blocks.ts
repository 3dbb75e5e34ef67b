import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One fenced TypeScript block of the documentation. */
export interface DocBlock {
  /** `README.md`, `docs/api.md`. */
  file: string;
  /** Line of the opening fence, 1-based. */
  line: number;
  code: string;
  /** `run`: type-checked and run; `fragment`: neither (it cannot stand alone); `check`: type-checked. */
  mode: 'run' | 'fragment' | 'check';
}

/** The documentation files: the README and every page of docs/. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  return [join(root, 'README.md'), ...docs.sort()];
}

/**
 * The ```ts blocks of a Markdown file. A block's mode is set by an HTML comment on the line before
 * its fence, invisible on the rendered page: `<!-- doc-test: run -->` or `<!-- doc-test: fragment -->`.
 */
export function tsBlocks(root: string, path: string): DocBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${path}:${i + 1}: unclosed code fence`);
    if (fence[2] === 'ts' || fence[2] === 'typescript') {
      const marker = /<!--\s*doc-test:\s*(run|fragment)\s*-->/.exec(previousLine(lines, i));
      blocks.push({
        file: relative(root, path),
        line: i + 1,
        code: lines.slice(i + 1, end).join('\n'),
        mode: (marker?.[1] as DocBlock['mode'] | undefined) ?? 'check',
      });
    }
    i = end;
  }
  return blocks;
}

function previousLine(lines: string[], index: number): string {
  for (let j = index - 1; j >= 0; j--) if (lines[j]!.trim() !== '') return lines[j]!;
  return '';
}

/** A file name for a block: `README.md` line 120 → `readme-md-120.ts`. */
export function blockFileName(block: DocBlock): string {
  return `${block.file.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}-${block.line}.ts`;
}

/**
 * `paths` for the package's own names, from package.json's exports: `backstop/http` →
 * `src/http/index.ts`, so blocks are checked against what the package exports, from source.
 */
export function exportPaths(root: string, from: string): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { types: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'string' ? target : target.types;
    if (!types.startsWith('./dist/') || subpath.endsWith('.json')) continue;
    const source = types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$|\.js$/, '.ts');
    paths[join(pkg.name, subpath)] = [relative(from, join(root, source))];
  }
  return paths;
}

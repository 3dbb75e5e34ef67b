import { type Backstop, type FallbackDescription, NotFoundError, ValidationError } from '../../index.js';
import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { indent, table } from '../output.js';

export interface FallbacksOptions {
  product?: string;
  json?: boolean;
}

/** `backstop fallbacks list [--product]`: every fallback, stored and from BACKSTOP_DEFINITIONS. */
export function runFallbacksList(options: FallbacksOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const fallbacks = await backstop.fallback.fetchAll(options.product);
    if (options.json) {
      io.out(JSON.stringify(fallbacks));
      return 0;
    }
    if (fallbacks.length === 0) {
      io.out(`no fallbacks defined${options.product ? ` in product '${options.product}'` : ''}`);
      return 0;
    }
    const rows = fallbacks.map((f) => [
      f.product,
      f.tag,
      f.name,
      f.source,
      String(f.version),
      f.options.map((o) => o.provider).join(' → '),
    ]);
    io.out(table(['product', 'tag', 'name', 'source', 'version', 'providers'], rows));
    return 0;
  });
}

/** `backstop fallbacks show <tag> [--product]`: its input, providers in order and their state. */
export function runFallbacksShow(tag: string, options: FallbacksOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop, config) => {
    const fallback = await find(backstop, tag, options.product ?? config.BACKSTOP_PRODUCT);
    io.out(options.json ? JSON.stringify(fallback) : describe(fallback));
    return 0;
  });
}

/** With no product given, the one product that has this tag. */
async function find(
  backstop: Backstop,
  tag: string,
  product: string | undefined,
): Promise<FallbackDescription> {
  if (product) return backstop.fallback.fetch(product, tag);
  const matches = (await backstop.fallback.fetchAll()).filter((f) => f.tag === tag);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new NotFoundError('fallback', tag);
  throw ValidationError.field(
    'product',
    `required: '${tag}' exists in products ${matches.map((m) => m.product).join(', ')}; pass --product`,
  );
}

function describe(f: FallbackDescription): string {
  const lines = [
    `Fallback ${f.tag} (product ${f.product}): ${f.name}`,
    ...(f.description ? [`  ${f.description}`] : []),
    `  source    ${f.source === 'code' ? 'code-first (BACKSTOP_DEFINITIONS)' : 'declarative (stored in Redis)'}, version ${f.version}`,
    `  input     ${Object.keys(f.input).length > 0 ? JSON.stringify(f.input) : 'any'}`,
  ];
  if (f.deadline !== undefined) lines.push(`  deadline  ${f.deadline} ms`);
  const rows = f.options.map((o, i) => [
    String(i + 1),
    o.provider,
    o.app ? `${o.type} ${o.app}.${o.event}` : `${o.type} ${o.event}`,
    String(o.retries),
    o.healthcheck ?? '-',
    o.provider_status,
    o.last_checked ?? 'never',
  ]);
  lines.push(
    'Providers',
    indent(table(['#', 'provider', 'target', 'retries', 'healthcheck', 'status', 'last checked'], rows)),
  );
  return lines.join('\n');
}

import type { QuotaStatus } from '../../index.js';
import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { table } from '../output.js';

export interface QuotasOptions {
  product?: string;
  env?: string;
  json?: boolean;
}

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** `backstop quotas list [--product]`: every quota and its providers' weights. */
export function runQuotasList(options: QuotasOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const quotas = await backstop.quota.fetchAll(options.product);
    if (options.json) {
      io.out(JSON.stringify(quotas));
      return 0;
    }
    if (quotas.length === 0) {
      io.out(`no quotas defined${options.product ? ` in product '${options.product}'` : ''}`);
      return 0;
    }
    const rows = quotas.map((q) => [
      q.product,
      q.tag,
      q.name,
      q.source,
      String(q.version),
      q.options.map((o) => `${o.provider} ${o.quota ?? o.weight ?? 1}`).join(', '),
    ]);
    io.out(table(['product', 'tag', 'name', 'source', 'version', 'weights'], rows));
    return 0;
  });
}

/** `backstop quotas status <tag> [--product] [--env]`: each provider's weight against its actual share. */
export function runQuotasStatus(tag: string, options: QuotasOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const status: QuotaStatus = await backstop.quota.status({
      tag,
      ...(options.product ? { product: options.product } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    if (options.json) {
      io.out(JSON.stringify(status));
      return 0;
    }
    io.out(`quota ${status.product}/${status.tag} in ${status.env}`);
    const rows = status.providers.map((p) => [
      p.name,
      String(p.weight),
      percent(p.expected),
      String(p.uses),
      percent(p.share),
      p.status,
    ]);
    io.out(table(['provider', 'weight', 'expected', 'uses', 'share', 'status'], rows));
    return 0;
  });
}

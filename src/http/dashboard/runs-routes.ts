import type { FastifyInstance } from 'fastify';
import type { Backstop } from '../../backstop.js';
import { ValidationError } from '../../core/validation-error.js';
import type { RecentRun } from '../../observability/recent-runs.js';
import { queueOfJobId } from '../../queue/queue-names.js';
import { runsPage } from './assets/runs-page.js';
import { RUNS_SCRIPT } from './assets/runs-script.js';
import { RUNS_STYLE } from './assets/runs-style.js';
import { PAGE_HEADERS } from './page-headers.js';

const PRODUCT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_SEARCH = 200;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

/** `orderId=A-42`, `customer.id=7`: a search by an input field. */
const INPUT_SEARCH = /^([A-Za-z0-9_$-]{1,64}(?:\.[A-Za-z0-9_$-]{1,64}){0,7})=(.+)$/;
const MAX_INPUT_MATCHES = 50;

/** A job found by an input field: its state and how it ran, never its input or result. */
export interface JobMatch {
  id: string;
  /** Its named queue, from its id (`<queue>.<uuid>`), else its product's queue. */
  queue: string;
  state: string;
  tag: string;
  env: string;
  provider: string | null;
  /** Provider calls so far. */
  attempts: number;
  run_at: string;
  started_at: string | null;
  /** Its start minus its intended time, once started. */
  late_ms: number | null;
  error_code: string | null;
}

export interface RunsReport {
  generated_at: string;
  /** The product shown, or null for every product. */
  product: string | null;
  products: string[];
  search: string | null;
  /** For a search by an input field (`orderId=A-42`): the newest jobs whose input matches. */
  jobs: JobMatch[] | null;
  window_ms: number;
  max_per_product: number;
  runs: RecentRun[];
}

/**
 * `/dashboard/runs` (the page, its script and style) and `/dashboard/runs.json` (its data): the
 * latest top-level runs, synchronous and dispatched, from `backstop.recentRuns`.
 */
export function registerRunsRoutes(app: FastifyInstance, options: { backstop: Backstop }): void {
  const { recentRuns } = options.backstop;
  app.get('/dashboard/runs', (_request, reply) =>
    reply
      .headers(PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(runsPage({ queuesHref: '../admin/queues' })),
  );
  app.get('/dashboard/runs.js', (_request, reply) =>
    reply.headers(PAGE_HEADERS).type('text/javascript; charset=utf-8').send(RUNS_SCRIPT),
  );
  app.get('/dashboard/runs.css', (_request, reply) =>
    reply.headers(PAGE_HEADERS).type('text/css; charset=utf-8').send(RUNS_STYLE),
  );
  app.get('/dashboard/runs.json', async (request, reply) => {
    const query = request.query as { product?: unknown; q?: unknown; limit?: unknown };
    const product = optionalString(query.product, 'product');
    if (product !== undefined && !PRODUCT_PATTERN.test(product))
      throw ValidationError.field('product', 'expected a product slug: letters, digits, ., - and _');
    const search = optionalString(query.q, 'q');
    if (search !== undefined && search.length > MAX_SEARCH)
      throw ValidationError.field('q', `expected at most ${MAX_SEARCH} characters`);
    const limitText = optionalString(query.limit, 'limit');
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw ValidationError.field('limit', `expected a whole number from 1 to ${MAX_LIMIT}`);

    const products = await recentRuns.products();
    const shown = product === undefined ? products : [product];
    const byInput = search === undefined ? null : INPUT_SEARCH.exec(search.trim());
    const jobs = byInput
      ? await jobsByInput(options.backstop, byInput[1]!, byInput[2]!.trim(), product)
      : null;
    const ids = jobs && new Set(jobs.map((job) => job.id));
    const lists = await Promise.all(
      shown.map((p) =>
        recentRuns.list(ids ? { product: p, limit: MAX_LIMIT } : { product: p, limit, search }),
      ),
    );
    const runs = lists
      .flat()
      .filter((run) => !ids || (run.jobId !== undefined && ids.has(run.jobId)))
      .sort((a, b) => b.at - a.at)
      .slice(0, limit);
    const body: RunsReport = {
      generated_at: new Date().toISOString(),
      product: product ?? null,
      products,
      search: search ?? null,
      jobs,
      window_ms: recentRuns.limits.windowMs,
      max_per_product: recentRuns.limits.max,
      runs,
    };
    return reply.headers({ 'cache-control': 'no-store' }).send(body);
  });
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw ValidationError.field(field, 'expected one value');
  return value;
}

/** The newest jobs (of every state) whose input has `value` at `field`, as the page shows them. */
async function jobsByInput(
  backstop: Backstop,
  field: string,
  value: string,
  product: string | undefined,
): Promise<JobMatch[]> {
  const found = await backstop.jobs.list({ input: { [field]: value }, limit: MAX_INPUT_MATCHES });
  return found
    .filter((job) => product === undefined || job.product === product)
    .map((job) => {
      const started = job.startedAt === undefined ? undefined : Date.parse(job.startedAt);
      return {
        id: job.id,
        queue: queueOfJobId(job.id) ?? job.product,
        state: job.state,
        tag: job.tag,
        env: job.env,
        provider: job.provider ?? null,
        attempts: job.attempts.filter((a) => a.outcome === 'success' || a.outcome === 'failure').length,
        run_at: job.runAt,
        started_at: job.startedAt ?? null,
        late_ms: started === undefined ? null : Math.max(0, started - Date.parse(job.runAt)),
        error_code: job.error?.code ?? null,
      };
    });
}

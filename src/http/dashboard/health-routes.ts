import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Backstop } from '../../backstop.js';
import { ValidationError } from '../../core/validation-error.js';
import { healthPage } from './assets/health-page.js';
import { HEALTH_SCRIPT } from './assets/health-script.js';
import { HEALTH_STYLE } from './assets/health-style.js';
import { type HealthReport, healthReport } from './health-report.js';

/** Every open page polls; one snapshot a second serves them all. */
const MAX_ENVS = 32;
const ENV_PATTERN = /^[A-Za-z0-9_-]{0,64}$/;

const SHARE_MS = 1_000;

/** The page may run only its own script and style: no inline code, nothing from elsewhere. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface HealthRoutesOptions {
  backstop: Backstop;
  env: string | undefined;
  basePath: string;
}

/** `/dashboard/health` (the page, its script and style) and `/dashboard/health.json` (its data). */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  // One shared snapshot per env the page asks for (a handful: the switcher offers known envs).
  const reports = new Map<string, () => Promise<HealthReport>>();
  const report = (env: string | undefined) => {
    const key = env ?? '';
    let shared = reports.get(key);
    if (!shared) {
      if (reports.size >= MAX_ENVS) reports.clear();
      shared = sharedReport(() => healthReport(options.backstop, env));
      reports.set(key, shared);
    }
    return shared();
  };

  app.get('/dashboard', (_request, reply) => reply.redirect(`${options.basePath}/dashboard/health`));
  app.get('/dashboard/health', (_request, reply) =>
    send(reply, 'text/html; charset=utf-8', healthPage({ queuesHref: '../admin/queues' })),
  );
  app.get('/dashboard/health.js', (_request, reply) =>
    send(reply, 'text/javascript; charset=utf-8', HEALTH_SCRIPT),
  );
  app.get('/dashboard/health.css', (_request, reply) => send(reply, 'text/css; charset=utf-8', HEALTH_STYLE));
  app.get('/dashboard/health.json', async (request, reply) => {
    const asked = (request.query as { env?: unknown }).env;
    if (asked !== undefined && (typeof asked !== 'string' || !ENV_PATTERN.test(asked)))
      throw ValidationError.field('env', 'expected an env slug: letters, digits, - and _');
    const body = await report(asked === undefined || asked === '' ? options.env : asked);
    return reply.headers({ 'cache-control': 'no-store' }).send(body);
  });
}

function send(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply.headers(PAGE_HEADERS).type(type).send(body);
}

/** The last snapshot while it is fresh, or the one being made: polls never pile up on Redis. */
function sharedReport(make: () => Promise<HealthReport>): () => Promise<HealthReport> {
  let latest: { at: number; report: Promise<HealthReport> } | undefined;
  return () => {
    const now = Date.now();
    if (!latest || now - latest.at >= SHARE_MS) {
      const report = make();
      latest = { at: now, report };
      // A failed snapshot is not shared: the next poll tries again.
      report.catch(() => {
        if (latest?.report === report) latest = undefined;
      });
    }
    return latest.report;
  };
}

/**
 * The files of a scratch project that depends on the packed `backstop` tarball: what a user writes
 * first. Kept as text: inside this repository `backstop` would resolve to the checkout itself.
 */

export const PACKAGE_JSON = JSON.stringify(
  { name: 'backstop-consumer', version: '1.0.0', private: true, type: 'module' },
  null,
  2,
);

/** Strict, and with `skipLibCheck: false`: every declaration file the package ships is checked. */
export const TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      noEmit: true,
    },
    include: ['app.ts'],
  },
  null,
  2,
);

/** Every entry point, typed: the library, the embeddable API and dashboard, the worker entry. */
export const APP_TS = `
import { Backstop, type FallbackRunError, type JobView, ValidationError } from 'backstop';
import { buildApp, dashboardPlugin, startApiServer } from 'backstop/http';
import { type DefinitionsModule, loadDefinitions, startWorkerProcess } from 'backstop/worker';

const backstop = new Backstop({ product: 'shop', env: 'prd' });
backstop.handlers.register('ledger', 'charge', async (request, ctx) => ({ id: ctx.idempotencyKey, request }));
await backstop.fallback.define({
  product: 'shop',
  tag: 'charge',
  name: 'Charge',
  handler: (ctx) => {
    ctx.primary('ledger').app('ledger').action('charge').retries(1);
  },
});
const result: { provider: string } = await backstop.fallback.run({ tag: 'charge', input: { amount: 1 } });
const job = await backstop.fallback.dispatch({ tag: 'charge', schedule: { at: new Date(), allowPast: true } });
const view: JobView = await backstop.jobs.wait(job.id, { timeout: 1_000 });
const app = await buildApp({
  backstop,
  keys: [{ name: 'ops', key: 'k'.repeat(32), scope: 'write' }],
  plugins: [dashboardPlugin({ backstop, prefix: '{backstop}' })],
});
const register: DefinitionsModule = async (b) => void b.product.init('shop');
await loadDefinitions(backstop, undefined);
void [result, view, app, register, startApiServer, startWorkerProcess];
export function isBad(error: unknown): error is ValidationError | FallbackRunError {
  return error instanceof ValidationError;
}
`;

/** Loaded by the installed \`backstop worker\` (BACKSTOP_DEFINITIONS): a chain with an in-process handler. */
export const DEFINITIONS_MJS = `
export default async (backstop) => {
  backstop.handlers.register('ledger', 'charge', async (request, ctx) => ({ charged: request.amount, pid: process.pid, key: ctx.idempotencyKey }));
  await backstop.fallback.define({
    product: 'shop',
    tag: 'charge',
    name: 'Charge',
    input: { amount: { type: 'number' } },
    handler: (ctx) => {
      ctx.primary('ledger').app('ledger').action('charge').mapInput((input) => ({ amount: input.amount }));
    },
  });
};
`;

/**
 * Plain Node, no TypeScript tooling: a chain run in-process, the API answering through
 * \`app.inject\`, then a job dispatched to the worker process and waited for. Prints one JSON line.
 */
export const RUN_MJS = `
import { Backstop } from 'backstop';
import { buildApp, dashboardPlugin } from 'backstop/http';
import { loadDefinitions } from 'backstop/worker';

const backstop = new Backstop({ redis: process.env.REDIS_URL, product: 'shop', env: 'prd' });
try {
  await loadDefinitions(backstop, './definitions.mjs');
  const run = await backstop.fallback.run({ tag: 'charge', input: { amount: 3 } });
  const app = await buildApp({
    backstop,
    keys: [{ name: 'ops', key: 'consumer-key-0123456789abcdef', scope: 'read' }],
    plugins: [dashboardPlugin({ backstop, prefix: process.env.BACKSTOP_PREFIX })],
  });
  const healthz = await app.inject({ method: 'GET', url: '/healthz' });
  const fallbacks = await app.inject({
    method: 'GET',
    url: '/v1/fallbacks?product=shop',
    headers: { authorization: 'Bearer consumer-key-0123456789abcdef' },
  });
  await app.close();
  const job = await backstop.fallback.dispatch({ tag: 'charge', input: { amount: 5 } });
  const done = await backstop.jobs.wait(job.id, { timeout: 30_000 });
  console.log(JSON.stringify({ run, healthz: healthz.statusCode, fallbacks: fallbacks.statusCode, job: done, pid: process.pid }));
} finally {
  await backstop.close();
}
`;

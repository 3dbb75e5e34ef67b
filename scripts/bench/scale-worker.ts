/**
 * One worker process of `npm run bench:scale`: a Backstop worker (a code-first chain over an
 * in-process handler, so the figure is the queue's and the engine's, not a network's) or a raw
 * BullMQ Worker doing the same nothing, on the queue the parent fills. Prints "ready", then runs
 * until SIGTERM.
 *   tsx scripts/bench/scale-worker.ts <backstop|raw> <redis url> <prefix> <concurrency>
 */
import { Worker } from 'bullmq';
import { clientFor } from '../../src/redis/connection.js';
import { parseRedisUrl } from '../../src/redis/redis-url.js';

const [side, url, prefix, concurrencyText] = process.argv.slice(2) as [string, string, string, string];
const concurrency = Number(concurrencyText);

import { SCALE_PRODUCTS, scaleBackstop } from './scale-products.js';

async function main(): Promise<() => Promise<void>> {
  if (side === 'raw') {
    const connection = clientFor(parseRedisUrl(url), { maxRetriesPerRequest: null });
    const workers = SCALE_PRODUCTS.map(
      (product) =>
        new Worker(product, async () => ({ provider: 'primary', ok: true }), {
          connection,
          prefix: `{raw-${prefix}:${product}}`,
          concurrency,
          removeOnComplete: { count: 10_000 },
        }),
    );
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    return async () => {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
    };
  }
  const backstop = await scaleBackstop(url, prefix);
  const worker = await backstop.worker({ concurrency, healthchecks: false, queues: SCALE_PRODUCTS });
  return async () => {
    await worker.close();
    await backstop.close();
  };
}

const stop = await main();
process.stdout.write('ready\n');
process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

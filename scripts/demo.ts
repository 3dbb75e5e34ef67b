/**
 * Quick-start demo: the documented payment chain (Stripe → PayPal → Square) against local provider
 * simulators, run with the primary up, with the primary down, and with every provider down; then
 * dispatched as a delayed background job to an in-process worker.
 * Uses REDIS_URL when set, otherwise starts a private redis-server and stops it at the end.
 */

import { silentLogger } from '../src/core/logger.js';
import { type AttemptRecord, Backstop, FallbackRunError } from '../src/index.js';
import { PAYMENT_INPUT, paymentApps, paymentChain } from '../test/fixtures/payment-chain.js';
import { startDemoProvider } from './demo-providers.js';

const stripe = await startDemoProvider('stripe', () => ({ id: `ch_${Date.now()}`, status: 'succeeded' }));
const paypal = await startDemoProvider(
  'paypal',
  () => ({ payment_id: `PAY-${Date.now()}`, state: 'approved' }),
  { key: { header: 'PayPal-Request-Id' } },
);
const square = await startDemoProvider(
  'square',
  () => ({ payment_id: `sq_${Date.now()}`, status: 'COMPLETED' }),
  { key: { bodyField: 'idempotency_key' } },
);
const backstop = new Backstop({ product: 'my-product', env: 'prd', logger: silentLogger });

try {
  for (const app of paymentApps(
    { stripe: stripe.url, paypal: paypal.url, square: square.url },
    { keys: true },
  )) {
    await backstop.app.define(app);
  }
  // A call that may have charged (its answer lost) is not charged again elsewhere.
  await backstop.fallback.create(
    paymentChain({ backoff: { type: 'exponential', delay: 50, maxDelay: 200 }, onAmbiguous: 'stop' }),
  );

  const run = async (title: string) => {
    console.log(`\n== ${title}`);
    try {
      const report = await backstop.fallback.runDetailed({
        tag: 'payment-fallback',
        input: PAYMENT_INPUT,
      });
      console.log(`Provider used: ${report.result.provider}`);
      console.log(`Result: ${JSON.stringify(report.result)}`);
      printAttempts(report.attempts);
    } catch (error) {
      if (!(error instanceof FallbackRunError)) throw error;
      console.log(`Failed: ${error.code}`);
      console.log(error.message);
      printAttempts(error.attempts);
    }
  };

  await run('Primary up');
  stripe.loseAnswers = 1;
  await run('Stripe charges, but its answer is lost (onAmbiguous: stop)');
  stripe.loseAnswers = 0;
  stripe.down = true;
  await run('Primary down (Stripe answers 503)');
  paypal.down = true;
  square.down = true;
  await run('Every provider down');

  console.log('\n== A job dispatched to run in 1 s, with the primary back up');
  stripe.down = false;
  paypal.down = false;
  square.down = false;
  // Six failures in a row opened Stripe's circuit (passive health): it would be skipped for 30 s.
  // The processor API's reset closes it, as an operator would once Stripe is known to be back.
  const reset = await backstop.processor.fallback.run({
    env: 'prd',
    product_tag: 'my-product',
    fallback_tag: 'payment-fallback',
    action: 'reset',
  });
  console.log(`Processor reset: ${JSON.stringify(reset)}`);
  const worker = await backstop.worker({ concurrency: 2 });
  const job = await backstop.fallback.dispatch({
    tag: 'payment-fallback',
    input: { amount: 1200, currency: 'EUR', customerId: 'cus_456' },
    schedule: { delay: '1s' },
  });
  console.log(`Dispatched job ${job.id}: ${job.state}, due ${job.runAt}`);
  const done = await backstop.jobs.wait(job.id, { timeout: 10_000 });
  const lateness = Date.parse(done.startedAt ?? '') - Date.parse(done.runAt);
  console.log(`Job ${done.id}: ${done.state} by ${done.provider}, started ${lateness} ms after it was due`);
  console.log(`Result: ${JSON.stringify(done.result)}`);
  await worker.close();

  console.log('\n== Bad input');
  await backstop.fallback
    .run({ tag: 'payment-fallback', input: { amount: '25.00', currency: 'USD' } })
    .catch((error: Error & { code?: string }) => console.log(`${error.code}: ${error.message}`));
} finally {
  await backstop.close();
  await Promise.all([stripe.close(), paypal.close(), square.close()]);
}

function printAttempts(attempts: readonly AttemptRecord[]): void {
  console.log('Attempts:');
  for (const a of attempts) {
    const what =
      a.outcome === 'failure'
        ? `failure  ${a.error?.code} ${a.error?.message.slice(0, 60)} → ${a.error?.verdict}`
        : a.outcome;
    console.log(`  ${a.provider.padEnd(7)} #${a.attempt}  ${String(a.durationMs).padStart(4)} ms  ${what}`);
  }
}

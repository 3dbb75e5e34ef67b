import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { FEATURE_INPUT, FEATURE_RESPONSES, FEATURE_RUN } from '../fixtures/process-payment.js';
import { noCalls, useProcessPayment } from '../helpers/feature-kit.js';
import { rejection } from '../helpers/http-chains.js';

/** `features.dispatch`: a feature as a background job, run by an in-process worker. */
const { sims, backstop } = useProcessPayment();
const { validate: VALIDATED, stripe: STRIPE_CHARGE, log: LOGGED } = FEATURE_RESPONSES;

async function queuedJobs(): Promise<number> {
  const counts = await (await backstop().jobQueue()).getJobCounts();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

describe('features.dispatch with an in-process worker', () => {
  it('the job completes with kind feature, the output and three successful steps', async () => {
    await backstop().worker({ healthchecks: false });

    const handle = await backstop().features.dispatch(FEATURE_RUN);
    const job = await backstop().jobs.wait(handle.id, { timeout: 15_000 });

    expect(job).toMatchObject({ kind: 'feature', state: 'completed', tag: 'process-payment' });
    expect(job.output).toStrictEqual({
      'validate-payment': { provider: 'payment-service', ...VALIDATED },
      'payment-fallback': { provider: 'stripe', transactionId: STRIPE_CHARGE.id, status: 'succeeded' },
      'log-payment': { provider: 'logging-service', ...LOGGED },
    });
    expect(job.steps?.map((s) => [s.step, s.outcome])).toEqual([
      ['validate-payment', 'success'],
      ['payment-fallback', 'success'],
      ['log-payment', 'success'],
    ]);
    expect(sims.log.calls[0]?.body).toMatchObject({ transactionId: STRIPE_CHARGE.id, provider: 'stripe' });
    expect(await backstop().jobs.get(handle.id)).toMatchObject({ kind: 'feature', state: 'completed' });
  });

  it('an invalid input rejects the dispatch and queues nothing', async () => {
    const error = await rejection(
      backstop().features.dispatch({ ...FEATURE_RUN, input: { ...FEATURE_INPUT, amount: '25' } }),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['input.amount']);
    expect(await queuedJobs()).toBe(0);
  });

  it('a failing step fails the job with BACKSTOP_FEATURE_STEP_FAILED', async () => {
    sims.validate.always({ kind: 'fail', status: 422 });
    await backstop().worker({ healthchecks: false });

    const handle = await backstop().features.dispatch(FEATURE_RUN);
    const job = await backstop().jobs.wait(handle.id, { timeout: 15_000 });

    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('BACKSTOP_FEATURE_STEP_FAILED');
    expect(job.error?.message).toContain('validate-payment');
    expect(job.steps?.map((s) => [s.step, s.outcome])).toEqual([['validate-payment', 'failure']]);
    noCalls(sims.stripe, sims.paypal, sims.log);
  });
});

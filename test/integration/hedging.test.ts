import { describe, expect, it } from 'vitest';
import { charges, option, useHealthKit } from '../helpers/health-kit.js';

/** Hedging against a real HTTP provider whose first answer is slow. */
describe('hedging over HTTP', () => {
  const kit = useHealthKit();

  it('a hedged call with the same Idempotency-Key answers for a slow first one; fetch shows the setting', async () => {
    const { backstop } = kit();
    const stripe = (await kit().provider('stripe')).next({ kind: 'stall' }); // the first call never answers
    await kit().provider('paypal');
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('stripe', { hedge: { delay: 200 } }), option('paypal')],
    });
    const report = await backstop.fallback.runDetailed({ tag: 'pay' });
    expect(report.provider).toBe('stripe');
    expect(report.attempts).toMatchObject([{ provider: 'stripe', outcome: 'success', hedged: 1 }]);
    const keys = charges(stripe).map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect((await backstop.fallback.fetch('pay')).options[0]).toMatchObject({
      hedge: { delay: 200, maxAttempts: 1 },
    });
  });

  it('refuses hedging on a target that gets no idempotency key unless the option is marked safe', async () => {
    const { backstop } = kit();
    const define = (safe?: boolean) =>
      backstop.fallback.define({
        tag: `wf-${safe}`,
        name: 'Workflow',
        handler: (ctx) => {
          ctx
            .primary('ledger')
            .handler(async () => ({ ok: true }))
            .hedge({ delay: 100, ...(safe ? { safe } : {}) });
        },
      });
    await expect(define()).rejects.toMatchObject({
      code: 'BACKSTOP_VALIDATION',
      message: expect.stringMatching(/hedge\.safe/),
    });
    await define(true);
    expect((await backstop.fallback.run({ tag: 'wf-true' })).provider).toBe('ledger');
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Backstop, FeatureEventTypes } from '../../src/index.js';
import { httpChains } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';

let backstop: Backstop;
let chains: ReturnType<typeof httpChains>;
beforeEach(() => {
  backstop = testBackstop();
  chains = httpChains(() => backstop);
});
afterEach(async () => {
  await chains.closeAll();
  await backstop.close();
});

it('smoke: session, cache, feature, processor', async () => {
  const a = await chains.provider('pay');
  await backstop.session.define({ tag: 'user', secret: 'x'.repeat(32), schema: { sub: { type: 'string' } } });
  const token = await backstop.session.sign({ tag: 'user', claims: { sub: 'u1' } });
  const tag = await chains.chain([
    chains.option(a, { input: { body: { user: '$Session{sub}', amount: '$Input{amount}' } } }),
  ]);
  const r = await backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: 'user', token } });
  expect(r.provider).toBe(a.name);
  expect(a.calls[0]!.body).toMatchObject({ user: 'u1' });
  await expect(
    backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: 'user', token: `${token}x` } }),
  ).rejects.toMatchObject({ code: 'BACKSTOP_SESSION_INVALID' });

  await backstop.cache.define({ tag: 'c', ttl: '1m' });
  const before = a.calls.length;
  const reports = await Promise.all(
    [1, 2, 3].map(() => backstop.fallback.runDetailed({ tag, input: { amount: 7 }, cache: 'c' })),
  );
  expect(a.calls.length - before).toBe(1);
  console.log(reports.map((r) => r.cache));
  const again = await backstop.fallback.runDetailed({ tag, input: { amount: 7 }, cache: 'c' });
  expect(again.cache?.hit).toBe(true);
  console.log(again.attempts);

  const log = await chains.provider('log');
  await backstop.features.create({
    tag: 'process-payment',
    name: 'p',
    input: { amount: { type: 'number' } },
    events: [
      {
        type: FeatureEventTypes.FALLBACK,
        event: tag,
        tag: 'payment-fallback',
        input: { amount: '$Input{amount}' },
      },
      {
        type: FeatureEventTypes.ACTION,
        event: 'call',
        app: log.name,
        input: {
          body: { tx: '$Sequence{payment-fallback}{id}', provider: '$Sequence{payment-fallback}{provider}' },
        },
      },
    ],
  });
  const report = await backstop.features.runDetailed({ tag: 'process-payment', input: { amount: 3 } });
  console.log(JSON.stringify(report, null, 1).slice(0, 1500));
  console.log(log.calls[0]!.body);

  const upd = await backstop.processor.fallback.run({
    env: 'prd',
    product_tag: 'my-product',
    fallback_tag: tag,
    action: 'update',
    input: { providers: { [a.name]: { provider_status: 'unhealthy', retries: 2 } } },
  });
  console.log(JSON.stringify(upd).slice(0, 600));
  const reset = await backstop.processor.fallback.run({
    env: 'prd',
    product_tag: 'my-product',
    fallback_tag: tag,
    action: 'reset',
  });
  console.log(reset);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill } from '../../src/core/drill.js';
import type { Backstop } from '../../src/index.js';
import { Keys } from '../../src/store/keys.js';
import { NO_WAIT } from '../fixtures/payment-chain.js';
import { captureLogger, type LogLine } from '../helpers/capture-logger.js';
import { rawRedis, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { useSimulators } from '../helpers/simulators.js';
import { until } from '../helpers/until.js';

/**
 * Drills in two processes (Backstops) of one prefix: `a` starts and cancels them, `b` runs a
 * chain and logs each time it reads the drills from Redis. Drills written straight to Redis with
 * no message stand for what `b` misses while its subscriber is down.
 */
describe('drills kept in step by messages and a version', () => {
  const prefix = uniquePrefix();
  const keys = new Keys(prefix);
  const lines: LogLine[] = [];
  const a = testBackstop({ prefix });
  const b = testBackstop({ prefix, logger: captureLogger(lines) });
  const redis = rawRedis();
  const sims = useSimulators({ stripe: { id: 'ch_1' }, paypal: { id: 'PAY-1' } });
  const reads = (from: number) => lines.slice(from).filter((l) => l.msg === 'drills read').length;
  /** Whether `b`'s next run meets a drill on stripe (its local copy: no Redis read). */
  const drilled = async (backstop: Backstop) =>
    (await backstop.fallback.runDetailed({ tag: 'pay', input: {} })).attempts.some((x) => x.drill);

  beforeAll(async () => {
    for (const [tag, sim] of Object.entries(sims))
      await a.app.define({
        tag,
        envs: { prd: { baseUrl: sim.url } },
        actions: { charge: { method: 'POST', path: '/charge' } },
      });
    await a.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [
        { type: 'action', app: 'stripe', event: 'charge', retries: 0, backoff: NO_WAIT },
        { type: 'action', app: 'paypal', event: 'charge' },
      ],
    });
    expect(await drilled(b)).toBe(false); // connected, drills read once
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    redis.disconnect();
  });

  it('a drill started and cancelled elsewhere arrives by message, with no read of the drills', async () => {
    const from = lines.length;
    const drill = await a.health.drill({ provider: 'stripe', mode: 'down', duration: 120_000 });
    await until(() => drilled(b));
    await a.health.cancelDrill(drill.id);
    await until(async () => !(await drilled(b)));
    expect(reads(from)).toBe(0);
  });

  it('a drill whose message was lost is seen after the version check, and its lost cancel too', async () => {
    const from = lines.length;
    const now = Date.now();
    const drill: Drill = {
      id: 'lost-message',
      product: 'my-product',
      env: 'prd',
      provider: 'stripe',
      mode: 'down',
      startedAt: now,
      endsAt: now + 120_000,
    };
    await redis
      .multi()
      .hset(keys.drills(), drill.id, JSON.stringify(drill))
      .incr(keys.drillsVersion())
      .exec();
    await until(() => drilled(b));
    expect(reads(from)).toBe(1);
    await redis.multi().hdel(keys.drills(), drill.id).incr(keys.drillsVersion()).exec();
    await until(async () => !(await drilled(b)));
    expect(reads(from)).toBe(2);
  });
});

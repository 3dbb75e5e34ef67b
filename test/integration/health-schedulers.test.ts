import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_HEALTHCHECK } from '../fixtures/health-definitions.js';
import {
  option,
  pingHealthcheck,
  pings,
  roundMembers,
  roundSchedulers,
  until,
  useHealthKit,
} from '../helpers/health-kit.js';
import { NO_BACKOFF } from '../helpers/http-chains.js';

const DEFINITIONS = resolve(import.meta.dirname, '../fixtures/health-definitions.ts');

const everyOf = async (prefix: string, id: string) =>
  (await roundMembers(prefix)).find((s) => s.key === id)?.every;

/**
 * Each healthcheck and env in one probe round, whoever schedules it, the round of its effective
 * interval; one BullMQ job scheduler per round.
 */
describe('healthcheck schedulers', () => {
  const kit = useHealthKit();

  it('two Backstops creating the same healthcheck at once leave each env in one round, with one scheduler', async () => {
    const { prefix, backstop } = kit();
    const other = kit().another();
    const definition = {
      name: 'Stripe Health',
      tag: 'stripe-health',
      url: 'http://127.0.0.1:9/ping',
      interval: 60_000,
      retries: 2,
      envs: [
        { slug: 'prd', input: {} },
        { slug: 'stg', input: {} },
      ],
    };
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? other : backstop).health.create(definition)),
    );
    expect(created.map((c) => c.version)).toEqual(Array(6).fill(1));
    expect(await roundMembers(prefix)).toEqual([
      { key: 'my-product.stripe-health.prd', every: 60_000 },
      { key: 'my-product.stripe-health.stg', every: 60_000 },
    ]);
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);
  });

  it('two healthcheck worker processes defining the same code-first healthcheck at start leave each env in one round, and probe both envs', async () => {
    const { prefix, backstop } = kit();
    const target = await kit().simulator('shared');
    const env = { BACKSTOP_DEFINITIONS: DEFINITIONS, BT_PROBE_URL: target.url };
    const [first, second] = await Promise.all([kit().healthWorker(env), kit().healthWorker(env)]);
    expect(await roundMembers(prefix)).toEqual([
      { key: `my-product.${SHARED_HEALTHCHECK}.prd`, every: 200 },
      { key: `my-product.${SHARED_HEALTHCHECK}.stg`, every: 200 },
    ]);
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.200ms', every: 200 }]);

    for (const slug of ['prd', 'stg']) {
      await until(
        async () => (await backstop.health.status(SHARED_HEALTHCHECK, slug)).provider_status === 'healthy',
        15_000,
        `${slug} probed healthy`,
      );
    }
    expect(pings(target).some((c) => c.query.env === 'prd')).toBe(true);
    expect(pings(target).some((c) => c.query.env === 'stg')).toBe(true);
    const probers = new Set(pings(target).map((c) => Number(c.query.pid)));
    expect([...probers].every((pid) => pid === first.pid || pid === second.pid)).toBe(true);

    // Neither process duplicates the schedule: probes of one env come about once an interval,
    // not once an interval per process (lower bound on the gap between consecutive probes).
    const count = pings(target).length;
    await until(() => pings(target).length >= count + 8, 15_000, 'more probes');
    const prd = pings(target).filter((c) => c.query.env === 'prd');
    const gaps = prd.slice(1).map((c, i) => c.at - prd[i]!.at);
    const median = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(150);
  });

  it("a fallback option's check_interval shortens its healthcheck's interval, whichever comes first", async () => {
    const { prefix, backstop } = kit();
    const stripe = await kit().provider('stripe');
    await kit().provider('paypal');
    const id = 'my-product.stripe-health.prd';
    await backstop.health.create(pingHealthcheck('stripe'));
    expect(await everyOf(prefix, id)).toBe(60_000);

    const withInterval = (ms?: number) => [
      option('stripe', { healthcheck: 'stripe-health', ...(ms ? { check_interval: ms } : {}) }),
      option('paypal'),
    ];
    await backstop.fallback.create({ name: 'One', tag: 'one', options: withInterval(250) });
    expect(await everyOf(prefix, id)).toBe(250);
    // Probes really come that often (with 60 s there would be one).
    await backstop.worker({ fallbacks: false });
    await until(() => pings(stripe).length >= 4, 15_000, 'probes at the shortened interval');

    // The shortest override wins; dropping it falls back to the next one.
    await backstop.fallback.create({ name: 'Two', tag: 'two', options: withInterval(400) });
    expect(await everyOf(prefix, id)).toBe(250);
    await backstop.fallback.update('one', { options: withInterval() });
    expect(await everyOf(prefix, id)).toBe(400);
    // A healthcheck's own shorter interval still wins over a longer override.
    await backstop.health.update('stripe-health', { interval: 200 });
    expect(await everyOf(prefix, id)).toBe(200);
    await backstop.health.update('stripe-health', { interval: 60_000 });
    expect(await everyOf(prefix, id)).toBe(400);
    expect((await roundMembers(prefix)).length).toBe(1);
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.400ms', every: 400 }]);

    // Fallback first, healthcheck second: the override is applied when the healthcheck appears.
    await backstop.fallback.create({
      name: 'Three',
      tag: 'three',
      options: [option('paypal', { healthcheck: 'paypal-health', check_interval: 300 })],
    });
    await backstop.health.create(pingHealthcheck('paypal'));
    expect(await everyOf(prefix, 'my-product.paypal-health.prd')).toBe(300);

    // Code-first: .checkInterval() does the same.
    await backstop.fallback.define({
      tag: 'four',
      name: 'Four',
      handler: (ctx) => {
        ctx.primary('paypal').healthcheck('paypal-health').app('paypal').action('charge').checkInterval(150);
        ctx.fallback('stripe').app('stripe').action('charge').backoff(NO_BACKOFF);
      },
    });
    expect(await everyOf(prefix, 'my-product.paypal-health.prd')).toBe(150);
  });

  it('deleting the fallback that asked for a check_interval gives the healthcheck its own interval back', async () => {
    const { prefix, backstop } = kit();
    await kit().provider('stripe');
    await backstop.health.create(pingHealthcheck('stripe'));
    await backstop.fallback.create({
      name: 'One',
      tag: 'one',
      options: [option('stripe', { healthcheck: 'stripe-health', check_interval: 250 })],
    });
    expect(await everyOf(prefix, 'my-product.stripe-health.prd')).toBe(250);
    await backstop.fallback.delete('one');
    expect(await everyOf(prefix, 'my-product.stripe-health.prd')).toBe(60_000);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCodes, ValidationError } from '../../src/index.js';
import {
  charges,
  key,
  option,
  pendingProbes,
  pings,
  roundMembers,
  roundSchedulers,
  until,
  useHealthKit,
} from '../helpers/health-kit.js';
import { rejection } from '../helpers/http-chains.js';

const BASE = {
  name: 'Stripe Health',
  tag: 'stripe-health',
  app: 'stripe',
  event: 'ping',
  interval: 60_000,
  retries: 2,
  envs: [{ slug: 'prd', input: {} }],
};

/** The fields a rejection names (each once). */
async function fieldsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).code).toBe(ErrorCodes.VALIDATION);
  const { issues, message } = error as ValidationError;
  for (const issue of issues) expect(message).toContain(issue.path);
  return [...new Set(issues.map((i) => i.path))];
}

/** `health.create` / `define` / `fetch` / `fetchAll` / `update` / `delete`. */
describe('the healthcheck API', () => {
  const kit = useHealthKit();

  it('rejects bad definitions naming the field, and stores or schedules nothing', async () => {
    const { prefix, backstop } = kit();
    const { app: _a, event: _e, ...noProbe } = BASE;
    const { event: _event, ...appOnly } = BASE;
    const { app: _app, ...eventOnly } = BASE;
    const { handler: _h, ...noHandler } = { ...noProbe, handler: undefined };
    const create = (d: unknown) => backstop.health.create(d as typeof BASE);

    expect(await fieldsOf(create(noProbe))).toEqual(['app']);
    expect(await fieldsOf(create({ ...BASE, interval: 50 }))).toEqual(['interval']);
    expect(await fieldsOf(create({ ...BASE, interval: -1 }))).toEqual(['interval']);
    expect(await fieldsOf(create({ ...BASE, interval: 'often' }))).toEqual(['interval']);
    expect(await fieldsOf(create(appOnly))).toEqual(['event']);
    expect(await fieldsOf(create(eventOnly))).toEqual(['app']);
    expect(await fieldsOf(create({ ...noProbe, url: 'ftp://example.com' }))).toEqual(['url']);
    expect(await fieldsOf(create({ ...BASE, url: 'http://127.0.0.1:9/' }))).toEqual(['url']);
    expect(await fieldsOf(create({ ...BASE, expectStatus: 42 }))).toEqual(['expectStatus']);
    expect(await fieldsOf(create({ ...BASE, retries: -1 }))).toEqual(['retries']);
    expect(await fieldsOf(create({ ...BASE, envs: [] }))).toEqual(['envs']);
    expect(await fieldsOf(create({ ...BASE, envs: [{ input: {} }] }))).toEqual(['envs[0].slug']);
    expect(await fieldsOf(create({ ...BASE, name: undefined }))).toEqual(['name']);
    expect(await fieldsOf(create({ ...BASE, tag: 'no spaces' }))).toEqual(['tag']);
    expect(
      await fieldsOf(
        backstop.health.define(noHandler as unknown as Parameters<typeof backstop.health.define>[0]),
      ),
    ).toEqual(['handler']);

    expect(await backstop.health.fetchAll()).toEqual([]);
    expect(await roundMembers(prefix)).toEqual([]);
    expect(await roundSchedulers(prefix)).toEqual([]);
    const missing = await rejection(backstop.health.fetch('stripe-health'));
    expect(missing).toMatchObject({ code: ErrorCodes.NOT_FOUND });
    expect((missing as Error).message).toContain('stripe-health');
  });

  it('creates, fetches, updates (version bump, rescheduled) and deletes (no more probes)', async () => {
    const { prefix, backstop } = kit();
    const stripe = await kit().provider('stripe');
    await backstop.worker({ fallbacks: false });

    const created = await backstop.health.create(BASE);
    expect(created).toMatchObject({ ...BASE, product: 'my-product', version: 1, source: 'declarative' });
    expect(await backstop.health.fetch('stripe-health')).toEqual(created);
    expect(await backstop.health.fetch('my-product', 'stripe-health')).toEqual(created);
    expect(await backstop.health.fetchAll()).toEqual([created]);
    expect((await backstop.health.create(BASE)).version).toBe(1); // the same again: a no-op
    await expect(backstop.health.create({ ...BASE, retries: 5 })).rejects.toMatchObject({
      code: ErrorCodes.CONFLICT,
    });
    expect(await roundMembers(prefix)).toEqual([{ key: 'my-product.stripe-health.prd', every: 60_000 }]);
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);

    // A shorter interval reschedules: probes come that often from now on.
    const updated = await backstop.health.update('stripe-health', { interval: 150 });
    expect(updated).toMatchObject({ interval: 150, retries: 2, version: 2 });
    expect((await backstop.health.fetch('stripe-health')).version).toBe(2);
    expect(await roundMembers(prefix)).toEqual([{ key: 'my-product.stripe-health.prd', every: 150 }]);
    // It moved rounds; the round it left is empty, and its scheduler is gone.
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.150ms', every: 150 }]);
    await until(() => pings(stripe).length >= 4, 15_000, 'probes at the new interval');

    // Envs added and removed join and leave the round.
    const both = [
      { slug: 'prd', input: {} },
      { slug: 'stg', input: {} },
    ];
    expect((await backstop.health.update('my-product', 'stripe-health', { envs: both })).version).toBe(3);
    expect(await roundMembers(prefix)).toEqual([
      { key: 'my-product.stripe-health.prd', every: 150 },
      { key: 'my-product.stripe-health.stg', every: 150 },
    ]);
    await backstop.health.update('stripe-health', { envs: [{ slug: 'prd', input: {} }] });
    expect((await roundMembers(prefix)).map((s) => s.key)).toEqual(['my-product.stripe-health.prd']);
    expect(await fieldsOf(backstop.health.update('stripe-health', { interval: 10 }))).toEqual(['interval']);
    expect((await backstop.health.fetch('stripe-health')).version).toBe(4);
    await expect(backstop.health.update('nope', { interval: 500 })).rejects.toMatchObject({
      code: ErrorCodes.NOT_FOUND,
    });

    await backstop.health.delete('stripe-health');
    expect(await roundMembers(prefix)).toEqual([]);
    expect(await roundSchedulers(prefix)).toEqual([]);
    await expect(backstop.health.fetch('stripe-health')).rejects.toMatchObject({
      code: ErrorCodes.NOT_FOUND,
    });
    expect(await backstop.health.fetchAll()).toEqual([]);
    // A probe already running may still land; then no stripe-health probe is left to run.
    await until(async () => (await pendingProbes(prefix, 'stripe-health')) === 0, 5_000, 'no probe left');
    const probed = pings(stripe).length;
    // Another healthcheck at the same interval probed twice since: the worker went on probing.
    const sentinel = await kit().provider('sentinel');
    await backstop.health.create({
      ...BASE,
      name: 'Sentinel',
      tag: 'sentinel-health',
      app: 'sentinel',
      interval: 150,
    });
    await until(() => pings(sentinel).length >= 2, 15_000, 'two probes of the sentinel healthcheck');
    expect(pings(stripe).length).toBe(probed);
    await expect(backstop.health.delete('stripe-health')).rejects.toMatchObject({
      code: ErrorCodes.NOT_FOUND,
    });
  });

  it('code-first healthchecks are fetched, listed and deleted like stored ones', async () => {
    const { prefix, backstop } = kit();
    let probes = 0;
    const { app: _a, event: _e, ...noProbe } = BASE;
    const defined = await backstop.health.define({
      ...noProbe,
      tag: 'code-health',
      interval: 100,
      handler: () => void probes++,
    });
    expect(defined).toMatchObject({ tag: 'code-health', source: 'code', version: 1, product: 'my-product' });
    expect(await backstop.health.fetch('code-health')).toEqual(defined);
    expect((await backstop.health.fetchAll()).map((h) => h.tag)).toEqual(['code-health']);
    await backstop.worker({ fallbacks: false });
    await until(() => probes >= 2, 15_000, 'code-first probes');
    expect((await backstop.health.status('code-health')).provider_status).toBe('healthy');

    await backstop.health.delete('code-health');
    expect(await roundMembers(prefix)).toEqual([]);
    expect(await roundSchedulers(prefix)).toEqual([]);
    await until(async () => (await pendingProbes(prefix, 'code-health')) === 0, 5_000, 'no probe left');
    const count = probes;
    // Another code-first healthcheck at the same interval probed twice since.
    let sentinel = 0;
    await backstop.health.define({
      ...noProbe,
      tag: 'sentinel-health',
      interval: 100,
      handler: () => void sentinel++,
    });
    await until(() => sentinel >= 2, 15_000, 'two probes of the sentinel healthcheck');
    expect(probes).toBe(count);
    await expect(backstop.health.fetch('code-health')).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
  });

  it('deleting a healthcheck forgets what it found: its provider is no longer skipped', async () => {
    const { backstop } = kit();
    const stripe = (await kit().provider('stripe')).down(503);
    await kit().provider('paypal');
    await backstop.health.create({ ...BASE, interval: 100, retries: 1 });
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('stripe', { healthcheck: 'stripe-health' }), option('paypal')],
    });
    const worker = await backstop.worker({ fallbacks: false });
    await until(() => backstop.healthView.peek(key('stripe-health'))?.provider_status === 'unhealthy');
    await worker.close();
    stripe.up();

    await backstop.health.delete('stripe-health');
    await until(
      async () => (await backstop.health.status('stripe-health')).provider_status === 'unknown',
      3_000,
      'the deleted healthcheck state to be gone',
    );
    await until(() => backstop.healthView.peek(key('stripe-health'))?.provider_status !== 'unhealthy', 3_000);
    expect((await backstop.fallback.run({ tag: 'pay' })).provider).toBe('stripe');
    expect(charges(stripe)).toHaveLength(1);
  });
});

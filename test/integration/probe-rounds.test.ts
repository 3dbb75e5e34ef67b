import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { upsertRoundScheduler } from '../../src/health/healthcheck-scheduler.js';
import { ProbeRounds } from '../../src/health/probe-rounds.js';
import { Keys } from '../../src/store/keys.js';
import {
  option,
  pendingProbes,
  pingHealthcheck,
  pings,
  roundMembers,
  roundSchedulers,
  until,
  useHealthKit,
} from '../helpers/health-kit.js';
import { rawRedis } from '../helpers/redis.js';
import { PrefixWatch } from '../helpers/snapshot-kit.js';

/** Completed jobs of the healthcheck queue, newest first, with what each returned. */
async function completedJobs(prefix: string) {
  const connection = rawRedis();
  const queue = new Queue('healthchecks', { connection, prefix });
  try {
    return (await queue.getJobs(['completed'])).filter((job) => job !== undefined);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Healthchecks due at one interval are probed by one job a round (probe-rounds.ts). */
describe('probe rounds', () => {
  const kit = useHealthKit();

  it('two healthchecks at the same interval share one round: one scheduler, one job probing both', async () => {
    const { prefix, backstop } = kit();
    const stripe = await kit().provider('stripe');
    const paypal = await kit().provider('paypal');
    await backstop.health.create(pingHealthcheck('stripe', { interval: 200 }));
    await backstop.health.create(pingHealthcheck('paypal', { interval: 200 }));
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.200ms', every: 200 }]);
    await backstop.worker({ fallbacks: false });
    await until(() => pings(stripe).length >= 3 && pings(paypal).length >= 3, 15_000, 'both probed');

    const rounds = await completedJobs(prefix);
    expect(rounds.length).toBeGreaterThan(0);
    for (const job of rounds) {
      expect(job.name).toBe('round.200ms');
      expect(job.data).toEqual({ round: 200 });
    }
    // Each round probed both: a summary for Bull Board, no job per probe.
    expect(rounds.some((job) => job.returnvalue?.passed === 2)).toBe(true);
    expect(rounds[0]!.returnvalue).toMatchObject({ round: 200, probes: 2, failed: 0, errors: 0 });
    for (const tag of ['stripe-health', 'paypal-health'])
      expect((await backstop.health.status(tag)).provider_status).toBe('healthy');
  });

  it('an interval change moves a healthcheck to another round; an emptied round loses its scheduler', async () => {
    const { prefix, backstop } = kit();
    await backstop.health.create(pingHealthcheck('stripe'));
    await backstop.health.create(pingHealthcheck('paypal'));
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);

    await backstop.health.update('stripe-health', { interval: 30_000 });
    expect(await roundMembers(prefix)).toEqual([
      { key: 'my-product.paypal-health.prd', every: 60_000 },
      { key: 'my-product.stripe-health.prd', every: 30_000 },
    ]);
    expect(await roundSchedulers(prefix)).toEqual([
      { key: 'round.30000ms', every: 30_000 },
      { key: 'round.60000ms', every: 60_000 },
    ]);

    // A fallback's check_interval moves it too, and dropping the override moves it back.
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('paypal', { healthcheck: 'paypal-health', check_interval: 30_000 })],
    });
    expect(await roundMembers(prefix)).toEqual([
      { key: 'my-product.paypal-health.prd', every: 30_000 },
      { key: 'my-product.stripe-health.prd', every: 30_000 },
    ]);
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.30000ms', every: 30_000 }]);
    await backstop.fallback.delete('pay');
    expect((await roundMembers(prefix)).map((m) => m.every)).toEqual([60_000, 30_000]);

    // Deleting the last member of a round removes its scheduler; the other round stays.
    await backstop.health.delete('stripe-health');
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);
    await backstop.health.delete('paypal-health');
    expect(await roundMembers(prefix)).toEqual([]);
    expect(await roundSchedulers(prefix)).toEqual([]);
    await until(async () => (await pendingProbes(prefix, 'paypal-health')) === 0, 5_000, 'no probe left');
  });

  it('upgrading: a per-healthcheck scheduler of an earlier version is removed; a single probe job still runs', async () => {
    const { prefix, backstop } = kit();
    const stripe = await kit().provider('stripe');
    const connection = rawRedis();
    const queue = new Queue('healthchecks', { connection, prefix });
    try {
      // What an earlier version made: a scheduler per healthcheck and env, and jobs of one probe.
      const data = { product: 'my-product', tag: 'stripe-health', env: 'prd', interval: 60_000 };
      const legacyJob = { name: 'stripe-health', data };
      await queue.upsertJobScheduler('my-product.stripe-health.prd', { every: 60_000 }, legacyJob);

      await backstop.health.create(pingHealthcheck('stripe'));
      expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);
      await backstop.worker({ fallbacks: false });
      await until(async () => (await completedJobs(prefix)).length > 0, 15_000, 'the first round');
      const seen = pings(stripe).length;

      // A process of the earlier version, still running during a rolling upgrade, queues one.
      const legacy = await queue.add('stripe-health', data);
      const legacyDone = async () => (await completedJobs(prefix)).find((job) => job.id === legacy.id);
      await until(async () => (await legacyDone()) !== undefined, 15_000, 'the single probe job to run');
      expect((await legacyDone())?.returnvalue).toMatchObject({ ok: true, status: 'healthy' });
      expect(pings(stripe).length).toBe(seen + 1);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('upgrading: schedulers of earlier versions are listed once per process, then removed by id', async () => {
    const { prefix, backstop } = kit();
    // Watching from before the queue below is made: none of this test's commands is in flight yet.
    const watch = await PrefixWatch.start(prefix);
    const connection = rawRedis();
    const queue = new Queue('healthchecks', { connection, prefix });
    try {
      // An earlier version's schedulers: stripe's in prd and in stg (an env dropped since), and one
      // of a healthcheck nobody schedules any more, which stays.
      for (const [tag, env] of [
        ['stripe-health', 'prd'],
        ['stripe-health', 'stg'],
        ['gone-health', 'prd'],
      ] as const) {
        const data = { product: 'my-product', tag, env, interval: 60_000 };
        await queue.upsertJobScheduler(`my-product.${tag}.${env}`, { every: 60_000 }, { name: tag, data });
      }
      for (const app of ['stripe', 'paypal', 'square', 'adyen'])
        await backstop.health.create(pingHealthcheck(app));
      await backstop.health.update('paypal-health', { interval: 30_000 });
      await backstop.health.delete('square-health');
      // Every command on the prefix so far has reached the watch once this marker has.
      await connection.get(`${prefix}:watch-mark`);
      await until(() => watch.count('get', ':watch-mark') === 1, 5_000, 'the marker');
      // Six schedules, one listing of every scheduler: the first, which noted stripe's ids.
      expect(watch.count('zrevrange', ':healthchecks:repeat')).toBe(1);

      expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual([
        'my-product.gone-health.prd',
        'round.30000ms',
        'round.60000ms',
      ]);
    } finally {
      watch.stop();
      await queue.close();
      connection.disconnect();
    }
  });

  it('upgrading: a healthcheck worker moves stored healthchecks off their earlier schedulers into rounds', async () => {
    const { prefix, backstop } = kit();
    await kit().provider('stripe');
    await backstop.health.create(pingHealthcheck('stripe'));
    // As an earlier version left it: not in a round, probed by a scheduler of its own.
    const connection = rawRedis();
    const queue = new Queue('healthchecks', { connection, prefix });
    try {
      await new ProbeRounds(connection, new Keys(prefix), queue).leave('my-product', 'stripe-health');
      const data = { product: 'my-product', tag: 'stripe-health', env: 'prd', interval: 60_000 };
      await queue.upsertJobScheduler(
        'my-product.stripe-health.prd',
        { every: 60_000 },
        { name: 'stripe-health', data },
      );
      expect(await roundMembers(prefix)).toEqual([]);

      await backstop.worker({ fallbacks: false });
      expect(await roundMembers(prefix)).toEqual([{ key: 'my-product.stripe-health.prd', every: 60_000 }]);
      expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('one hung probe does not stop the others of its round: it fails by its timeout, they go on', async () => {
    const { prefix, backstop } = kit();
    const { app: _a, event: _e, ...bare } = pingHealthcheck('x', { interval: 200, retries: 1 });
    let probes = 0;
    let hung = 0;
    // Ignores its signal and never settles: only the round's own bound can end it.
    await backstop.health.define({
      ...bare,
      tag: 'hung-health',
      handler: () => new Promise(() => void hung++),
    });
    await backstop.health.define({ ...bare, tag: 'fine-health', handler: () => void probes++ });
    expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.200ms', every: 200 }]);
    await backstop.worker({ fallbacks: false });

    await until(() => probes >= 6, 15_000, 'rounds going on while one probe hangs');
    expect((await backstop.health.status('fine-health')).provider_status).toBe('healthy');
    const status = await backstop.health.status('hung-health');
    expect(status.provider_status).toBe('unhealthy');
    expect(status.last_probe_error?.error).toMatch(/timed out after 200 ms/);
    // The hung call is still running: later rounds skip it rather than call it again.
    expect(hung).toBe(1);
    const rounds = (await completedJobs(prefix)).map((job) => job.returnvalue);
    expect(rounds.some((r) => r?.skipped === 1 && r?.passed === 1)).toBe(true);
  });

  it('a round emptied while another healthcheck joins it keeps its scheduler; a round job finding its round empty removes it', async () => {
    const { prefix, backstop } = kit();
    const connection = rawRedis();
    const queue = new Queue('healthchecks', { connection, prefix });
    const rounds = new ProbeRounds(connection, new Keys(prefix), queue);
    try {
      await rounds.join('my-product', 'a-health', ['prd'], 60_000);
      // Another process's join lands after this one found the round empty, before it removes the
      // scheduler: the set is read again after removing, and the scheduler put back.
      const remove = queue.removeJobScheduler.bind(queue);
      queue.removeJobScheduler = async (id: string) => {
        await rounds.join('my-product', 'b-health', ['prd'], 60_000);
        return remove(id);
      };
      await rounds.leave('my-product', 'a-health');
      expect(await roundMembers(prefix)).toEqual([{ key: 'my-product.b-health.prd', every: 60_000 }]);
      expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);

      // A scheduler left over for a round nobody is in (a join and a removal crossing the other
      // way): the round's job finds it empty and removes it.
      await upsertRoundScheduler(queue, 300);
      await backstop.worker({ fallbacks: false });
      await until(
        async () => (await roundSchedulers(prefix)).every((r) => r.key !== 'round.300ms'),
        15_000,
        'the empty round to go',
      );
      expect(await roundSchedulers(prefix)).toEqual([{ key: 'round.60000ms', every: 60_000 }]);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

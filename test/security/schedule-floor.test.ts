import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { pathsOf, useApi } from '../http/api-kit.js';
import { actionOption, CALL_ACTION, echoProvider } from './security-kit.js';

/**
 * A recurring schedule is a provider call (for a payment chain, a charge) every time it fires: the
 * operator sets the floor, a caller cannot go under it.
 */
describe('schedule floors: default (1 s)', () => {
  const api = useApi();
  let sim: ProviderSimulator;
  afterAll(async () => sim?.close());

  async function chain(tag: string): Promise<void> {
    const { call } = api();
    sim ??= await echoProvider('floor');
    await call('PUT', '/v1/apps/floor-app', { envs: { prd: { baseUrl: sim.url } }, actions: CALL_ACTION });
    const created = await call('POST', '/v1/fallbacks', {
      name: tag,
      tag,
      options: [actionOption('floor-app')],
    });
    expect(created.status).toBe(201);
  }

  it('refuses { every: 1 } and anything under a second, naming the field and the floor', async () => {
    const { call, backstop } = api();
    await chain('charge');
    for (const every of [1, 999, '500ms', '0.5s']) {
      const reply = await call('POST', '/v1/fallbacks/charge/dispatch', { schedule: { every } });
      expect(reply.status, String(every)).toBe(400);
      expect(reply.body.code).toBe('BACKSTOP_VALIDATION');
      expect(pathsOf(reply)).toEqual(['schedule.every']);
      expect(reply.body.issues[0].message).toContain('at least 1000 ms');
    }
    expect(await backstop.schedules.list()).toEqual([]);
    expect(sim.calls).toHaveLength(0);
  });

  it('accepts the floor itself, and every cron pattern (cron cannot fire more than once a second)', async () => {
    const { call, backstop } = api();
    await chain('charge-ok');
    const every = await call('POST', '/v1/fallbacks/charge-ok/dispatch', {
      schedule: { every: '1s' },
      jobId: 'floor-every',
    });
    expect(every.status).toBe(202);
    const cron = await call('POST', '/v1/fallbacks/charge-ok/dispatch', {
      schedule: { cron: '* * * * * *' },
      jobId: 'floor-cron',
    });
    expect(cron.status).toBe(202);
    await backstop.schedules.remove('floor-every');
    await backstop.schedules.remove('floor-cron');
  });

  it('has no field a caller could use to lower the floor', async () => {
    const { call } = api();
    await chain('charge-sneaky');
    const reply = await call('POST', '/v1/fallbacks/charge-sneaky/dispatch', {
      schedule: { every: 1, minIntervalMs: 1 },
    });
    expect(reply.status).toBe(400);
    expect(pathsOf(reply)).toContain('schedule.minIntervalMs');
  });
});

describe('schedule floors: set by the operator (BACKSTOP_MIN_SCHEDULE_INTERVAL_MS)', () => {
  const api = useApi({}, { processEnv: { BACKSTOP_MIN_SCHEDULE_INTERVAL_MS: '60000' } });
  let sim: ProviderSimulator;
  afterAll(async () => sim?.close());

  it('holds every and cron patterns to the floor, naming it', async () => {
    const { call, backstop } = api();
    sim = await echoProvider('floor-op');
    await call('PUT', '/v1/apps/floor-op', { envs: { prd: { baseUrl: sim.url } }, actions: CALL_ACTION });
    await call('POST', '/v1/fallbacks', { name: 'op', tag: 'op', options: [actionOption('floor-op')] });
    const cases: [Record<string, unknown>, string][] = [
      [{ every: '30s' }, 'schedule.every'],
      [{ cron: '*/10 * * * * *' }, 'schedule.cron'],
      [{ cron: '0,30 * * * * *' }, 'schedule.cron'],
      // Fires at 09:00 and 09:00:59 only: 59 s apart once a day is still under a minute.
      [{ cron: '0,59 0 9 * * *' }, 'schedule.cron'],
    ];
    for (const [schedule, path] of cases) {
      const reply = await call('POST', '/v1/fallbacks/op/dispatch', { schedule });
      expect(reply.status, JSON.stringify(schedule)).toBe(400);
      expect(pathsOf(reply)).toEqual([path]);
      expect(reply.body.issues[0].message).toContain('60000 ms');
    }
    for (const [i, schedule] of [
      { every: '1m' },
      { cron: '* * * * *' },
      { cron: '0 */5 * * * *' },
    ].entries()) {
      const reply = await call('POST', '/v1/fallbacks/op/dispatch', { schedule, jobId: `op-${i}` });
      expect(reply.status, JSON.stringify(schedule)).toBe(202);
      await backstop.schedules.remove(`op-${i}`);
    }
  });
});

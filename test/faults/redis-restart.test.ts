import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/errors.js';
import { buildApp } from '../../src/http/app.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { rejection } from '../helpers/http-chains.js';
import { until } from '../helpers/until.js';
import { call, KEYS } from '../http/api-kit.js';
import { chargeOption, defineApp, report, scale, useFaultKit } from './fault-kit.js';

const DELAYED = scale(20, 200);

/**
 * redis-server SIGKILLed and restarted on its AOF, under a worker process with delayed and
 * recurring jobs: nothing is lost, the worker reconnects by itself, producers hear
 * BACKSTOP_REDIS_UNAVAILABLE meanwhile, and readiness comes back without flapping.
 */
describe('fault suite: Redis killed and restarted', () => {
  const kit = useFaultKit();
  const dataDir = mkdtempSync(join(tmpdir(), 'bt-faults-redis-'));
  let server: EmbeddedRedis | undefined;
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${DELAYED} delayed jobs and a recurring schedule survive a SIGKILL of Redis`, {
    timeout: 180_000,
  }, async () => {
    // Every write on disk before it is acknowledged, so what the test dispatched is there after a kill.
    const settings = { appendfsync: 'always' };
    server = await startEmbeddedRedis({ dataDir, settings });
    const { backstop, worker, provider } = kit(server.url);
    const p = await provider('restart-provider');
    await defineApp(backstop, p);
    await backstop.fallback.create({
      name: 'restart',
      tag: 'restart',
      input: { amount: { type: 'number' } },
      options: [chargeOption(p, { timeout: 5_000 })],
    });
    const app = await buildApp({ backstop, keys: KEYS });
    const workerProcess = await worker();
    await until(
      async () => (await call(app, 'GET', '/readyz', undefined, null)).status === 200,
      20_000,
      'ready',
    );

    await backstop.fallback.dispatch({
      tag: 'restart',
      input: { amount: 1 },
      schedule: { every: 1_000 },
      jobId: 'every-second',
    });
    const handles: { id: string }[] = [];
    for (let i = 0; i < DELAYED; i++) {
      // Due while Redis is down (3 to 6 s from now) or just after.
      const delay = 3_000 + Math.round((3_000 * i) / DELAYED);
      handles.push(
        await backstop.fallback.dispatch({
          tag: 'restart',
          input: { amount: 1 },
          schedule: { delay },
          idempotencyKey: `d-${i}`,
        }),
      );
    }
    const occurrences = () => [...p.effects.keys()].filter((k) => !k.startsWith('d-')).length;
    await until(() => occurrences() >= 2, 20_000, 'two recurring runs');

    await server.kill();
    const downAt = Date.now();
    const whileDown = (await rejection(
      backstop.fallback.dispatch({ tag: 'restart', input: { amount: 1 } }),
    )) as { code: string };
    const readyWhileDown = (await call(app, 'GET', '/readyz', undefined, null)).status;
    const before = occurrences();
    // Down for a few seconds: delayed jobs come due meanwhile.
    await until(() => Date.now() - downAt >= 3_000, 10_000, 'three seconds of downtime');
    server = await startEmbeddedRedis({ dataDir, port: server.port, strictPort: true, settings });
    const upAt = Date.now();

    // Readiness, polled while the jobs run: when it comes back, and whether it flaps afterwards.
    let readyAt: number | undefined;
    let flaps = 0;
    let last = 0;
    const poll = async () => {
      const status = (await call(app, 'GET', '/readyz', undefined, null)).status;
      if (status === 200) readyAt ??= Date.now();
      if (last === 200 && status !== 200) flaps++;
      last = status;
    };
    await until(
      async () => {
        await poll();
        // The producer's own connection comes back on its own too; until then, its calls fail fast.
        const states = await Promise.all(
          handles.map((h) =>
            backstop.jobs.get(h.id).then(
              (v) => v.state,
              () => 'unknown',
            ),
          ),
        );
        return states.every((s) => s === 'completed' || s === 'failed') && occurrences() >= before + 3;
      },
      90_000,
      'every delayed job and three more recurring runs',
    );
    const views = await Promise.all(handles.map((h) => backstop.jobs.get(h.id)));
    const fired = views.filter((v) => v.state === 'completed').length;
    report('redis restart', {
      delayed: DELAYED,
      fired,
      failed: views.length - fired,
      recurringBefore: before,
      recurringAfter: occurrences() - before,
      downMs: upAt - downAt,
      producerWhileDown: whileDown.code,
      readyzWhileDown: readyWhileDown,
      readyAfterRestartMs: readyAt === undefined ? 'never' : readyAt - upAt,
      readyzFlaps: flaps,
      sameWorkerPid: workerProcess.child.exitCode === null,
    });
    expect(whileDown.code).toBe(ErrorCodes.REDIS_UNAVAILABLE);
    expect(readyWhileDown).toBe(503);
    expect(fired).toBe(DELAYED);
    expect(workerProcess.child.exitCode).toBeNull(); // it reconnected by itself
    expect(readyAt).toBeDefined();
    expect(flaps).toBe(0);
    await app.close();
  });
});

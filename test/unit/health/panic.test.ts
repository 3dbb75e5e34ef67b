import { describe, expect, it } from 'vitest';
import type { Chain } from '../../../src/core/chain.js';
import { InMemoryHealthView } from '../../../src/core/health-view.js';
import { silentLogger } from '../../../src/core/logger.js';
import { type EngineDeps, runChain } from '../../../src/core/run-chain.js';
import { TargetRegistry } from '../../../src/targets/target-registry.js';
import { chain, provider } from '../../helpers/chains.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** Three providers (a, b, c) counting their calls, and an engine whose random draw the test sets. */
function setup(down: string[], draw: number) {
  const health = new InMemoryHealthView();
  for (const name of down) health.set({ product: 'p', env: 'prd', healthcheck: name }, 'unhealthy');
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const deps: EngineDeps = {
    clock: new FakeClock(),
    health,
    targets,
    logger: silentLogger,
    random: () => draw,
  };
  const calls: string[] = [];
  const providers = ['a', 'b', 'c'].map((name) =>
    provider(name, async () => {
      calls.push(name);
      return { ok: true };
    }),
  );
  const run = (extra: Partial<Chain> = {}) =>
    runChain(deps, { chain: chain(providers, extra), env: 'prd', input: {}, runId: 'r', runKey: 'r' });
  return { run, calls };
}

describe('when providers are out of rotation', () => {
  it("'panic' (default): below the threshold, a draw inside the share ignores health for the whole run", async () => {
    const { run, calls } = setup(['a', 'b', 'c'], 0.01);
    const outcome = await run();
    expect(outcome).toMatchObject({ ok: true, provider: 'a' });
    expect(calls).toEqual(['a']);
  });

  it("'panic': a draw outside the share skips every unhealthy provider and fails without a call", async () => {
    const { run, calls } = setup(['a', 'b', 'c'], 0.5);
    const outcome = await run();
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts.map((a) => a.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(calls).toEqual([]);
  });

  it("'panic': at or above the threshold (2 of 3 healthy), health is followed on every run", async () => {
    const { run, calls } = setup(['a'], 0.01);
    expect(await run()).toMatchObject({ ok: true, provider: 'b' });
    expect(calls).toEqual(['b']);
    const below = setup(['a', 'b'], 0.01); // 1 of 3 healthy: below 50 %
    expect(await below.run()).toMatchObject({ ok: true, provider: 'a' });
    const share = setup(['a', 'b'], 0.3); // a custom share takes this draw in
    expect(await share.run({ panic: { threshold: 50, share: 0.5 } })).toMatchObject({ provider: 'a' });
  });

  it("'try-anyway' tries every provider again when all were skipped; 'fail' never does", async () => {
    const anyway = setup(['a', 'b', 'c'], 0.5);
    expect(await anyway.run({ whenAllUnhealthy: 'try-anyway' })).toMatchObject({ ok: true, provider: 'a' });
    const strict = setup(['a', 'b', 'c'], 0.01);
    expect((await strict.run({ whenAllUnhealthy: 'fail' })).ok).toBe(false);
    expect(strict.calls).toEqual([]);
  });
});

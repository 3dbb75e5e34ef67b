import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/event-bus.js';
import type { EngineEvent } from '../../src/core/events.js';
import { InMemoryHealthView } from '../../src/core/health-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { ProviderHttpError } from '../../src/core/provider-errors.js';
import { type EngineDeps, runChain } from '../../src/core/run-chain.js';
import { TargetRegistry } from '../../src/targets/target-registry.js';
import { chain, provider } from '../helpers/chains.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup() {
  const targets = new TargetRegistry();
  targets.register('handler', { call: async (t, request, ctx) => t.fn(request, ctx) });
  const health = new InMemoryHealthView();
  const errors: unknown[] = [];
  const events = new EventBus((error) => errors.push(error));
  const seen: EngineEvent[] = [];
  for (const type of [
    'run.started',
    'run.ended',
    'attempt.started',
    'attempt.ended',
    'provider.skipped',
    'failover',
  ] as const)
    events.on(type, (event) => seen.push(event));
  const deps: EngineDeps = { clock: new FakeClock(), health, targets, logger: silentLogger, events };
  const run = (c: Parameters<typeof chain>[0]) =>
    runChain(deps, { chain: chain(c), env: 'prd', input: {}, runId: 'r1', runKey: 'r1' });
  return { run, seen, health, events, errors };
}

const down = async () => {
  throw new ProviderHttpError(503, 'down');
};

describe('engine events', () => {
  it('tell a failover run in order: start, attempts, skip, failover, end', async () => {
    const { run, seen, health } = setup();
    health.set({ product: 'p', env: 'prd', healthcheck: 'b' }, 'unhealthy');
    const outcome = await run([
      { ...provider('a', down), retries: 1 },
      provider('b', async () => ({})),
      provider('c', async () => ({ id: 'c1' })),
    ]);
    expect(outcome.ok).toBe(true);
    const story = seen.map((e) => {
      if (e.type === 'attempt.started') return `${e.type} ${e.provider}#${e.attempt}`;
      if (e.type === 'attempt.ended')
        return `${e.type} ${e.record.provider}#${e.record.attempt} ${e.record.outcome}`;
      if (e.type === 'provider.skipped') return `${e.type} ${e.provider} ${e.reason}`;
      if (e.type === 'failover') return `${e.type} ${e.from}->${e.to} ${e.code}`;
      if (e.type === 'run.ended') return `${e.type} ${e.outcome} ${e.provider}`;
      return e.type;
    });
    expect(story).toEqual([
      'run.started',
      'attempt.started a#1',
      'attempt.ended a#1 failure',
      'attempt.started a#2',
      'attempt.ended a#2 failure',
      'provider.skipped b unhealthy',
      'failover a->c BACKSTOP_PROVIDER_HTTP',
      'attempt.started c#1',
      'attempt.ended c#1 success',
      'run.ended success c',
    ]);
  });

  it('end a failed run with its error code and every attempt', async () => {
    const { run, seen } = setup();
    await run([provider('a', down)]);
    const ended = seen.find((e) => e.type === 'run.ended');
    expect(ended).toMatchObject({ outcome: 'BACKSTOP_FALLBACK_EXHAUSTED', provider: undefined });
    expect(ended?.type === 'run.ended' && ended.attempts).toHaveLength(1);
  });

  it('never carry the session claims, and a listener that throws does not disturb the run', async () => {
    const { events, errors, run, seen } = setup();
    events.on('attempt.started', () => {
      throw new Error('listener bug');
    });
    const outcome = await run([provider('a', async () => ({ ok: 1 }))]);
    expect(outcome.ok).toBe(true);
    expect(errors).toHaveLength(1);
    for (const event of seen)
      if ('run' in event)
        expect(Object.keys(event.run).sort()).toEqual(['depth', 'env', 'product', 'runId', 'tag']);
  });

  it('are not built when nobody listens', async () => {
    const bus = new EventBus();
    expect(bus.active).toBe(false);
    const off = bus.on('run.ended', () => {});
    expect(bus.active).toBe(true);
    off();
    expect(bus.active).toBe(false);
  });
});

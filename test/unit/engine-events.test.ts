import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/event-bus.js';
import type { EngineEvent } from '../../src/core/events.js';
import { ProviderHttpError } from '../../src/core/provider-errors.js';
import { chain, provider } from '../helpers/chains.js';
import { engine } from '../helpers/engine.js';

function setup() {
  const errors: unknown[] = [];
  const { run, health, events } = engine({ onListenerError: (error) => errors.push(error) });
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
  return {
    run: (providers: Parameters<typeof chain>[0]) => run(chain(providers)),
    seen,
    health,
    events,
    errors,
  };
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

  it('end a run that throws (a hook that is not ours) before re-throwing it untouched', async () => {
    const errors: unknown[] = [];
    const { run, events } = engine({ onListenerError: (error) => errors.push(error) });
    const ended: string[] = [];
    events.on('run.ended', (e) => ended.push(e.outcome));
    const lost = new Error('lock lost');
    const c = chain([provider('a', down), provider('b', async () => ({}))]);
    await expect(
      run(c, {
        beforeProvider: (index) => {
          if (index === 1) throw lost;
        },
      }),
    ).rejects.toBe(lost);
    expect(ended).toEqual(['error']);
    expect(errors).toEqual([]);
  });

  it('are built only for the types someone listens to', () => {
    const bus = new EventBus();
    bus.on('attempt.ended', () => {});
    expect(bus.listens('attempt.ended')).toBe(true);
    expect(bus.listens('attempt.started')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { until, useWorkerKit } from '../helpers/worker-kit.js';

/**
 * A crash-looping worker (OOM-killed, a bad deploy) must not turn in-flight jobs into failed ones:
 * a job survives repeated worker deaths up to `maxStalled`, each re-run with the same keys.
 */
describe('worker process: repeated crashes', () => {
  const kit = useWorkerKit();

  it('a job whose worker is SIGKILLed twice in a row completes on the third, with one key throughout', {
    timeout: 60_000,
  }, async () => {
    const { backstop, chains, start, waitState } = kit();
    // The first two calls hang (their workers die during them); the third answers.
    const primary = (await chains.provider('primary')).next(
      { kind: 'stall', ms: 30_000 },
      { kind: 'stall', ms: 30_000 },
    );
    const fallback = await chains.provider('fallback');
    const tag = await chains.chain([chains.option(primary), chains.option(fallback)]);
    const handle = await backstop.fallback.dispatch({ tag, input: {}, idempotencyKey: 'order-7' });

    const first = await start();
    await until(() => primary.calls.length === 1, 15_000, 'the first call');
    await first.kill();
    const second = await start();
    await until(() => primary.calls.length === 2, 20_000, 'the second call');
    await second.kill();
    await start();

    const view = await waitState(handle.id, ['completed', 'failed'], 30_000);
    expect(view.error).toBeUndefined();
    expect(view.state).toBe('completed');
    expect(view.provider).toBe(primary.name);
    expect(primary.idempotencyKeys).toEqual([
      `order-7:${primary.name}`,
      `order-7:${primary.name}`,
      `order-7:${primary.name}`,
    ]);
    expect(fallback.calls).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../helpers/close-after-each.js';
import { testBackstop, uniquePrefix } from '../helpers/redis.js';

/**
 * Retention is the workers' setting: where jobs finish, BACKSTOP_KEEP_* decides, whatever the
 * producer that dispatched them has set (producers stamp no retention on jobs).
 */
describe('retention precedence', () => {
  const closeLater = closeAfterEach();

  it("keeps what the worker's BACKSTOP_KEEP_COMPLETED_COUNT says, not the producer's", async () => {
    const prefix = uniquePrefix();
    const make = (keep: string) => {
      const b = testBackstop({
        prefix,
        processEnv: { BACKSTOP_KEEP_COMPLETED_COUNT: keep, LOG_LEVEL: 'silent' },
      });
      b.handlers.register('ok-app', 'send', async () => ({ id: 'ok' }));
      closeLater(() => b.close());
      return b;
    };
    const producer = make('1000');
    const worker = make('1');
    for (const b of [producer, worker]) {
      await b.fallback.define({
        tag: 'keep',
        name: 'keep',
        handler: (ctx) => void ctx.primary('ok').app('ok-app').action('send'),
      });
    }
    await worker.worker({ healthchecks: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const handle = await producer.fallback.dispatch({ tag: 'keep' });
      expect((await producer.jobs.wait(handle.id, { timeout: 10_000 })).state).toBe('completed');
      ids.push(handle.id);
    }
    const kept = (await producer.jobs.list({ state: 'completed' })).map((j) => j.id);
    expect(kept).toEqual([ids[2]]);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { testBackstop } from '../helpers/redis.js';

describe('health.fetchAll', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it('lists every product without one, and one product with it, as fallback.fetchAll does', async () => {
    const probe = { interval: 60_000, retries: 1, url: 'http://127.0.0.1:9/ping', envs: [{ slug: 'prd' }] };
    await backstop.health.create({ ...probe, name: 'A', tag: 'a-health' });
    await backstop.health.create('other-product', { ...probe, name: 'B', tag: 'b-health' });
    await backstop.health.define({
      ...probe,
      name: 'C',
      tag: 'c-health',
      product: 'third',
      handler: async () => {},
    });

    const all = await backstop.health.fetchAll();
    expect(all.map((h) => [h.product, h.tag, h.source]).sort()).toEqual([
      ['my-product', 'a-health', 'declarative'],
      ['other-product', 'b-health', 'declarative'],
      ['third', 'c-health', 'code'],
    ]);
    expect((await backstop.health.fetchAll('other-product')).map((h) => h.tag)).toEqual(['b-health']);
  });
});

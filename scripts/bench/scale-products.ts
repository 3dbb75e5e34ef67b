import { Backstop } from '../../src/backstop.js';
import { silentLogger } from '../../src/core/logger.js';

/** The product queues `npm run bench:scale` spreads its jobs over. */
export const SCALE_PRODUCTS = ['payments', 'sms', 'email'];

/**
 * The Backstop every process of the scale bench opens on `prefix`: a code-first chain `send` in
 * each product, over one in-process handler (the figure is the queue's and the engine's, not a
 * network's). Producer and workers define the same chains.
 */
export async function scaleBackstop(url: string, prefix: string): Promise<Backstop> {
  const backstop = new Backstop({ redis: url, prefix: `{${prefix}}`, logger: silentLogger, circuit: false });
  backstop.handlers.register('primary-app', 'send', async () => ({ ok: true }));
  for (const product of SCALE_PRODUCTS) {
    await backstop.fallback.define({
      product,
      tag: 'send',
      name: 'send',
      handler: (ctx) => void ctx.primary('primary').app('primary-app').action('send'),
    });
  }
  return backstop;
}

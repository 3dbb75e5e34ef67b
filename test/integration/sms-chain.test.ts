import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SMS_ACTIONS,
  SMS_INPUT,
  SMS_RESPONSES,
  type SmsApp,
  smsApps,
  smsChain,
} from '../fixtures/sms-chain.js';
import { testBackstop } from '../helpers/redis.js';
import { urlsOf, useSimulators } from '../helpers/simulators.js';

/** The documented SMS chain, created after `product.init` as the README shows, against real HTTP providers. */
describe('the documented SMS chain (Twilio → Vonage → AWS SNS)', () => {
  const backstop = testBackstop();
  const sims = useSimulators(SMS_RESPONSES);
  const RUN = { env: 'prd', product: 'messaging-app', tag: 'sms-fallback', input: SMS_INPUT };
  const callCounts = () => [sims.twilio.calls.length, sims.vonage.calls.length, sims['aws-sns'].calls.length];

  beforeAll(async () => {
    for (const app of smsApps(urlsOf(sims))) await backstop.app.define(app);
    // product.init, then create without naming the product.
    backstop.product.init('messaging-app');
    await backstop.fallback.create(smsChain());
  });
  afterAll(() => backstop.close());

  it('stores the chain under the product given to product.init', async () => {
    const fetched = await backstop.fallback.fetch('messaging-app', 'sms-fallback');
    expect(fetched.product).toBe('messaging-app');
    expect(fetched.options.map((o) => `${o.app}/${o.event}`)).toEqual([
      'twilio/send-sms',
      'vonage/send-sms',
      'aws-sns/publish-sms',
    ]);
  });

  it.each<{
    when: string;
    down: SmsApp[];
    served: SmsApp;
    result: { messageId: string; status?: string };
    calls: number[];
    body: object;
  }>([
    {
      when: 'Twilio up',
      down: [],
      served: 'twilio',
      result: { messageId: SMS_RESPONSES.twilio.sid, status: 'queued' },
      calls: [1, 0, 0],
      body: { to: SMS_INPUT.phone, body: SMS_INPUT.message },
    },
    // Vonage gets `text` instead of `body`.
    {
      when: 'Twilio down',
      down: ['twilio'],
      served: 'vonage',
      result: { messageId: SMS_RESPONSES.vonage.message_id, status: '0' },
      calls: [3, 1, 0],
      body: { to: SMS_INPUT.phone, text: SMS_INPUT.message },
    },
    // AWS SNS's output maps only messageId.
    {
      when: 'Twilio and Vonage down',
      down: ['twilio', 'vonage'],
      served: 'aws-sns',
      result: { messageId: SMS_RESPONSES['aws-sns'].MessageId },
      calls: [3, 3, 1],
      body: { PhoneNumber: SMS_INPUT.phone, Message: SMS_INPUT.message },
    },
  ])(
    '$when: sends via $served, with its own field names and message id',
    async ({ down, served, result, calls, body }) => {
      for (const name of down) sims[name].down(503);

      const sent = await backstop.fallback.run(RUN);

      expect(sent).toStrictEqual({ provider: served, ...result });
      expect(`SMS sent via ${sent.provider}`).toBe(`SMS sent via ${served}`);
      expect(sent.messageId).toBe(result.messageId);
      expect(callCounts()).toEqual(calls);
      expect(sims[served].calls[0]).toMatchObject({ method: 'POST', path: SMS_ACTIONS[served].path });
      expect(sims[served].calls[0]?.body).toStrictEqual(body);
    },
  );
});

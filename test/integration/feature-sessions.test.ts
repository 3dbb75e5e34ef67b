import { describe, expect, it } from 'vitest';
import { DataTypes, FeatureEventTypes, SessionInvalidError } from '../../src/index.js';
import { featurePaymentChain } from '../fixtures/process-payment.js';
import { noCalls, useProcessPayment } from '../helpers/feature-kit.js';
import { rejection } from '../helpers/http-chains.js';

/** A feature run with a session: `$Session{}` reaches its steps and the chain inside it; a bad token calls nothing. */
const { sims, backstop } = useProcessPayment();

/** A session type `user`, a chain sending `$Session{sub}` to Stripe as customer, a feature using both; a token for user_42. */
async function createSessionFeature(): Promise<string> {
  await backstop().session.define({ tag: 'user', secret: 'x'.repeat(32) });
  await backstop().fallback.create(featurePaymentChain('session-fallback', '$Session{sub}'));
  await backstop().features.create({
    tag: 'session-payment',
    name: 'Pay as the signed-in user',
    input: { amount: { type: DataTypes.NUMBER } },
    events: [
      {
        type: FeatureEventTypes.ACTION,
        event: 'validate-payment',
        app: 'payment-service',
        input: { amount: '$Input{amount}', userId: '$Session{sub}' },
      },
      {
        type: FeatureEventTypes.FALLBACK,
        event: 'session-fallback',
        input: { amount: '$Input{amount}', currency: 'USD' },
      },
    ],
  });
  return backstop().session.sign({ tag: 'user', claims: { sub: 'user_42' }, expiresIn: '5m' });
}

describe('sessions in features', () => {
  it('$Session{sub} in an event’s input reaches the step’s provider, and the nested fallback’s option mapping', async () => {
    const token = await createSessionFeature();

    await backstop().features.run({
      tag: 'session-payment',
      input: { amount: 5 },
      session: { tag: 'user', token },
    });

    expect(sims.validate.calls[0]?.body).toStrictEqual({ amount: 5, userId: 'user_42' });
    expect(sims.stripe.calls[0]?.body).toStrictEqual({ amount: 5, currency: 'USD', customer: 'user_42' });
  });

  it('an invalid token rejects with SessionInvalidError and calls nothing', async () => {
    const token = await createSessionFeature();

    const error = await rejection(
      backstop().features.run({
        tag: 'session-payment',
        input: { amount: 5 },
        session: { tag: 'user', token: `${token}x` },
      }),
    );

    expect(error).toBeInstanceOf(SessionInvalidError);
    expect(error).toMatchObject({ code: 'BACKSTOP_SESSION_INVALID', session: 'user' });
    noCalls(sims.validate, sims.stripe, sims.paypal, sims.log);
  });
});

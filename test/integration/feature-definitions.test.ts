import { describe, expect, it } from 'vitest';
import { ConflictError, type FeatureEvent, NotFoundError, ValidationError } from '../../src/index.js';
import {
  FALLBACK_EVENT,
  FEATURE_RUN,
  LOG_EVENT,
  processPayment,
  VALIDATE_EVENT,
} from '../fixtures/process-payment.js';
import { noCalls, useProcessPayment } from '../helpers/feature-kit.js';
import { rejection } from '../helpers/http-chains.js';

/** Creating, reading, changing and deleting stored features: what `features.create` refuses, and versions. */
const { sims, backstop } = useProcessPayment();
const { app: _app, ...LOG_WITHOUT_APP } = LOG_EVENT;

describe('validation when a feature is created', () => {
  it.each<{ refuses: string; events: FeatureEvent[]; paths: string[]; names?: string }>([
    {
      refuses: '$Sequence{} of a step that only runs later, naming the event input',
      events: [
        { ...VALIDATE_EVENT, input: { amount: '$Input{amount}', tx: '$Sequence{log-payment}{x}' } },
        FALLBACK_EVENT,
        LOG_EVENT,
      ],
      paths: ['events[0].input.tx'],
      names: 'log-payment',
    },
    {
      refuses: '$Sequence{} of a step that does not exist',
      events: [
        VALIDATE_EVENT,
        { ...FALLBACK_EVENT, input: { amount: '$Sequence{nope}{x}', currency: '$Input{currency}' } },
      ],
      paths: ['events[1].input.amount'],
      names: 'nope',
    },
    {
      refuses: 'two events with the same step name, naming events[1].tag',
      events: [VALIDATE_EVENT, VALIDATE_EVENT],
      paths: ['events[1].tag'],
    },
    {
      refuses: 'an ACTION event without app, naming events[i].app',
      events: [VALIDATE_EVENT, FALLBACK_EVENT, LOG_WITHOUT_APP],
      paths: ['events[2].app'],
    },
    {
      refuses: '$Input{} of a field the input schema does not declare',
      events: [{ ...VALIDATE_EVENT, input: { amount: '$Input{notDeclared}' } }],
      paths: ['events[0].input.amount'],
      names: 'notDeclared',
    },
  ])('refuses $refuses; nothing is stored', async ({ events, paths, names }) => {
    const tag = 'bad-feature';

    const error = await rejection(backstop().features.create(processPayment({ tag, events })));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(paths);
    if (names) expect((error as ValidationError).message).toContain(names);
    await expect(backstop().features.fetch(tag)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('stored features: fetch, fetchAll, update, delete', () => {
  it('fetch returns the stored definition at version 1; fetchAll lists it', async () => {
    const stored = await backstop().features.fetch('process-payment');

    expect(stored.product).toBe('my-product');
    expect(stored.version).toBe(1);
    expect(stored.definition).toMatchObject({
      tag: 'process-payment',
      name: 'Process Payment with Fallback',
    });
    expect(stored.definition.events.map((e) => e.event)).toEqual([
      'validate-payment',
      'payment-fallback',
      'log-payment',
    ]);
    const all = await backstop().features.fetchAll();
    expect(all.map((f) => f.definition.tag)).toEqual(['process-payment']);
  });

  it('update bumps the version and the next run uses the new event list', async () => {
    const updated = await backstop().features.update('process-payment', {
      events: [VALIDATE_EVENT, FALLBACK_EVENT],
    });

    expect(updated.version).toBe(2);
    const output = await backstop().features.run(FEATURE_RUN);
    expect(Object.keys(output as object)).toEqual(['validate-payment', 'payment-fallback']);
    noCalls(sims.log);
    expect((await backstop().features.fetch('process-payment')).version).toBe(2);
  });

  it('a run after delete rejects with NotFoundError and calls nothing', async () => {
    await backstop().features.delete('process-payment');

    await expect(backstop().features.run(FEATURE_RUN)).rejects.toBeInstanceOf(NotFoundError);
    await expect(backstop().features.fetch('process-payment')).rejects.toBeInstanceOf(NotFoundError);
    noCalls(sims.validate, sims.stripe, sims.paypal, sims.log);
  });

  it('creating the same feature again is a no-op', async () => {
    const again = await backstop().features.create(processPayment());

    expect(again.version).toBe(1);
    expect(await backstop().features.fetchAll()).toHaveLength(1);
  });

  it('a different definition under the same tag is a ConflictError', async () => {
    const error = await rejection(backstop().features.create(processPayment({ name: 'Something else' })));

    expect(error).toBeInstanceOf(ConflictError);
    expect((await backstop().features.fetch('process-payment')).definition.name).toBe(
      'Process Payment with Fallback',
    );
  });
});

/**
 * The demo `backstop dev --demo` runs (and `npm start`): payment and SMS chains against local
 * provider simulators, healthchecks probing them every 3 s, and a steady trickle of jobs — some
 * now, some delayed, one recurring every 5 s — so the dashboard shows queues fill and drain. Every
 * 60 s Stripe goes down for 20 s: payments fail over to PayPal and its healthcheck turns unhealthy.
 * Stripe also loses one answer in twenty after charging: the payment chain's `onAmbiguous:
 * 'verify'` asks it what became of the key and completes the job with that charge, instead of
 * charging the customer again at PayPal. Each provider takes the idempotency key its own way.
 * No side effects at import: `backstop dev` loads it only with `--demo`.
 */
import type { Backstop } from '../src/backstop.js';
import type { AttemptRecord } from '../src/core/attempt.js';
import { DataTypes, FeatureEventTypes } from '../src/core/data-types.js';
import type { AppDefinition } from '../src/core/definition/app-definition.js';
import type { DeclarativeDefinition } from '../src/core/definition/declarative-schema.js';
import { ErrorCodes } from '../src/core/errors.js';
import type { HealthcheckInput } from '../src/core/health/healthcheck-schema.js';
import { type DemoProvider, startDemoProvider } from './demo-providers.js';

export const DEMO_PRODUCT = 'demo';
export const DEMO_ENV = 'dev';
const RECURRING_ID = 'demo-every-5s';
const OUTAGE = { everyMs: 60_000, firstAfterMs: 20_000, forMs: 20_000 };

export interface DemoProviders {
  all: DemoProvider[];
  byName: Record<string, DemoProvider>;
  close(): Promise<void>;
}

/** Started before the worker and closed after it, so a job never calls a simulator that is gone. */
export async function startDemoProviders(): Promise<DemoProviders> {
  const now = () => Date.now().toString(36);
  const all = await Promise.all([
    startDemoProvider('stripe', () => ({ id: `ch_${now()}`, status: 'succeeded' }), { loseAnswers: 0.05 }),
    startDemoProvider('paypal', () => ({ payment_id: `PAY-${now()}`, state: 'approved' }), {
      key: { header: 'PayPal-Request-Id' },
    }),
    startDemoProvider('square', () => ({ payment_id: `sq_${now()}`, status: 'COMPLETED' }), {
      key: { bodyField: 'idempotency_key' },
    }),
    startDemoProvider('twilio', () => ({ sid: `SM${now()}`, status: 'queued' })),
    startDemoProvider('vonage', () => ({ message_id: `vn-${now()}`, status: '0' })),
  ]);
  return {
    all,
    byName: Object.fromEntries(all.map((p) => [p.name, p])),
    close: async () => void (await Promise.all(all.map((p) => p.close()))),
  };
}

/** Defines the demo's apps, healthchecks and chains, then keeps dispatching until `stop()`. */
export async function startDevDemo(
  backstop: Backstop,
  providers: DemoProviders,
  print: (line: string) => void,
): Promise<{ stop(): Promise<void> }> {
  await defineDemo(backstop, providers);
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) fn();
    }, ms);
    timers.add(timer);
  };
  const follow = (id: string, tag: string) => {
    backstop.jobs.wait(id, { timeout: 120_000 }).then(
      (job) => {
        if (stopped) return;
        const how = job.state === 'completed' ? `completed by ${job.provider}` : `failed: ${job.error?.code}`;
        const before = failuresBefore(job.attempts);
        print(`  job ${id} ${tag}: ${how}${before ? ` (${before})` : ''}`);
      },
      () => {}, // stopping, or still queued after two minutes: the dashboard shows it
    );
  };
  const dispatch = async (
    tag: string,
    input: Record<string, unknown>,
    schedule?: { delay?: number; at?: string },
  ) => {
    const job = await backstop.fallback.dispatch({
      product: DEMO_PRODUCT,
      env: DEMO_ENV,
      tag,
      input,
      ...(schedule ? { schedule } : {}),
    });
    follow(job.id, tag);
    return job;
  };
  const burst = async () => {
    print('demo: dispatching 10 jobs: 5 now, 5 delayed up to 15 s; watch them in /admin/queues');
    for (let i = 0; i < 4; i++) await dispatch('payment-fallback', payment());
    for (const delay of [3_000, 6_000, 10_000, 15_000])
      await dispatch('payment-fallback', payment(), { delay });
    await dispatch('sms-fallback', sms());
    await dispatch('sms-fallback', sms(), { at: new Date(Date.now() + 8_000).toISOString() });
  };
  const everyBurst = () =>
    later(30_000, () => {
      burst().catch((error: Error) => print(`demo: dispatch failed: ${error.message}`));
      everyBurst();
    });
  const outage = (first: boolean) =>
    later(first ? OUTAGE.firstAfterMs : OUTAGE.everyMs - OUTAGE.forMs, () => {
      const stripe = providers.byName.stripe!;
      stripe.down = true;
      print(
        `demo: stripe is down (503) for ${OUTAGE.forMs / 1000} s: payments fail over to paypal, /dashboard/health turns it unhealthy`,
      );
      later(OUTAGE.forMs, () => {
        stripe.down = false;
        print('demo: stripe is back up');
        outage(false);
      });
    });

  await burst();
  const recurring = await backstop.fallback.dispatch({
    product: DEMO_PRODUCT,
    env: DEMO_ENV,
    tag: 'payment-fallback',
    input: payment(),
    schedule: { every: 5_000 },
    jobId: RECURRING_ID,
  });
  print(`demo: recurring payment '${recurring.id}' every 5 s (\`backstop status\` lists it)`);
  everyBurst();
  outage(true);
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      // A recurring job must not outlive the demo on a Redis that outlives it (REDIS_URL).
      await backstop.schedules.remove(RECURRING_ID).catch(() => {});
    },
  };
}

/** `stripe skipped (unhealthy)`, `stripe failed 3×`: what the chain went through before it served. */
function failuresBefore(attempts: readonly AttemptRecord[]): string {
  const notes = new Map<string, string>();
  for (const a of attempts) {
    if (a.outcome === 'success') continue;
    if (a.outcome === 'verify') {
      notes.set(a.provider, `${a.provider} lost its answer; verify: ${a.verify}`);
      continue;
    }
    const failed = attempts.filter((b) => b.provider === a.provider && b.outcome === 'failure').length;
    notes.set(
      a.provider,
      a.outcome === 'skipped' ? `${a.provider} skipped (${a.skipped})` : `${a.provider} failed ${failed}×`,
    );
  }
  return [...notes.values()].join(', ');
}

async function defineDemo(backstop: Backstop, providers: DemoProviders): Promise<void> {
  const lookup = { method: 'GET', path: '/verify', idempotency: false } as const;
  const actions: Record<string, AppDefinition['actions']> = {
    stripe: { 'create-charge': { method: 'POST', path: '/v1/charges' }, 'find-payment': lookup },
    paypal: { 'create-payment': { method: 'POST', path: '/v2/payments' }, 'find-payment': lookup },
    square: { charge: { method: 'POST', path: '/v2/payments' }, 'find-payment': lookup },
    twilio: { 'send-sms': { method: 'POST', path: '/2010-04-01/Messages.json' } },
    vonage: { 'send-sms': { method: 'POST', path: '/sms/json' } },
  };
  // Where each takes the idempotency key: Stripe's header (409 while a key is in use), PayPal's own
  // header, Square's body field.
  const idempotency: Record<string, AppDefinition['idempotency']> = {
    stripe: { header: 'Idempotency-Key', inProgressStatus: 409 },
    paypal: { header: 'PayPal-Request-Id' },
    square: { bodyField: 'idempotency_key' },
  };
  for (const provider of providers.all) {
    await backstop.app.define({
      tag: provider.name,
      ...(idempotency[provider.name] ? { idempotency: idempotency[provider.name] } : {}),
      envs: { [DEMO_ENV]: { baseUrl: provider.url } },
      actions: { ...actions[provider.name], ping: { method: 'GET', path: '/ping', timeout: 2_000 } },
    });
    const healthcheck: HealthcheckInput = {
      name: `${provider.name} health`,
      tag: `${provider.name}-health`,
      app: provider.name,
      event: 'ping',
      interval: 3_000,
      retries: 2,
      envs: [{ slug: DEMO_ENV }],
    };
    await upsert(
      () => backstop.health.create(DEMO_PRODUCT, healthcheck),
      () => backstop.health.update(DEMO_PRODUCT, healthcheck.tag, healthcheck),
    );
  }
  for (const definition of [paymentChain(), smsChain()]) {
    await upsert(
      () => backstop.fallback.create(DEMO_PRODUCT, definition),
      () => backstop.fallback.update(DEMO_PRODUCT, definition.tag, definition),
    );
  }
}

/** Creating the same definition again is a no-op; a changed one (an older demo's) is updated. */
async function upsert(create: () => Promise<unknown>, update: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: string }).code !== ErrorCodes.CONFLICT) throw error;
    await update();
  }
}

const fast = { type: 'exponential', delay: 100, maxDelay: 500 } as const;

function paymentChain(): DeclarativeDefinition {
  const money = { amount: '$Input{amount}', currency: '$Input{currency}' };
  // After a lost answer, ask the provider what became of the key before paying elsewhere.
  const verify = {
    event: 'find-payment',
    input: { query: { key: '$Run{idempotencyKey}' } },
    output: '$Response{payment}',
  };
  return {
    name: 'Payment Provider Fallback',
    tag: 'payment-fallback',
    description: 'Stripe, then PayPal, then Square',
    input: { amount: { type: DataTypes.NUMBER }, currency: { type: DataTypes.STRING } },
    onAmbiguous: 'verify',
    strictOutput: true,
    options: [
      {
        type: FeatureEventTypes.ACTION,
        app: 'stripe',
        event: 'create-charge',
        input: money,
        output: { transactionId: '$Response{id}', status: '$Response{status}' },
        retries: 2,
        timeout: 2_000,
        backoff: fast,
        healthcheck: 'stripe-health',
        verify,
      },
      {
        type: FeatureEventTypes.ACTION,
        app: 'paypal',
        event: 'create-payment',
        input: money,
        output: { transactionId: '$Response{payment_id}', status: '$Response{state}' },
        retries: 1,
        timeout: 2_000,
        backoff: fast,
        healthcheck: 'paypal-health',
        verify,
      },
      {
        type: FeatureEventTypes.ACTION,
        app: 'square',
        event: 'charge',
        input: { amount_money: money },
        output: { transactionId: '$Response{payment_id}', status: '$Response{status}' },
        retries: 1,
        timeout: 2_000,
        backoff: fast,
        healthcheck: 'square-health',
        verify,
      },
    ],
  };
}

function smsChain(): DeclarativeDefinition {
  return {
    name: 'SMS Provider Fallback',
    tag: 'sms-fallback',
    description: 'Twilio, then Vonage',
    input: { to: { type: DataTypes.STRING }, text: { type: DataTypes.STRING } },
    options: [
      {
        type: FeatureEventTypes.ACTION,
        app: 'twilio',
        event: 'send-sms',
        input: { To: '$Input{to}', Body: '$Input{text}' },
        output: { messageId: '$Response{sid}' },
        retries: 1,
        backoff: fast,
        healthcheck: 'twilio-health',
      },
      {
        type: FeatureEventTypes.ACTION,
        app: 'vonage',
        event: 'send-sms',
        input: { to: '$Input{to}', text: '$Input{text}' },
        output: { messageId: '$Response{message_id}' },
        retries: 1,
        backoff: fast,
        healthcheck: 'vonage-health',
      },
    ],
  };
}

function payment(): Record<string, unknown> {
  return { amount: 500 + Math.floor(Math.random() * 9_500), currency: Math.random() < 0.5 ? 'USD' : 'EUR' };
}

function sms(): Record<string, unknown> {
  return {
    to: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
    text: 'Your code is 123456',
  };
}

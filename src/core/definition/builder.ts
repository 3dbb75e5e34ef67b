import type { BackoffSpec } from '../backoff.js';
import type { InputMapper, OutputMapper, ProviderSpec } from '../chain.js';
import type { HealthPolicyInput } from '../health/health-policy.js';
import { type HealthSettings, healthPolicySchema } from '../health/health-policy-schema.js';
import { rateLimitSchema } from '../rate-limit.js';
import type { InlineHandler, TargetRef } from '../target-ref.js';
import type { TemplateScope } from '../template/scope.js';
import { ValidationError } from '../validation-error.js';
import type { AmbiguityPolicy, Verifier } from '../verify.js';
import {
  backoffSchema,
  batchSchema,
  DEFAULT_BACKOFF,
  DEFAULT_TIMEOUT_MS,
  HEDGE_UNSAFE,
  hedgeSchema,
  onAmbiguousSchema,
  positiveMs,
  retriesSchema,
  tagSchema,
  weightSchema,
} from './common-schema.js';

/** What a code-first `mapInput` gets besides the input: the previous provider's failure, the session, the key. */
export interface MapContext {
  fallback: TemplateScope['fallback'];
  /** The verified claims of the run's session token, when the run was given one. */
  session: TemplateScope['session'];
  /** This provider's idempotency key, for providers that take it in the body or the query. */
  idempotencyKey: string;
}

type Partial = {
  kind?: 'app' | 'database' | 'workflow' | 'notification' | 'feature' | 'handler';
  address?: string;
  action?: string;
  fn?: InlineHandler;
};

/**
 * The fluent provider builder of code-first chains: `ctx.primary('stripe').healthcheck('stripe-health')
 * .app('stripe-app').action('charge').mapInput(…).mapOutput(…).retries(2)`.
 */
export class ProviderBuilder {
  private readonly target: Partial = {};
  private spec: Omit<ProviderSpec, 'target'>;
  private staticInput: unknown;

  constructor(
    readonly name: string,
    private readonly path: string,
  ) {
    this.spec = { name, retries: 0, timeoutMs: DEFAULT_TIMEOUT_MS, backoff: DEFAULT_BACKOFF };
  }

  healthcheck(tag: string): this {
    this.spec.healthcheck = this.check('healthcheck', tagSchema, tag);
    return this;
  }
  app(tag: string): this {
    return this.setTarget('app', tag);
  }
  database(tag: string): this {
    return this.setTarget('database', tag);
  }
  workflow(tag: string): this {
    return this.setTarget('workflow', tag);
  }
  notification(tag: string): this {
    return this.setTarget('notification', tag);
  }
  /** A feature as the provider (as a declarative option of `type: FEATURE`): its output is the response. */
  feature(tag: string): this {
    return this.setTarget('feature', tag);
  }
  /** The action of an app or database target. */
  action(tag: string): this {
    if (this.target.kind !== 'app' && this.target.kind !== 'database') {
      throw this.error('action', 'call .app(tag) or .database(tag) before .action()');
    }
    this.target.action = this.check('action', tagSchema, tag);
    return this;
  }
  /** The event of a notification target. */
  event(tag: string): this {
    if (this.target.kind !== 'notification')
      throw this.error('event', 'call .notification(tag) before .event()');
    this.target.action = this.check('event', tagSchema, tag);
    return this;
  }
  /** An in-process function as the target. */
  handler(fn: InlineHandler): this {
    if (typeof fn !== 'function') throw this.error('handler', 'expected a function');
    this.target.kind = 'handler';
    this.target.fn = fn;
    return this;
  }
  /** Static input merged over the mapped input (`.workflow(tag).input({ … })`). */
  input(value: Record<string, unknown>): this {
    if (value === null || typeof value !== 'object') throw this.error('input', 'expected an object');
    this.staticInput = value;
    return this;
  }
  // biome-ignore lint/suspicious/noExplicitAny: the input is user data shaped by their schema; mappings read input.amount directly
  mapInput(fn: (input: any, ctx: MapContext) => unknown): this {
    if (typeof fn !== 'function') throw this.error('mapInput', 'expected a function');
    this.spec.mapInput = (input, scope) =>
      fn(input, {
        fallback: scope.fallback,
        session: scope.session,
        idempotencyKey: scope.run?.idempotencyKey ?? '',
      });
    return this;
  }
  // biome-ignore lint/suspicious/noExplicitAny: a provider's response is whatever it answers; mappings read res.id directly
  mapOutput(fn: (response: any) => Record<string, unknown>): this {
    if (typeof fn !== 'function') throw this.error('mapOutput', 'expected a function');
    this.spec.mapOutput = (response) => fn(response);
    return this;
  }
  /** Every field `mapOutput` returns must be defined: a missing one fails the run (BACKSTOP_MAPPING_FAILED). */
  strictOutput(strict = true): this {
    this.spec.strictOutput = strict;
    return this;
  }
  /** What to do when this provider's retries are used up and it may have acted: 'failover', 'stop' or 'verify'. */
  onAmbiguous(policy: AmbiguityPolicy): this {
    this.spec.onAmbiguous = this.check('onAmbiguous', onAmbiguousSchema, policy);
    return this;
  }
  /**
   * Asks the provider what became of an ambiguous call's idempotency key (and makes 'verify' this
   * provider's onAmbiguous unless set): `{ status: 'succeeded', response }` (the response becomes the
   * run's result, through mapOutput), `{ status: 'not-found' }` (fail over safely) or
   * `{ status: 'unknown' }` (stop).
   */
  verify(fn: Verifier): this {
    if (typeof fn !== 'function') throw this.error('verify', 'expected a function');
    this.spec.verify = fn;
    return this;
  }
  /** A quota provider's share of traffic, relative to the others' (default 1; 0 drains it). */
  weight(value: number): this {
    this.spec.weight = this.check('weight', weightSchema, value);
    return this;
  }
  /** Takes up to `maxSize` items of a batch run in one call (`fallback.runBatch`). */
  batch(spec: { maxSize: number }): this {
    this.spec.batch = this.check('batch', batchSchema, spec);
    return this;
  }
  retries(count: number): this {
    this.spec.retries = this.check('retries', retriesSchema, count);
    return this;
  }
  checkInterval(ms: number): this {
    this.spec.checkInterval = this.check('checkInterval', positiveMs, ms);
    return this;
  }
  timeout(ms: number): this {
    this.spec.timeoutMs = this.check('timeout', positiveMs, ms);
    return this;
  }
  backoff(spec: BackoffSpec): this {
    this.spec.backoff = this.check('backoff', backoffSchema, spec);
    return this;
  }
  /** Hedged calls when it is slow to answer: `{ delay, maxAttempts, safe }` (hedge.ts). */
  hedge(spec: { delay: number; maxAttempts?: number; safe?: boolean }): this {
    this.spec.hedge = this.check('hedge', hedgeSchema, spec);
    return this;
  }
  /** At most `max` calls per `per` (ms or '1s', '1m') to this provider, across every process. */
  rateLimit(max: number, per: number | string): this {
    this.spec.rateLimit = this.check('rateLimit', rateLimitSchema, { max, per });
    return this;
  }
  /** Health settings of this provider, over the chain's `health` (README, "Healthchecks"). */
  health(settings: HealthSettings): this {
    this.spec.health = this.check('health', healthPolicySchema, settings) as HealthPolicyInput;
    return this;
  }

  /** @internal */
  build(): ProviderSpec {
    const target = this.buildTarget();
    if (this.spec.hedge && !this.spec.hedge.safe && target.kind !== 'app')
      throw this.error('hedge.safe', HEDGE_UNSAFE);
    return { ...this.spec, target, mapInput: this.buildInputMapper() };
  }

  private buildInputMapper(): InputMapper | undefined {
    const map = this.spec.mapInput;
    const fixed = this.staticInput as Record<string, unknown> | undefined;
    if (!fixed) return map;
    return (input, scope) => {
      const mapped = map ? map(input, scope) : input;
      return { ...(mapped as Record<string, unknown>), ...fixed };
    };
  }

  private buildTarget(): TargetRef {
    const { kind, address, action, fn } = this.target;
    switch (kind) {
      case 'handler':
        return { kind, fn: fn! };
      case 'app':
      case 'database':
        if (!action) throw this.error('action', `a ${kind} target needs .action(tag)`);
        return kind === 'app' ? { kind, app: address!, action } : { kind, database: address!, action };
      case 'notification':
        if (!action) throw this.error('event', 'a notification target needs .event(tag)');
        return { kind, notification: address!, event: action };
      case 'workflow':
        return { kind, workflow: address! };
      case 'feature':
        return { kind, feature: address! };
      default:
        throw this.error(
          'target',
          'no target: call .app().action(), .handler(fn), .database().action(), .workflow() or .notification().event()',
        );
    }
  }

  private setTarget(kind: 'app' | 'database' | 'workflow' | 'notification' | 'feature', tag: string): this {
    if (this.target.kind && this.target.kind !== kind) {
      throw this.error(kind, `provider already targets a ${this.target.kind}; a provider has one target`);
    }
    this.target.kind = kind;
    this.target.address = this.check(kind, tagSchema, tag);
    return this;
  }

  private check<T>(
    field: string,
    schema: {
      safeParse(v: unknown): { success: boolean; data?: T; error?: { issues: { message: string }[] } };
    },
    value: unknown,
  ): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw this.error(field, parsed.error?.issues.map((i) => i.message).join('; ') ?? 'invalid');
    }
    return parsed.data as T;
  }

  private error(field: string, message: string): ValidationError {
    return ValidationError.field(`${this.path}.${field}`, message, `provider '${this.name}'`);
  }
}

export type { OutputMapper };

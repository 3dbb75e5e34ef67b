import { ValidationError } from '../validation-error.js';
import type { OnFailureInput } from './healthcheck-schema.js';

type Webhook = NonNullable<OnFailureInput['webhook']>;

/** `ctx.onFailure().webhook({ url, … }).emit({ event })`: a code-first healthcheck's alerts. */
export class OnFailureBuilder {
  private spec: { webhook?: Webhook; emit?: { event: string } } = {};

  /** A signed JSON request to `url` on each transition (POST unless `method` says PUT), retried. */
  webhook(webhook: Webhook): this {
    this.spec.webhook = webhook;
    return this;
  }

  /** An event on `backstop.on('health.alert')` in every process, named `event`. */
  emit(emit: { event: string }): this {
    this.spec.emit = emit;
    return this;
  }

  /** @internal */
  build(): OnFailureInput {
    return this.spec as OnFailureInput;
  }
}

/** The `ctx` of a code-first healthcheck's `alerts` function. */
export class AlertBuilderContext {
  private builder: OnFailureBuilder | undefined;

  onFailure(): OnFailureBuilder {
    this.builder ??= new OnFailureBuilder();
    return this.builder;
  }

  /** @internal */
  build(): OnFailureInput | undefined {
    return this.builder?.build();
  }
}

/** What a code-first healthcheck's `alerts` function builds, if it is given one. */
export function onFailureOf(alerts: unknown): OnFailureInput | undefined {
  if (alerts === undefined) return undefined;
  if (typeof alerts !== 'function')
    throw ValidationError.field('alerts', 'expected a function: (ctx) => ctx.onFailure().webhook(…)');
  const ctx = new AlertBuilderContext();
  (alerts as (ctx: AlertBuilderContext) => void)(ctx);
  return ctx.build();
}

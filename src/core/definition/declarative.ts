import type { Chain, ProviderSpec } from '../chain.js';
import { FeatureEventTypes } from '../data-types.js';
import { type HealthPolicyInput, overlay } from '../health/health-policy.js';
import { compileInputSchema, readableInputFields } from '../input-schema.js';
import type { TargetRef } from '../target-ref.js';
import { compileTemplate } from '../template/compile.js';
import { ValidationError } from '../validation-error.js';
import { parseOrThrow } from '../zod-issues.js';
import { applyAmbiguityPolicy } from './ambiguity-policy.js';
import {
  chainHealthOf,
  classifierFor,
  DEFAULT_BACKOFF,
  DEFAULT_TIMEOUT_MS,
  HEDGE_UNSAFE,
} from './common-schema.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from './compile-context.js';
import {
  type DeclarativeDefinition,
  declarativeDefinitionSchema,
  type ParsedDeclarativeDefinition,
  type ParsedFallbackOption,
} from './declarative-schema.js';
import { compileVerify } from './declarative-verify.js';

/** Validates a declarative definition; tracked fields are dropped, defaults filled in. */
export function parseDeclarative(definition: DeclarativeDefinition | unknown): ParsedDeclarativeDefinition {
  const data = parseOrThrow(declarativeDefinitionSchema, definition, 'invalid fallback definition');
  data.options = data.options.map(({ provider_status, last_available, last_checked, ...rest }) => rest);
  return data;
}

/** Compiles a parsed definition once: templates become closures, options become providers. */
export function compileDeclarative(
  definition: ParsedDeclarativeDefinition,
  product: string,
  version: number,
  context: CompileContext = DEFAULT_COMPILE_CONTEXT,
): Chain {
  const { secrets, maxJsonDepth: maxDepth } = context;
  const inputFields = readableInputFields(definition.input);
  const names = new Map<string, number>();
  const health = chainHealthOf(definition.health);
  const providers = definition.options.map((option, index): ProviderSpec => {
    const path = `options[${index}]`;
    const name = option.provider ?? option.app ?? option.event;
    const previous = names.get(name);
    if (previous !== undefined) {
      throw ValidationError.field(
        `${path}.provider`,
        `provider name '${name}' is already used by options[${previous}]; give this option a distinct 'provider'`,
      );
    }
    names.set(name, index);
    if (option.hedge && !option.hedge.safe && option.type !== FeatureEventTypes.ACTION)
      throw ValidationError.field(`${path}.hedge.safe`, HEDGE_UNSAFE);
    const input =
      option.input === undefined
        ? undefined
        : compileTemplate(option.input, `${path}.input`, {
            namespaces: ['Input', 'Secret', 'Fallback', 'Session', 'Run'],
            inputFields,
            secrets,
            maxDepth,
          });
    const output =
      option.output === undefined
        ? undefined
        : compileTemplate(option.output, `${path}.output`, {
            namespaces: ['Response', 'Input', 'Fallback', 'Session'],
            inputFields,
            maxDepth,
          });
    return {
      name,
      target: targetOf(option, path),
      healthcheck: option.healthcheck,
      retries: option.retries,
      timeoutMs: option.timeout ?? DEFAULT_TIMEOUT_MS,
      backoff: option.backoff ?? DEFAULT_BACKOFF,
      checkInterval: option.check_interval,
      health: overlay(health.providers, option.health as HealthPolicyInput | undefined),
      hedge: option.hedge,
      batch: option.batch,
      rateLimit: option.rateLimit,
      mapInput: input && ((value, scope) => input({ ...scope, input: value })),
      mapOutput: output && ((response, scope) => output({ ...scope, response })),
      strictOutput: option.strictOutput ?? definition.strictOutput,
      onAmbiguous: option.onAmbiguous,
      verify: option.verify && compileVerify(option, option.verify, `${path}.verify`, inputFields),
    };
  });
  return {
    product,
    tag: definition.tag,
    name: definition.name,
    description: definition.description,
    version,
    input: definition.input,
    validateInput: compileInputSchema(definition.input, maxDepth),
    providers: applyAmbiguityPolicy(providers, definition.onAmbiguous, (i) => `options[${i}]`),
    deadlineMs: definition.deadline,
    whenAllUnhealthy: definition.whenAllUnhealthy,
    panic: health.panic,
    onAmbiguous: definition.onAmbiguous,
    classify: classifierFor(definition.errors),
    queue: definition.queue,
  };
}

function targetOf(option: ParsedFallbackOption, path: string): TargetRef {
  const needApp = (what: string) => {
    if (!option.app)
      throw ValidationError.field(`${path}.app`, `required when type is '${option.type}' (${what})`);
    return option.app;
  };
  switch (option.type) {
    case FeatureEventTypes.ACTION:
      return { kind: 'app', app: needApp('the app whose action `event` names'), action: option.event };
    case FeatureEventTypes.DATABASE:
      return { kind: 'database', database: needApp('the database tag'), action: option.event };
    case FeatureEventTypes.NOTIFICATION:
      return { kind: 'notification', notification: needApp('the notification tag'), event: option.event };
    case FeatureEventTypes.FALLBACK:
    case FeatureEventTypes.WORKFLOW:
      return { kind: 'workflow', workflow: option.event };
    case FeatureEventTypes.FEATURE:
      return { kind: 'feature', feature: option.event };
  }
}

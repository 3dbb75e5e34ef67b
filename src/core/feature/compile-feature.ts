import type { ProviderSpec } from '../chain.js';
import { FeatureEventTypes } from '../data-types.js';
import { classifierFor, DEFAULT_BACKOFF, DEFAULT_TIMEOUT_MS } from '../definition/common-schema.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from '../definition/compile-context.js';
import { compileInputSchema, readableInputFields } from '../input-schema.js';
import type { TargetRef } from '../target-ref.js';
import { type CompileOptions, compileTemplate } from '../template/compile.js';
import { ValidationError } from '../validation-error.js';
import { parseOrThrow } from '../zod-issues.js';
import type { Feature, FeatureStep } from './feature.js';
import {
  featureDefinitionSchema,
  type ParsedFeatureDefinition,
  type ParsedFeatureEvent,
} from './feature-schema.js';

export function parseFeature(raw: unknown): ParsedFeatureDefinition {
  return parseOrThrow(featureDefinitionSchema, raw, 'invalid feature definition');
}

/**
 * Compiles a feature once: step names are checked for duplicates, every template is compiled, and
 * `$Sequence{step}` may only name a step that runs earlier.
 */
export function compileFeature(
  definition: ParsedFeatureDefinition,
  product: string,
  version: number,
  context: CompileContext = DEFAULT_COMPILE_CONTEXT,
): Feature {
  const { secrets, maxJsonDepth: maxDepth } = context;
  const inputFields = readableInputFields(definition.input);
  const earlier = new Set<string>();
  const steps = definition.events.map((event, index): FeatureStep => {
    const path = `events[${index}]`;
    const name = event.tag ?? event.event;
    if (earlier.has(name)) {
      throw ValidationError.field(
        `${path}.tag`,
        `step name '${name}' is already used by an earlier event; give this event a distinct 'tag'`,
      );
    }
    const options: CompileOptions = { inputFields, earlierSteps: new Set(earlier), secrets, maxDepth };
    const step = compileStep(event, name, path, options, product);
    earlier.add(name);
    return step;
  });
  const output =
    definition.output === undefined
      ? undefined
      : compileTemplate(definition.output, 'output', {
          inputFields,
          earlierSteps: earlier,
          namespaces: ['Input', 'Sequence', 'Session'],
          maxDepth,
        });
  return {
    product,
    tag: definition.tag,
    name: definition.name,
    description: definition.description,
    version,
    input: definition.input,
    validateInput: compileInputSchema(definition.input, maxDepth),
    steps,
    output,
    deadlineMs: definition.deadline,
  };
}

function compileStep(
  event: ParsedFeatureEvent,
  name: string,
  path: string,
  options: CompileOptions,
  product: string,
): FeatureStep {
  const input =
    event.input === undefined
      ? undefined
      : compileTemplate(event.input, `${path}.input`, {
          ...options,
          namespaces: ['Input', 'Sequence', 'Session', 'Secret'],
        });
  const output =
    event.output === undefined
      ? undefined
      : compileTemplate(event.output, `${path}.output`, {
          ...options,
          namespaces: ['Response', 'Input', 'Sequence', 'Session'],
        });
  switch (event.type) {
    case FeatureEventTypes.FALLBACK:
    case FeatureEventTypes.WORKFLOW:
    case FeatureEventTypes.FEATURE:
      for (const field of ['app', 'retries', 'timeout', 'backoff', 'healthcheck'] as const) {
        if (event[field] !== undefined) {
          throw ValidationError.field(
            `${path}.${field}`,
            `not used by a ${event.type} step: the ${event.type === FeatureEventTypes.FEATURE ? 'feature' : 'fallback'} '${event.event}' has its own`,
          );
        }
      }
      return {
        kind: event.type === FeatureEventTypes.FEATURE ? 'feature' : 'fallback',
        name,
        type: event.type,
        tag: event.event,
        input,
        output,
      };
    default: {
      const provider: ProviderSpec = {
        name: event.app ?? name,
        target: providerTarget(event, path),
        healthcheck: event.healthcheck,
        retries: event.retries ?? 0,
        timeoutMs: event.timeout ?? DEFAULT_TIMEOUT_MS,
        backoff: event.backoff ?? DEFAULT_BACKOFF,
        mapInput: input && ((value, scope) => input({ ...scope, input: value })),
        mapOutput: output && ((response, scope) => output({ ...scope, response })),
      };
      return {
        kind: 'provider',
        name,
        type: event.type,
        chain: {
          product,
          tag: name,
          name,
          version: 1,
          input: {},
          validateInput: (value) => value as Record<string, unknown>,
          providers: [provider],
          classify: classifierFor(undefined),
          whenAllUnhealthy: 'try-anyway',
        },
      };
    }
  }
}

function providerTarget(event: ParsedFeatureEvent, path: string): TargetRef {
  if (!event.app) throw ValidationError.field(`${path}.app`, `required when type is '${event.type}'`);
  switch (event.type) {
    case FeatureEventTypes.DATABASE:
      return { kind: 'database', database: event.app, action: event.event };
    case FeatureEventTypes.NOTIFICATION:
      return { kind: 'notification', notification: event.app, event: event.event };
    default:
      return { kind: 'app', app: event.app, action: event.event };
  }
}

import { FeatureEventTypes } from '../data-types.js';
import { ProviderError } from '../provider-errors.js';
import { compileTemplate } from '../template/compile.js';
import { ValidationError } from '../validation-error.js';
import type { Verifier, VerifyAnswer } from '../verify.js';
import type { ParsedFallbackOption } from './declarative-schema.js';

type VerifyOption = NonNullable<ParsedFallbackOption['verify']>;

/** Answers that say the key is unknown to the provider: the ambiguous call never took effect. */
const NOT_FOUND = new Set([404, 410]);

/**
 * The declarative `verify: { event, input, output }`: calls action `event` of the option's own app
 * with the key in the place `input` puts it (`$Run{idempotencyKey}`), bounded like an attempt.
 */
export function compileVerify(
  option: ParsedFallbackOption,
  verify: VerifyOption,
  path: string,
  inputFields: ReadonlySet<string> | undefined,
): Verifier {
  if (option.type !== FeatureEventTypes.ACTION || !option.app) {
    throw ValidationError.field(
      path,
      'verify calls an action of the same app: only for options of type ACTION',
    );
  }
  const target = { kind: 'app' as const, app: option.app, action: verify.event };
  const input =
    verify.input === undefined
      ? undefined
      : compileTemplate(verify.input, `${path}.input`, {
          namespaces: ['Input', 'Secret', 'Session', 'Run'],
          inputFields,
        });
  const output =
    verify.output === undefined
      ? undefined
      : compileTemplate(verify.output, `${path}.output`, {
          namespaces: ['Response', 'Input', 'Run'],
          inputFields,
        });
  return async (ctx): Promise<VerifyAnswer> => {
    const run = { idempotencyKey: ctx.idempotencyKey, runId: ctx.runId, provider: ctx.provider };
    const request = input?.({ input: ctx.input, run });
    let answer: unknown;
    try {
      answer = await ctx.call(target, request);
    } catch (error) {
      if (error instanceof ProviderError && error.status !== undefined && NOT_FOUND.has(error.status))
        return { status: 'not-found' };
      throw error;
    }
    const response = output ? output({ input: ctx.input, run, response: answer }) : answer;
    if (response === undefined || response === null || response === '') return { status: 'not-found' };
    return { status: 'succeeded', response };
  };
}

import { ErrorCodes } from '../core/errors.js';
import type { TargetContext } from '../core/target.js';

/** How much of a body that is not valid JSON the attempt record keeps. */
const RAW_KEPT = 1_024;

/**
 * A 2xx answer's body: JSON when it says or looks so, else the text. JSON that does not parse is
 * not an error (the provider did act) but it is not silent either: the attempt record gets a
 * warning with the start of what came, and `strictOutput` makes the missing fields a failure.
 */
export function parseAnswer(
  text: string,
  contentType: string | null,
  status: number,
  ctx: TargetContext,
): unknown {
  if (text === '') return {};
  if (contentType?.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (error) {
      ctx.warn?.({
        code: ErrorCodes.INVALID_JSON,
        message: `HTTP ${status} answer is not valid JSON (${(error as Error).message}); its mapped fields read nothing`,
        raw: text.slice(0, RAW_KEPT),
      });
      return text;
    }
  }
  return text;
}

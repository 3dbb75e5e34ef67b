import type { ProviderSpec } from './chain.js';
import type { TemplateScope } from './template/scope.js';
import { ValidationError } from './validation-error.js';

/**
 * `{ provider, ...output }`. A mapping may name the provider itself (the code-first examples do); a raw response
 * may not, so that a vendor's own `provider` field never hides which provider served. With
 * `strictOutput`, a mapped field that read nothing (a response without `id`, a body that was not
 * JSON) is an error rather than a success without a transaction id.
 */
export function normalize(
  provider: ProviderSpec,
  response: unknown,
  scope: TemplateScope,
): Record<string, unknown> {
  if (!provider.mapOutput) {
    return isRecord(response)
      ? { ...response, provider: provider.name }
      : { provider: provider.name, value: response };
  }
  const mapped = provider.mapOutput(response, scope);
  if (provider.strictOutput) {
    const missing: string[] = [];
    findMissing(mapped, 'output', missing);
    if (missing.length > 0) {
      throw new ValidationError(
        missing.map((path) => ({ path, message: "missing from the provider's answer (strictOutput)" })),
      );
    }
  }
  return isRecord(mapped)
    ? { provider: provider.name, ...mapped }
    : { provider: provider.name, value: mapped };
}

function findMissing(value: unknown, path: string, out: string[]): void {
  if (value === undefined) out.push(path);
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) findMissing(item, `${path}[${i}]`, out);
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) findMissing(item, `${path}.${key}`, out);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

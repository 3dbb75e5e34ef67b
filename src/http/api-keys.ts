import { z } from 'zod';
import { tagSchema } from '../core/definition/common-schema.js';
import { ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';

/** A key the API accepts. `read` keys may only read; `write` keys may also change and run. */
export interface ApiKey {
  key: string;
  scope: 'read' | 'write';
  /** Names the key in logs and rate-limit buckets (never the key itself). Default: `key-<n>`. */
  name?: string;
}

/** A key with its name settled. */
export type NamedApiKey = Required<ApiKey>;

const apiKeysSchema = z
  .array(
    z.strictObject({
      key: z.string().min(1, 'expected a non-empty key'),
      scope: z.enum(['read', 'write']),
      name: tagSchema.optional(),
    }),
  )
  .min(1, 'expected at least one API key');

/** Validates the keys: names and keys unique (a name is a rate-limit bucket), scopes known. */
export function parseApiKeys(keys: unknown): NamedApiKey[] {
  const parsed = parseOrThrow(apiKeysSchema, keys, 'invalid API keys', 'keys');
  const named = parsed.map((k, i) => ({ key: k.key, scope: k.scope, name: k.name ?? `key-${i + 1}` }));
  const names = new Set<string>();
  const values = new Set<string>();
  named.forEach((k, i) => {
    if (names.has(k.name)) throw ValidationError.field(`keys[${i}].name`, `duplicate name '${k.name}'`);
    if (values.has(k.key)) throw ValidationError.field(`keys[${i}].key`, 'the same key is listed twice');
    names.add(k.name);
    values.add(k.key);
  });
  return named;
}

const ENV_FORMAT =
  "comma-separated name:key:scope entries, scope read or write, e.g. 'ci:s3cr3t:write,grafana:r34d:read'";

/**
 * `BACKSTOP_API_KEYS="ci:<key>:write,grafana:<key>:read"`: entries separated by commas, each
 * `name:key:scope`. The name is everything before the first colon and the scope after the last,
 * so a key may itself contain colons (not commas). Errors name the variable and the entry, never
 * the key.
 */
export function apiKeysFromEnv(value: string | undefined): NamedApiKey[] {
  if (value === undefined || value.trim() === '') {
    throw ValidationError.field(
      'BACKSTOP_API_KEYS',
      `not set: expected ${ENV_FORMAT}`,
      'invalid configuration',
    );
  }
  // Blank entries (a trailing comma) are ignored.
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const keys = entries.map((entry, i): ApiKey => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    const name = entry.slice(0, first);
    const key = entry.slice(first + 1, last);
    const scope = entry.slice(last + 1);
    if (first < 0 || first === last || !name || !key || (scope !== 'read' && scope !== 'write')) {
      const which = name && first >= 0 ? ` ('${name}:…')` : '';
      const message = `malformed entry${which}: expected ${ENV_FORMAT}`;
      throw ValidationError.field(`BACKSTOP_API_KEYS[${i}]`, message, 'invalid configuration');
    }
    return { name, key, scope };
  });
  try {
    return parseApiKeys(keys);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // Re-root the paths at the variable, and keep key values out of the message.
    const issues = error.issues.map((issue) => ({
      path: issue.path.replace(/^keys\[(\d+)\]/, (_m, n: string) => `BACKSTOP_API_KEYS[${Number(n)}]`),
      message: issue.message,
    }));
    throw new ValidationError(issues, 'invalid configuration');
  }
}

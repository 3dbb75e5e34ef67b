import type { z } from 'zod';
import { readPath } from './path.js';
import { ValidationError, type ValidationIssue } from './validation-error.js';

/** Parses or throws a ValidationError whose issues name each field (rooted at `root`) and what was expected. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  data: unknown,
  context: string,
  root = '',
): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ValidationError(fromZodError(parsed.error, root, data), context);
  return parsed.data;
}

/** Rewrites zod's issues as `path: expected …` lines rooted at `root` (e.g. `input.amount`). */
export function fromZodError(error: z.ZodError, root = '', data?: unknown): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    // An unknown field is named in its own path, so that `tga` shows as `tga: unknown field`.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath(root, [...issue.path, key]),
        message: 'unknown field',
      }));
    }
    return [
      {
        path: formatPath(root, issue.path),
        message: describe(issue, readPath(data, issue.path.filter(isKey))),
      },
    ];
  });
}

function isKey(key: PropertyKey): key is string | number {
  return typeof key !== 'symbol';
}

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, received: unknown): string {
  if (issue.code === 'invalid_type') {
    return received === undefined
      ? `required, expected ${issue.expected}`
      : `expected ${issue.expected}, received ${kindOf(received)}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

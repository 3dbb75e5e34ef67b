import type { z } from 'zod';
import type { ValidationIssue } from './validation-error.js';

/** Rewrites zod's issues as `path: expected …` lines rooted at `root` (e.g. `input.amount`). */
export function fromZodError(error: z.ZodError, root = ''): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(root, issue.path),
    message: describe(issue),
  }));
}

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = (issue as { input?: unknown }).input;
    return received === undefined
      ? `required, expected ${issue.expected}`
      : `expected ${issue.expected}, received ${kindOf(received)}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

import { ValidationError } from './validation-error.js';

/** A parsed property path: `a.b[0].c` → ['a', 'b', 0, 'c']. */
export type PropertyPath = readonly (string | number)[];

const SEGMENT = /^[A-Za-z_$][\w$-]*$/;

export function parsePath(text: string, fieldPath = 'path'): PropertyPath {
  const out: (string | number)[] = [];
  const trimmed = text.trim();
  if (trimmed === '') throw ValidationError.field(fieldPath, 'expected a non-empty property path');
  for (const part of trimmed.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    const name = match?.[1];
    if (!match || name === undefined || (name !== '' && !SEGMENT.test(name)) || (name === '' && !match[2])) {
      throw ValidationError.field(fieldPath, `malformed property path '${text}'`);
    }
    if (name !== '') out.push(name);
    for (const index of match[2]?.matchAll(/\[(\d+)\]/g) ?? []) out.push(Number(index[1]));
  }
  return out;
}

/** Reads a path; a missing step gives undefined rather than throwing. */
export function readPath(value: unknown, path: PropertyPath): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || current === undefined) return undefined;
    if (typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

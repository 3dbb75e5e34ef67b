import { ValidationError } from './validation-error.js';

/** Containers nested deeper than this are refused unless the operator says otherwise. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * The path of the first object or array nested deeper than `maxDepth` (the value itself is level
 * 1), or undefined. Iterative on purpose: it runs before anything recursive (schema parsing,
 * template compilation, JSON.stringify, cache keys) so that a 30 KB body of 5,000 levels is a
 * validation error instead of a stack overflow.
 */
export function tooDeepPath(value: unknown, maxDepth: number): (string | number)[] | undefined {
  if (!isContainer(value)) return undefined;
  // Each entry: a container, its level, and the key that led to it from its parent entry.
  const stack: { value: object; level: number; key: string | number | undefined; parent: number }[] = [];
  const visited: { key: string | number | undefined; parent: number }[] = [];
  // A container reached twice (shared, or a cycle) is looked into once.
  const seen = new Set<object>();
  stack.push({ value, level: 1, key: undefined, parent: -1 });
  while (stack.length > 0) {
    const entry = stack.pop()!;
    if (seen.has(entry.value)) continue;
    seen.add(entry.value);
    const index = visited.push({ key: entry.key, parent: entry.parent }) - 1;
    if (entry.level > maxDepth) return pathOf(visited, index);
    const children: [string | number, unknown][] = Array.isArray(entry.value)
      ? entry.value.map((item, i) => [i, item])
      : Object.entries(entry.value);
    // Pushed last to first, so that the first child is looked at first: the path named is the
    // first too-deep one in document order.
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i]!;
      if (isContainer(child)) stack.push({ value: child, level: entry.level + 1, key, parent: index });
    }
  }
  return undefined;
}

/** Throws a ValidationError naming the path (under `root`) of the first level past `maxDepth`. */
export function checkJsonDepth(value: unknown, maxDepth: number, root = '', context?: string): void {
  const path = tooDeepPath(value, maxDepth);
  if (path === undefined) return;
  throw ValidationError.field(formatPath(root, path), depthMessage(maxDepth), context);
}

export function depthMessage(maxDepth: number): string {
  return `nested deeper than ${maxDepth} levels (the limit is BACKSTOP_MAX_JSON_DEPTH)`;
}

/** `root` then `.key` / `[index]` for each step, as field paths are written everywhere else. */
export function formatPath(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

function pathOf(visited: { key: string | number | undefined; parent: number }[], index: number) {
  const path: (string | number)[] = [];
  for (let i = index; i > 0; i = visited[i]!.parent) path.push(visited[i]!.key!);
  return path.reverse();
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

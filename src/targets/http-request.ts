import { ValidationError } from '../core/validation-error.js';

/** The parts of an HTTP call a mapped input may name; anything else is the body (or query). */
export interface HttpRequestParts {
  body?: unknown;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
}

const PART_KEYS = new Set(['body', 'query', 'headers', 'params']);
const BODYLESS = new Set(['GET', 'DELETE', 'HEAD']);

/**
 * A mapped input whose keys are all among `body`, `query`, `headers`, `params` names the parts;
 * any other value is the JSON body, or the query string for GET, DELETE and HEAD.
 */
export function toRequestParts(method: string, request: unknown): HttpRequestParts {
  if (isPlainObject(request)) {
    const keys = Object.keys(request);
    if (keys.length > 0 && keys.every((k) => PART_KEYS.has(k))) return request as HttpRequestParts;
    if (BODYLESS.has(method)) return { query: request };
  }
  if (request === undefined || BODYLESS.has(method)) return {};
  return { body: request };
}

/** Fills `:name` segments of a path from `params`. */
export function fillPath(path: string, params: Record<string, unknown> = {}): string {
  return path.replace(/:([A-Za-z_][\w]*)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '') {
      throw ValidationError.field(`params.${name}`, `required by path '${path}'`);
    }
    return encodeURIComponent(String(value));
  });
}

export function appendQuery(url: URL, query: Record<string, unknown> = {}): void {
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

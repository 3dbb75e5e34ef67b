import type { IdempotencyPlacement } from '../core/definition/app-definition.js';
import { TargetUnavailableError } from '../core/provider-errors.js';
import type { HttpRequestParts } from './http-request.js';

const DEFAULT_HEADER = 'idempotency-key';
const BODYLESS = new Set(['GET', 'DELETE', 'HEAD']);

/** Where the key goes for one call, and the request parts with it in place. */
export interface PlacedKey {
  parts: HttpRequestParts;
  /** The header to set, lower-cased, unless the mapping set that header itself. */
  header: string | undefined;
  /** Whether the provider gets the key with this call (its answers then speak for the key). */
  keyed: boolean;
}

/**
 * Puts the attempt's idempotency key where the provider reads it: a header (`Idempotency-Key` by
 * default, `PayPal-Request-Id`…), a body field (Square's `idempotency_key`), a query parameter, or
 * nowhere. A value the mapping set at that place itself (`$Run{idempotencyKey}`, or a key of your
 * own) is left as it is. The mapped request is never changed: it is shared by every retry.
 */
export function placeKey(
  placement: IdempotencyPlacement | undefined,
  key: string,
  method: string,
  parts: HttpRequestParts,
): PlacedKey {
  if (placement === false) return { parts, header: undefined, keyed: false };
  if (placement?.bodyField !== undefined) {
    if (BODYLESS.has(method)) return { parts, header: undefined, keyed: false }; // no body to carry it
    return {
      parts: { ...parts, body: withField(parts.body, placement.bodyField, key) },
      header: undefined,
      keyed: true,
    };
  }
  if (placement?.query !== undefined) {
    const query = parts.query ?? {};
    if (query[placement.query] !== undefined) return { parts, header: undefined, keyed: true };
    return {
      parts: { ...parts, query: { ...query, [placement.query]: key } },
      header: undefined,
      keyed: true,
    };
  }
  const header = (placement?.header ?? DEFAULT_HEADER).toLowerCase();
  const mapped = Object.keys(parts.headers ?? {}).some((name) => name.toLowerCase() === header);
  return { parts, header: mapped ? undefined : header, keyed: true };
}

function withField(body: unknown, path: string, key: string): Record<string, unknown> {
  if (body === undefined) body = {};
  if (!isRecord(body)) {
    throw new TargetUnavailableError(
      `idempotency.bodyField '${path}' needs a JSON object body, but the mapped body is ${Array.isArray(body) ? 'an array' : typeof body}`,
    );
  }
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return body[head] === undefined ? { ...body, [head]: key } : body;
  return { ...body, [head]: withField(body[head], rest.join('.'), key) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

import type { FastifyInstance } from 'fastify';
import { depthMessage, formatPath, tooDeepPath } from '../core/json-depth.js';
import { ValidationError } from '../core/validation-error.js';

/**
 * JSON bodies, with one leniency: an empty body with a JSON content type is no body, not an
 * error (clients send `Content-Type: application/json` on every request, DELETE included).
 * Prototype poisoning (`__proto__`, `constructor.prototype`) is refused as invalid JSON. A body
 * nested deeper than `maxDepth` is refused here, before any handler, schema or template recurses
 * into it (V8's JSON.parse does not recurse; what comes after does).
 */
export function jsonBodies(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parse(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const path = tooDeepPath(value, maxDepth);
      if (path === undefined) return done(null, value);
      const issue = formatPath('', path);
      return done(ValidationError.field(issue, depthMessage(maxDepth), 'invalid request body'), undefined);
    });
  });
}

/** The body as a JSON object; absent is `{}` unless required. Anything else names the root. */
export function objectBody(body: unknown, required: boolean): Record<string, unknown> {
  if (body === undefined && !required) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const received =
      body === undefined
        ? 'nothing'
        : Array.isArray(body)
          ? 'an array'
          : body === null
            ? 'null'
            : typeof body;
    throw ValidationError.field(
      '',
      `expected a JSON object body, received ${received}`,
      'invalid request body',
    );
  }
  return body as Record<string, unknown>;
}

/**
 * The body with `field` (`tag`, `product`) set from the path or query. When the body names it too,
 * the two must agree. Without an outside value, the body is left as it is for the core to check.
 */
export function withField(
  body: Record<string, unknown>,
  field: string,
  outside: string | undefined,
): Record<string, unknown> {
  if (outside === undefined) return body;
  const inBody = body[field];
  if (inBody !== undefined && inBody !== outside) {
    throw ValidationError.field(
      field,
      `the URL names ${field} '${outside}' but the body names ${JSON.stringify(inBody)}; leave it out of the body or make them agree`,
      'invalid request body',
    );
  }
  return { ...body, [field]: outside };
}

/** The product named in the query or the body (they must agree). */
export function productOf(query: string | undefined, body: Record<string, unknown>): string | undefined {
  withField(body, 'product', query);
  return query ?? (typeof body.product === 'string' ? body.product : undefined);
}

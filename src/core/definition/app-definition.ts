import { z } from 'zod';
import { rateLimitSchema } from '../rate-limit.js';
import { REDACTED } from '../redacted.js';
import { type CompiledTemplate, compileTemplate } from '../template/compile.js';
import { ValidationError, type ValidationIssue } from '../validation-error.js';
import { parseOrThrow } from '../zod-issues.js';
import { positiveMs, tagSchema } from './common-schema.js';
import { type CompileContext, DEFAULT_COMPILE_CONTEXT } from './compile-context.js';

const headersSchema = z.record(
  z.string().min(1),
  z.string().refine((v) => v !== REDACTED, {
    message: `send the header's value: '${REDACTED}' is how the API shows it, never a value`,
  }),
);

const envSchema = z.strictObject({
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .or(z.string().regex(/\$Secret\{/)),
  headers: headersSchema.optional(),
});

const statusSchema = z.number().int().min(400).max(599);

/**
 * Where a provider reads the idempotency key: a header (default `Idempotency-Key`), a field of the
 * JSON body (dotted path), a query parameter, or nowhere (`false`). `inProgressStatus`: the
 * answers that mean "this key is still being processed" (Stripe's 409): ambiguous, retried on the
 * same provider, never a refusal.
 */
export const idempotencySchema = z.union([
  z.literal(false),
  z
    .strictObject({
      header: z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name')
        .optional(),
      bodyField: z
        .string()
        .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'expected a field name or dotted path')
        .optional(),
      query: z.string().min(1).optional(),
      inProgressStatus: z.union([statusSchema, z.array(statusSchema)]).optional(),
    })
    .refine(
      (p) => [p.header, p.bodyField, p.query].filter((v) => v !== undefined).length <= 1,
      'expected at most one of header, bodyField, query',
    ),
]);

export type IdempotencyPlacement = z.output<typeof idempotencySchema>;

/** Provider answers are read up to this many bytes unless an app or action says otherwise. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
const maxResponseBytes = z
  .number()
  .int()
  .positive()
  .max(256 * 1_048_576, 'expected at most 256 MiB');

const actionSchema = z.strictObject({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])),
  path: z.string().startsWith('/', 'expected a path starting with "/"'),
  headers: headersSchema.optional(),
  timeout: positiveMs.optional(),
  /** Overrides the app's key placement for this action. */
  idempotency: idempotencySchema.optional(),
  /** A longer answer fails the attempt (BACKSTOP_RESPONSE_TOO_LARGE); default: the app's, else 1 MiB. */
  maxResponseBytes: maxResponseBytes.optional(),
  /** At most `max` calls per `per` to this action, from every chain and process (rate-limit.ts). */
  rateLimit: rateLimitSchema.optional(),
});

/** `app.define({ tag, envs: { prd: { baseUrl, headers } }, actions: { charge: { method, path } } })`. */
export const appDefinitionSchema = z.strictObject({
  tag: tagSchema,
  name: z.string().optional(),
  idempotency: idempotencySchema.optional(),
  maxResponseBytes: maxResponseBytes.optional(),
  envs: z.record(tagSchema, envSchema).refine((e) => Object.keys(e).length > 0, 'expected at least one env'),
  actions: z
    .record(tagSchema, actionSchema)
    .refine((a) => Object.keys(a).length > 0, 'expected at least one action'),
});

export type AppDefinition = z.input<typeof appDefinitionSchema>;
export type ParsedAppDefinition = z.output<typeof appDefinitionSchema>;

/** An app with its `$Secret{}` templates compiled, ready for the HTTP target. */
export interface CompiledApp {
  definition: ParsedAppDefinition;
  envs: Record<string, { baseUrl: CompiledTemplate; headers: Record<string, CompiledTemplate> }>;
  actionHeaders: Record<string, Record<string, CompiledTemplate>>;
}

export function parseApp(definition: unknown): ParsedAppDefinition {
  return parseOrThrow(appDefinitionSchema, definition, 'invalid app definition');
}

/**
 * Compiles an app's `$Secret{}` templates (refusing names that are not declared), and hands its
 * literal header values to `context.sensitive` (the process's redactor): a key written into a
 * header is as secret as one read through `$Secret{}`.
 */
export function compileApp(
  definition: ParsedAppDefinition,
  context: CompileContext = DEFAULT_COMPILE_CONTEXT,
): CompiledApp {
  const secretsOnly = { namespaces: ['Secret'] as const, secrets: context.secrets };
  const envs: CompiledApp['envs'] = {};
  const issues: ValidationIssue[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  for (const [slug, env] of Object.entries(definition.envs)) {
    const headers = compileHeaders(env.headers, `envs.${slug}.headers`, context, attempt);
    const baseUrl = attempt(() => compileTemplate(env.baseUrl, `envs.${slug}.baseUrl`, secretsOnly));
    if (baseUrl) envs[slug] = { baseUrl, headers };
  }
  const actionHeaders: CompiledApp['actionHeaders'] = {};
  for (const [action, spec] of Object.entries(definition.actions)) {
    actionHeaders[action] = compileHeaders(spec.headers, `actions.${action}.headers`, context, attempt);
  }
  if (issues.length > 0) throw new ValidationError(issues, 'invalid app definition');
  return { definition, envs, actionHeaders };
}

function compileHeaders(
  headers: Record<string, string> | undefined,
  path: string,
  context: CompileContext,
  attempt: <T>(fn: () => T) => T | undefined,
): Record<string, CompiledTemplate> {
  const out: Record<string, CompiledTemplate> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const compiled = attempt(() =>
      compileTemplate(value, `${path}.${name}`, { namespaces: ['Secret'], secrets: context.secrets }),
    );
    if (compiled) out[name] = compiled;
    registerHeaderValue(name, value, context);
  }
  return out;
}

/** Headers whose values say how to talk, not who is talking: never redacted (they would mangle answers). */
const PUBLIC_HEADERS =
  /^(accept(-.*)?|content-(type|language|encoding)|user-agent|cache-control|connection)$/i;

function registerHeaderValue(name: string, value: string, context: CompileContext): void {
  const { sensitive } = context;
  if (!sensitive || PUBLIC_HEADERS.test(name) || /\$[A-Za-z]+\{/.test(value)) return;
  sensitive(value);
  // `Bearer sk_live_…`: a provider may echo the credential without its scheme.
  const space = value.indexOf(' ');
  if (space > 0) sensitive(value.slice(space + 1).trim());
}

/**
 * An app as the HTTP API shows it: header names with their values masked, and no password in a
 * base URL. Header values are write-only over the API, for read and write keys alike: a write
 * key changes an app by sending the values again, and never needs to read them.
 */
export function maskedApp(definition: ParsedAppDefinition): ParsedAppDefinition {
  const maskHeaders = (headers: Record<string, string> | undefined) =>
    headers && Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]));
  const envs = Object.fromEntries(
    Object.entries(definition.envs).map(([slug, env]) => [
      slug,
      {
        ...env,
        baseUrl: maskUserinfo(env.baseUrl),
        ...(env.headers ? { headers: maskHeaders(env.headers) } : {}),
      },
    ]),
  );
  const actions = Object.fromEntries(
    Object.entries(definition.actions).map(([name, action]) => [
      name,
      action.headers ? { ...action, headers: maskHeaders(action.headers) } : action,
    ]),
  );
  return { ...definition, envs, actions };
}

function maskUserinfo(url: string): string {
  return url.replace(/^(https?:\/\/)[^/@\s]*@/i, `$1${REDACTED}@`);
}

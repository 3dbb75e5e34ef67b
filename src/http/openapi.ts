import { z } from 'zod';
import * as requests from './request-schemas.js';
import * as responses from './response-schemas.js';
import type { ApiDoc, DocResponse, Operation } from './route.js';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) of a zod schema, as a client sends it. */
export function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Json;
  return rest;
}

/** Schemas the document names under components.schemas and refers to. */
const NAMED = new Map<z.ZodType, string>([
  [requests.fallbackCreateSchema, 'FallbackDefinition'],
  [requests.fallbackPatchSchema, 'FallbackPatch'],
  [requests.quotaCreateSchema, 'QuotaDefinition'],
  [requests.quotaPatchSchema, 'QuotaPatch'],
  [responses.quotaStatusSchema, 'QuotaStatus'],
  [responses.drillSchema, 'Drill'],
  [requests.appCreateSchema, 'AppDefinition'],
  [requests.appPatchSchema, 'AppPatch'],
  [requests.healthcheckCreateSchema, 'HealthcheckDefinition'],
  [requests.healthcheckPatchSchema, 'HealthcheckPatch'],
  [requests.runBodySchema, 'RunRequest'],
  [requests.dispatchBodySchema, 'DispatchRequest'],
  [responses.fallbackSchema, 'Fallback'],
  [responses.appSchema, 'App'],
  [responses.healthcheckSchemaOut, 'Healthcheck'],
  [responses.runResponseSchema, 'RunResult'],
  [responses.runErrorSchema, 'RunError'],
  [responses.jobHandleSchema, 'JobHandle'],
  [responses.jobViewSchema, 'Job'],
  [responses.scheduleViewSchema, 'Schedule'],
  [responses.healthStatusSchema, 'HealthStatus'],
  [responses.historySchema, 'History'],
  [responses.readySchema, 'Readiness'],
  [responses.errorSchema, 'Error'],
  [responses.validationErrorSchema, 'ValidationError'],
  [responses.notFoundSchema, 'NotFoundError'],
]);

function schemaOrRef(schema: z.ZodType): Json {
  const name = NAMED.get(schema);
  return name ? { $ref: `#/components/schemas/${name}` } : jsonSchema(schema);
}

/** Answers any route may give beside its own, under components.responses. */
const COMMON: Record<string, DocResponse & { schema: z.ZodType }> = {
  ValidationError: {
    description:
      'invalid request (BACKSTOP_VALIDATION, BACKSTOP_UNSUPPORTED): every offending field is named',
    schema: responses.validationErrorSchema,
  },
  Unauthorized: {
    description: 'missing or unknown API key (BACKSTOP_UNAUTHORIZED)',
    schema: responses.errorSchema,
  },
  Forbidden: {
    description: 'read-only API key, or a write from another site (BACKSTOP_FORBIDDEN)',
    schema: responses.errorSchema,
  },
  NotFound: {
    description: 'not found (BACKSTOP_NOT_FOUND), naming the tag and product',
    schema: responses.notFoundSchema,
  },
  UriTooLong: {
    description: 'a path parameter is over 1024 characters (BACKSTOP_URI_TOO_LONG)',
    schema: responses.errorSchema,
  },
  PayloadTooLarge: {
    description: 'body too large (BACKSTOP_PAYLOAD_TOO_LARGE)',
    schema: responses.errorSchema,
  },
  UnsupportedMediaType: {
    description: 'not JSON (BACKSTOP_UNSUPPORTED_MEDIA_TYPE)',
    schema: responses.errorSchema,
  },
  RateLimited: {
    description:
      'rate limit of this API key exceeded, or too many wrong keys from this address (BACKSTOP_RATE_LIMITED); see Retry-After',
    schema: responses.errorSchema,
  },
  Internal: {
    description: 'unexpected server error (BACKSTOP_INTERNAL); details in the server log under requestId',
    schema: responses.errorSchema,
  },
  Unavailable: {
    description: 'Redis unavailable (BACKSTOP_REDIS_UNAVAILABLE)',
    schema: responses.errorSchema,
  },
};

function commonResponses(op: Operation): Record<string, Json> {
  const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
  const out: Record<string, Json> = {
    400: ref('ValidationError'),
    500: ref('Internal'),
    503: ref('Unavailable'),
  };
  if (!op.public) {
    out[401] = ref('Unauthorized');
    out[429] = ref('RateLimited');
    if (op.method !== 'GET') out[403] = ref('Forbidden');
  }
  if (op.url.includes(':')) {
    out[404] = ref('NotFound');
    out[414] = ref('UriTooLong');
  }
  if (op.body) {
    out[413] = ref('PayloadTooLarge');
    out[415] = ref('UnsupportedMediaType');
  }
  return out;
}

function response(r: DocResponse, status: number): Json {
  const schema = r.schema ?? (status >= 400 ? responses.errorSchema : undefined);
  if (!schema) return { description: r.description };
  return {
    description: r.description,
    content: { [r.contentType ?? 'application/json']: { schema: schemaOrRef(schema) } },
  };
}

function parametersOf(op: Operation): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    for (const [name, field] of Object.entries(schema?.shape ?? {})) {
      const fieldSchema = field as z.ZodType;
      const { description, ...rest } = jsonSchema(fieldSchema);
      const required = where === 'path' || !fieldSchema.safeParse(undefined).success;
      out.push({ name, in: where, required, ...(description ? { description } : {}), schema: rest });
    }
  }
  return out;
}

function operationOf(op: Operation): Json {
  const own = Object.fromEntries(Object.entries(op.responses).map(([s, r]) => [s, response(r, Number(s))]));
  const words = op.url.split(/[/:.-]+/).filter(Boolean);
  return {
    operationId: op.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(''),
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.group],
    ...(op.public ? { security: [] } : {}),
    parameters: parametersOf(op),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required,
            content: { 'application/json': { schema: schemaOrRef(op.body.schema) } },
          },
        }
      : {}),
    responses: { ...commonResponses(op), ...own },
  };
}

/** The OpenAPI 3.1 document of every route registered through `route`. */
export function openApiDocument(doc: ApiDoc, version: string): Json {
  const paths: Record<string, Json> = {};
  for (const op of doc.operations) {
    const path = op.url.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [op.method.toLowerCase()]: operationOf(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backstop API',
      version,
      description:
        'Provider fallback chains: define them, run them, dispatch them as jobs, watch provider health. Every error carries a stable `code`.',
    },
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API key' },
        basicAuth: { type: 'http', scheme: 'basic', description: 'any user name, the API key as password' },
      },
      schemas: Object.fromEntries([...NAMED].map(([schema, name]) => [name, jsonSchema(schema)])),
      responses: Object.fromEntries(Object.entries(COMMON).map(([name, r]) => [name, response(r, 400)])),
    },
  };
}

import { z } from 'zod';

// The health side of what the API answers (provider state, history, drills, quota shares), as
// zod schemas for the OpenAPI document; response-schemas.ts re-exports them with the rest.

export const iso = z.string().describe('ISO 8601 date-time');

export const healthPhase = z.enum(['healthy', 'unknown', 'ejected', 'cooling', 'trial', 'ramping']);

export const providerState = {
  provider_status: z.enum(['healthy', 'unhealthy', 'unknown']),
  last_available: z.boolean().nullable(),
  last_checked: iso.nullable(),
  health_state: healthPhase.optional(),
  health_reason: z.string().nullable().optional(),
  health_until: iso.nullable().optional(),
  time_left_ms: z.number().nullable().optional(),
};

export const quotaStatusSchema = z.object({
  tag: z.string(),
  product: z.string(),
  env: z.string(),
  providers: z.array(
    z.object({
      name: z.string(),
      weight: z.number(),
      expected: z.number().describe('the share its weight asks for (0 to 1)'),
      uses: z.number().int().describe('runs it served, in every process'),
      share: z.number().describe('its share of the served runs (0 to 1)'),
      status: z.string().describe('healthy, unhealthy, unknown, or drained (weight 0)'),
    }),
  ),
});

export const drillSchema = z.object({
  id: z.string(),
  product: z.string(),
  env: z.string(),
  tag: z.string().optional(),
  provider: z.string().optional(),
  mode: z.enum(['down', 'slow', 'error-rate']),
  rate: z.number().optional(),
  latencyMs: z.number().optional(),
  startedAt: z.number().describe('epoch ms'),
  endsAt: z.number().describe('epoch ms: the drill ends by itself then'),
});

export const healthStatusSchema = z.object({
  product: z.string(),
  env: z.string(),
  healthcheck: z.string(),
  ...providerState,
  last_latency_ms: z.number().nullable(),
  avg_latency_ms: z.number().nullable(),
  consecutive_failures: z.number().int(),
  consecutive_passes: z.number().int(),
  state: healthPhase,
  reason: z.string().nullable(),
  until: iso.nullable(),
  time_left_ms: z.number().nullable(),
  alert: z.boolean(),
  ejections: z.number().int(),
  traffic_share: z.number(),
  live: z.object({ streak: z.number(), window_calls: z.number(), window_failures: z.number() }),
  changed: z.object({ at: iso, reason: z.string() }).nullable(),
  last_probe_error: z.object({ at: iso, error: z.string() }).nullable(),
  circuit: z.object({
    state: z.enum(['closed', 'open', 'half-open']),
    failures: z.number(),
    open_until: iso.nullable(),
  }),
});

export const historySchema = z.object({
  provider: z.string(),
  product: z.string(),
  env: z.string(),
  buckets: z.array(
    z.object({
      start: iso,
      success: z.number().int(),
      failure: z.number().int(),
      skipped: z.number().int(),
      p50: z.number().nullable(),
      p95: z.number().nullable(),
      p99: z.number().nullable(),
    }),
  ),
});

import { z } from 'zod';
import type { ProviderSpec } from './chain.js';
import { positiveMs, tagSchema } from './definition/common-schema.js';

export const DRILL_MODES = ['down', 'slow', 'error-rate'] as const;
export type DrillMode = (typeof DRILL_MODES)[number];

/**
 * A failover drill: for its duration, runs treat the providers it names as failing, so operators
 * can prove in production that a chain fails over. `down`: every attempt fails without a call;
 * `error-rate`: a share (`rate`) of attempts fail without a call, the others call; `slow`: every
 * attempt waits `latencyMs` before it calls (an attempt timeout shorter than that times it out).
 */
export interface Drill {
  id: string;
  product: string;
  env: string;
  /** Every provider whose healthcheck is this tag. */
  tag?: string | undefined;
  /** Every provider of this name (in any chain of the product). */
  provider?: string | undefined;
  mode: DrillMode;
  rate?: number | undefined;
  latencyMs?: number | undefined;
  /** Epoch ms. */
  startedAt: number;
  endsAt: number;
}

/** What runs ask before each attempt: the drill on this provider now, if any. Synchronous: a local view. */
export interface DrillView {
  find(product: string, env: string, provider: ProviderSpec, now: number): Drill | undefined;
}

/** `health.drill({ tag | provider, env, mode, rate?, latencyMs?, duration })`. */
export const drillRequestSchema = z
  .strictObject({
    tag: tagSchema.optional(),
    provider: tagSchema.optional(),
    product: tagSchema.optional(),
    env: tagSchema.optional(),
    mode: z.enum(DRILL_MODES),
    rate: z.number().min(0).max(1).optional(),
    latencyMs: positiveMs.optional(),
    duration: positiveMs,
  })
  .superRefine((drill, ctx) => {
    if ((drill.tag === undefined) === (drill.provider === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['tag'],
        message: 'give tag (a healthcheck) or provider, one of them',
      });
    if (drill.mode === 'error-rate' && drill.rate === undefined)
      ctx.addIssue({ code: 'custom', path: ['rate'], message: "required with mode 'error-rate' (0 to 1)" });
    if (drill.mode === 'slow' && drill.latencyMs === undefined)
      ctx.addIssue({ code: 'custom', path: ['latencyMs'], message: "required with mode 'slow'" });
  });

export type DrillRequest = z.input<typeof drillRequestSchema>;

/** Whether the drill covers this provider of a run in this product and env, at `now`. */
export function drillCovers(drill: Drill, product: string, env: string, provider: ProviderSpec, now: number) {
  if (now >= drill.endsAt || drill.product !== product || drill.env !== env) return false;
  return drill.provider !== undefined
    ? drill.provider === provider.name
    : drill.tag !== undefined && provider.healthcheck === drill.tag;
}

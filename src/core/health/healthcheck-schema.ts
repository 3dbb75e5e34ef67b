import { z } from 'zod';
import { positiveMs, tagSchema } from '../definition/common-schema.js';

/** One env a healthcheck probes, with the probe's input there (`envs: [{ slug, input }]`). */
const envSchema = z.strictObject({ slug: tagSchema, input: z.record(z.string(), z.unknown()).default({}) });

/**
 * Who hears when the healthcheck's provider goes out of rotation and when it comes back: a webhook
 * (a signed JSON POST, retried) and/or an event on `backstop.on('health.alert')`. Once per
 * transition, never once per probe.
 */
export const onFailureSchema = z
  .strictObject({
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
        method: z.enum(['POST', 'PUT']).default('POST'),
        headers: z.record(z.string(), z.string()).default({}),
        /** Fields sent with every alert, beside the alert's own under `alert`. */
        body: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    emit: z.strictObject({ event: z.string().min(1).max(200) }).optional(),
  })
  .refine((o) => o.webhook !== undefined || o.emit !== undefined, 'give webhook, emit or both');

export type OnFailure = z.output<typeof onFailureSchema>;
export type OnFailureInput = z.input<typeof onFailureSchema>;

/**
 * `health.create({ name, tag, app, event, interval, retries, envs })`, plus a plain HTTP
 * probe (`url`, `expectStatus`) as an alternative to an app action, and a probe `timeout`.
 */
export const healthcheckSchema = z
  .strictObject({
    product: tagSchema.optional(),
    name: z.string().min(1),
    tag: tagSchema,
    app: tagSchema.optional(),
    event: tagSchema.optional(),
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    expectStatus: z.number().int().min(100).max(599).optional(),
    /** How often to probe, in ms. */
    interval: positiveMs.min(100, 'expected at least 100 ms'),
    /** Consecutive failed probes that mark the provider unhealthy (at least 1). */
    retries: z.number().int().min(0).max(100).default(2),
    /** Consecutive passed probes that mark it healthy again (one passed probe already puts it on trial). */
    passes: z.number().int().min(1).max(100).default(2),
    /** A probe's timeout; never more than the interval it runs at. */
    timeout: positiveMs.default(10_000),
    envs: z.array(envSchema).min(1, 'expected at least one env to probe'),
    /** Alerts on each transition out of rotation and back. */
    onFailure: onFailureSchema.optional(),
  })
  .superRefine((h, ctx) => {
    const byApp = h.app !== undefined || h.event !== undefined;
    if (byApp && h.url !== undefined)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'a probe is an app action or a url, not both' });
    if (byApp && (!h.app || !h.event)) {
      ctx.addIssue({
        code: 'custom',
        path: [h.app ? 'event' : 'app'],
        message: 'an app probe needs both app and event',
      });
    }
  });

export type HealthcheckInput = z.input<typeof healthcheckSchema>;
export type HealthcheckDefinition = z.output<typeof healthcheckSchema>;

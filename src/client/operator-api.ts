import { z } from 'zod';
import type { Caches } from '../cache/caches.js';
import type { Chain } from '../core/chain.js';
import type { Clock } from '../core/clock.js';
import type { Defaults } from '../core/defaults.js';
import { backoffSchema, positiveMs, retriesSchema, tagSchema } from '../core/definition/common-schema.js';
import type { ParsedDeclarativeDefinition } from '../core/definition/declarative-schema.js';
import { parseDuration } from '../core/duration.js';
import { resolveTarget, runTargetShape, sessionOf } from '../core/run-target.js';
import { UnsupportedError, ValidationError } from '../core/validation-error.js';
import { parseOrThrow } from '../core/zod-issues.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import type { FallbackDescription } from '../definitions/describe-fallback.js';
import type { FallbackCatalog } from '../definitions/fallback-catalog.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { Runs } from '../runs/runs.js';
import type { SessionRegistry } from '../session/session-registry.js';

/** How long `provider_status: 'unhealthy'` keeps a provider out, unless `for` says otherwise. */
export const DEFAULT_MARK_MS = 15 * 60_000;

/** The processor API's input: `{ env, product_tag, fallback_tag, action, input, session, cache }`. */
const processorInputSchema = z.strictObject({
  env: runTargetShape.env,
  product_tag: tagSchema,
  fallback_tag: tagSchema,
  action: z.enum(['trigger', 'update', 'reset']),
  input: z.record(z.string(), z.unknown()).optional(),
  session: runTargetShape.session,
  cache: runTargetShape.cache,
});

export type OperatorInput = z.input<typeof processorInputSchema>;

const providerChangeSchema = z.strictObject({
  retries: retriesSchema.optional(),
  timeout: positiveMs.optional(),
  check_interval: positiveMs.optional(),
  healthcheck: tagSchema.optional(),
  backoff: backoffSchema.optional(),
  /** Tracked state, per env: `unhealthy` keeps the provider out for `for` (default 15 min); `healthy` clears it. */
  provider_status: z.enum(['healthy', 'unhealthy']).optional(),
  for: z.union([z.number(), z.string()]).optional(),
});

/** `action: 'update'`: what may change. Definition fields are validated as `fallback.update` does. */
const updateInputSchema = z
  .strictObject({
    /** Provider names in their new order: every provider, once. */
    order: z.array(tagSchema).min(1).optional(),
    providers: z.record(z.string(), providerChangeSchema).optional(),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    input: z.unknown().optional(),
    options: z.unknown().optional(),
    deadline: z.unknown().optional(),
    errors: z.unknown().optional(),
    whenAllUnhealthy: z.unknown().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, {
    message: 'expected at least one change: order, providers, or fields of the definition',
  });

type UpdateInput = z.output<typeof updateInputSchema>;
type ProviderChange = z.output<typeof providerChangeSchema>;
const DEFINITION_FIELDS = ['retries', 'timeout', 'check_interval', 'healthcheck', 'backoff'] as const;

export interface UpdateResult {
  action: 'update';
  /** What changed, e.g. `order`, `providers.stripe.retries`, `providers.paypal.provider_status`. */
  changed: string[];
  fallback: FallbackDescription;
}

export interface ResetResult {
  action: 'reset';
  env: string;
  /** Providers whose tracked state (probe state and circuit) was cleared. */
  providers: string[];
  /** Cached results deleted. */
  cacheEntries: number;
}

export interface OperatorDeps {
  catalog: FallbackCatalog;
  definitions: DefinitionResolver;
  runs: Runs;
  monitor: HealthMonitor;
  caches: Caches;
  sessions: SessionRegistry;
  defaults: Defaults;
  clock: Clock;
}

/**
 * `backstop.processor.fallback.run(data)`: the operator's one entry point that triggers a
 * fallback, updates it (definition or tracked provider state) or resets its tracked state and
 * cached results.
 */
export class OperatorApi {
  constructor(private readonly deps: OperatorDeps) {}

  async run(data: OperatorInput): Promise<unknown> {
    const parsed = parseOrThrow(processorInputSchema, data, 'invalid processor input');
    const { env, product } = resolveTarget(
      { env: parsed.env, product: parsed.product_tag },
      this.deps.defaults,
    );
    const tag = parsed.fallback_tag;
    if (parsed.action === 'trigger') {
      const params = { env, product, tag, input: parsed.input, session: parsed.session, cache: parsed.cache };
      return (await this.deps.runs.fallback(params)).result;
    }
    // Changing or resetting a fallback is an operator's act: a session, when given, must verify.
    const session = sessionOf(parsed.session);
    if (session) await this.deps.sessions.verify(session);
    const chain = await this.deps.definitions.fallback(product, tag);
    if (parsed.action === 'reset') return this.reset(chain, env);
    return this.update(
      chain,
      env,
      parseOrThrow(updateInputSchema, parsed.input ?? {}, 'invalid update', 'input'),
    );
  }

  private async update(chain: Chain, env: string, input: UpdateInput): Promise<UpdateResult> {
    const names = chain.providers.map((p) => p.name);
    const { order, providers = {}, ...fields } = input;
    const states = this.checkProviders(names, order, providers);
    const changed: string[] = [];
    const definitionChanges =
      Object.keys(fields).length > 0 ||
      order !== undefined ||
      Object.values(providers).some(changesDefinition);
    if (definitionChanges) {
      if (this.deps.catalog.isCodeFirst(chain.product, chain.tag)) {
        throw new UnsupportedError(
          'input',
          `fallback '${chain.tag}' is defined in code (fallback.define): change it there; provider_status works on it`,
        );
      }
      // The reorder and per-provider changes are applied to the definition read inside the CAS loop.
      await this.deps.catalog.update(chain.product, chain.tag, (current) => {
        const options = fields.options ?? current.options;
        const reshapes = order !== undefined || Object.values(providers).some(changesDefinition);
        // Options sent in this update that are not a list of objects: the definition's own
        // validation names what is wrong with them.
        if (!reshapes || !isOptionList(options)) return fields;
        return { ...fields, options: applyProviderChanges(options, order, providers) };
      });
      changed.push(...Object.keys(fields));
      if (order) changed.push('order');
      for (const [name, change] of Object.entries(providers))
        for (const field of DEFINITION_FIELDS)
          if (change[field] !== undefined) changed.push(`providers.${name}.${field}`);
    }
    for (const { provider, state } of states) {
      const spec = chain.providers.find((p) => p.name === provider)!;
      const key = spec.healthcheck ?? spec.name;
      await this.deps.monitor.setProviderState(chain.product, env, key, state);
      changed.push(`providers.${provider}.provider_status`);
    }
    const fallback = await this.deps.catalog.describe(chain.product, chain.tag, env);
    return { action: 'update', changed, fallback };
  }

  private async reset(chain: Chain, env: string): Promise<ResetResult> {
    const cleared = new Set<string>();
    for (const provider of chain.providers) {
      const key = provider.healthcheck ?? provider.name;
      if (cleared.has(key)) continue;
      cleared.add(key);
      await this.deps.monitor.setProviderState(chain.product, env, key, { status: 'healthy' });
    }
    const cacheEntries = await this.deps.caches.clear(chain.product, env, chain.tag);
    return { action: 'reset', env, providers: chain.providers.map((p) => p.name), cacheEntries };
  }

  /** Every name must be a provider of the chain; `order` must name each exactly once. */
  private checkProviders(
    names: string[],
    order: string[] | undefined,
    providers: Record<string, ProviderChange>,
  ) {
    const known = `providers: ${names.join(', ')}`;
    if (order) {
      const unknown = order.filter((n) => !names.includes(n));
      const missing = names.filter((n) => !order.includes(n));
      if (unknown.length || missing.length || new Set(order).size !== order.length) {
        throw ValidationError.field(
          'input.order',
          `expected each provider exactly once (${known})${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
        );
      }
    }
    const states: {
      provider: string;
      state: { status: 'healthy' } | { status: 'unhealthy'; until: number };
    }[] = [];
    for (const [name, change] of Object.entries(providers)) {
      if (!names.includes(name))
        throw ValidationError.field(`input.providers.${name}`, `no such provider (${known})`);
      if (change.for !== undefined && change.provider_status !== 'unhealthy') {
        throw ValidationError.field(`input.providers.${name}.for`, "only with provider_status: 'unhealthy'");
      }
      if (change.provider_status === 'healthy') states.push({ provider: name, state: { status: 'healthy' } });
      if (change.provider_status === 'unhealthy') {
        const ms =
          change.for === undefined
            ? DEFAULT_MARK_MS
            : parseDuration(change.for, `input.providers.${name}.for`);
        if (ms <= 0) throw ValidationError.field(`input.providers.${name}.for`, 'expected more than 0 ms');
        states.push({ provider: name, state: { status: 'unhealthy', until: this.deps.clock.now() + ms } });
      }
    }
    return states;
  }
}

function isOptionList(value: unknown): value is ParsedDeclarativeDefinition['options'] {
  return Array.isArray(value) && value.every((o) => o !== null && typeof o === 'object' && !Array.isArray(o));
}

function changesDefinition(change: ProviderChange): boolean {
  return DEFINITION_FIELDS.some((f) => change[f] !== undefined);
}

/** The options reordered and changed; providers are named as the chain names them. */
function applyProviderChanges(
  options: ParsedDeclarativeDefinition['options'],
  order: string[] | undefined,
  providers: Record<string, ProviderChange>,
): ParsedDeclarativeDefinition['options'] {
  const nameOf = (o: (typeof options)[number]) => o.provider ?? o.app ?? o.event;
  const changed = options.map((option) => {
    const change = providers[nameOf(option)];
    if (!change) return option;
    const next = { ...option };
    for (const field of DEFINITION_FIELDS)
      if (change[field] !== undefined) Object.assign(next, { [field]: change[field] });
    return next;
  });
  if (!order) return changed;
  return order.map((name) => {
    const found = changed.find((o) => nameOf(o) === name);
    if (!found) throw ValidationError.field('input.order', `no provider '${name}' in the stored definition`);
    return found;
  });
}

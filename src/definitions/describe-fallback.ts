import type { Chain, ProviderSpec } from '../core/chain.js';
import { type FeatureEventType, FeatureEventTypes } from '../core/data-types.js';
import type { ParsedFallbackOption } from '../core/definition/declarative-schema.js';
import type { HealthView, ProviderHealth } from '../core/health-view.js';
import type { AmbiguityPolicy } from '../core/verify.js';
import type { StoredFallback } from '../store/fallback-store.js';

/** A fallback as `fetch` / `fetchAll` return it: the declarative form's fields, with tracked provider state. */
export interface FallbackDescription {
  product: string;
  tag: string;
  name: string;
  description?: string | undefined;
  input: Record<string, unknown>;
  options: FallbackOptionDescription[];
  deadline?: number | undefined;
  /** What the chain does when a provider may have acted on its last call. */
  onAmbiguous?: AmbiguityPolicy | undefined;
  version: number;
  source: 'declarative' | 'code';
  createdAt?: string | undefined;
  updatedAt?: string | undefined;
}

export type FallbackOptionDescription = Partial<ParsedFallbackOption> & {
  /** A quota option's share of traffic (code-first quotas; stored ones keep `quota` or `weight` as written). */
  weight?: number | undefined;
  quota?: number | undefined;
  provider: string;
  type: FeatureEventType;
  event: string;
  retries: number;
} & ProviderHealth;

const UNTRACKED: ProviderHealth = { provider_status: 'unknown', last_available: null, last_checked: null };

export function describeStored(stored: StoredFallback, health: HealthView, env: string): FallbackDescription {
  const { definition, product } = stored;
  return {
    product,
    tag: definition.tag,
    name: definition.name,
    description: definition.description,
    input: definition.input,
    deadline: definition.deadline,
    onAmbiguous: definition.onAmbiguous,
    options: definition.options.map((option) => ({
      ...option,
      provider: option.provider ?? option.app ?? option.event,
      ...healthOf(health, product, env, option.healthcheck ?? option.provider ?? option.app ?? option.event),
    })),
    version: stored.version,
    source: 'declarative',
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

export function describeChain(chain: Chain, health: HealthView, env: string): FallbackDescription {
  return {
    product: chain.product,
    tag: chain.tag,
    name: chain.name,
    description: chain.description,
    input: chain.input,
    deadline: chain.deadlineMs,
    onAmbiguous: chain.onAmbiguous,
    options: chain.providers.map((p) => ({
      ...optionOf(p),
      provider: p.name,
      retries: p.retries,
      healthcheck: p.healthcheck,
      check_interval: p.checkInterval,
      timeout: p.timeoutMs,
      backoff: p.backoff,
      hedge: p.hedge,
      batch: p.batch,
      onAmbiguous: p.onAmbiguous,
      ...(chain.selection === 'weighted' ? { weight: p.weight ?? 1 } : {}),
      ...healthOf(health, chain.product, env, p.healthcheck ?? p.name),
    })),
    version: chain.version,
    source: 'code',
  };
}

function optionOf(p: ProviderSpec): { type: FeatureEventType; event: string; app?: string } {
  const t = p.target;
  switch (t.kind) {
    case 'app':
      return { type: FeatureEventTypes.ACTION, app: t.app, event: t.action };
    case 'handler':
      return { type: FeatureEventTypes.ACTION, event: 'handler' };
    case 'database':
      return { type: FeatureEventTypes.DATABASE, app: t.database, event: t.action };
    case 'workflow':
      return { type: FeatureEventTypes.WORKFLOW, event: t.workflow };
    case 'notification':
      return { type: FeatureEventTypes.NOTIFICATION, app: t.notification, event: t.event };
    case 'feature':
      return { type: FeatureEventTypes.FEATURE, event: t.feature };
  }
}

function healthOf(
  health: HealthView,
  product: string,
  env: string,
  /** The provider's healthcheck, or its name: live traffic (circuits) tracks it either way. */
  healthcheck: string,
): ProviderHealth {
  // Display must not take the one trial call a half-open circuit lets through.
  const key = { product, env, healthcheck };
  return health.peek(key) ?? UNTRACKED;
}

import type { Chain } from '../core/chain.js';
import type { CodeFirstDefinition, CodeFirstQuotaDefinition } from '../core/definition/code-first.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import { ProductRegistry } from '../core/product-registry.js';
import type { ProbeHandler } from '../health/probe-runner.js';

/** A code-first healthcheck: its definition and the function that probes. */
export interface CodeHealthcheck {
  definition: HealthcheckDefinition;
  handler: ProbeHandler;
}

/**
 * Definitions made in code (`fallback.define`, `health.define`): they live in the process that
 * made them, ahead of what is stored in Redis under the same tag.
 */
export class CodeRegistry {
  readonly fallbacks = new ProductRegistry<{ chain: Chain; definition: CodeFirstDefinition }>();
  readonly quotas = new ProductRegistry<{ chain: Chain; definition: CodeFirstQuotaDefinition }>();
  readonly healthchecks = new ProductRegistry<CodeHealthcheck>();

  chain(product: string, tag: string): Chain | undefined {
    return this.fallbacks.get(product, tag)?.chain;
  }

  quota(product: string, tag: string): Chain | undefined {
    return this.quotas.get(product, tag)?.chain;
  }
}

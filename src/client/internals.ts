import type { Config } from '../config.js';
import type { CompileContext } from '../core/definition/compile-context.js';
import type { HealthView } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import type { EngineDeps } from '../core/run-chain.js';
import { ValidationError } from '../core/validation-error.js';
import type { HealthRuntime } from '../health/health-runtime.js';
import type { OutboundPolicy } from '../security/outbound-policy.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { HandlerRegistry } from '../targets/handler-registry.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { CodeRegistry } from './code-registry.js';
import { MISSING_PRODUCT } from './run-params.js';
import type { RedisRuntime } from './runtime.js';

/** What the namespaces of a Backstop share. Not part of the public API. */
export interface Internals {
  config: Config;
  logger: Logger;
  health: HealthView;
  code: CodeRegistry;
  handlers: HandlerRegistry;
  targets: TargetRegistry;
  runtime: RedisRuntime;
  healthRuntime: HealthRuntime;
  engine: EngineDeps;
  sessions: SessionRegistry;
  /** Declared secrets and the JSON depth limit, for compiling definitions. */
  compile: CompileContext;
  /** Where apps, URL healthchecks and JWKS URLs may call. */
  outbound: OutboundPolicy;
  defaults: { env: string | undefined; product: string | undefined };
}

export function requireProduct(internals: Internals, product: string | undefined): string {
  const resolved = product ?? internals.defaults.product;
  if (resolved) return resolved;
  throw ValidationError.field('product', MISSING_PRODUCT);
}

/** `(tag)` with the default product, or `(product, tag)`: the two call forms of the seeds. */
export function productAndTag(internals: Internals, what: string, a: string, b?: string): [string, string] {
  if (b !== undefined) return [a, b];
  if (typeof a !== 'string' || a === '') throw ValidationError.field('tag', `expected a ${what} tag`);
  return [requireProduct(internals, undefined), a];
}

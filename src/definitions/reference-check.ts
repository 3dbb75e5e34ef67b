import type { Chain } from '../core/chain.js';
import type { Feature } from '../core/feature/feature.js';
import type { HealthcheckDefinition } from '../core/health/healthcheck-schema.js';
import type { Logger } from '../core/logger.js';
import type { TargetRef } from '../core/target-ref.js';
import { ValidationError, type ValidationIssue } from '../core/validation-error.js';
import type { RedisStores } from '../store/redis-stores.js';
import type { HandlerRegistry } from '../targets/handler-registry.js';
import type { CodeRegistry } from './code-registry.js';

/** Where each provider of a chain was written, for messages: `options[1]`, `handler.fallback[0]`. */
export type ProviderPaths = (index: number) => string;

export const declarativePaths: ProviderPaths = (i) => `options[${i}]`;
export const codeFirstPaths: ProviderPaths = (i) =>
  i === 0 ? 'handler.primary' : `handler.fallback[${i - 1}]`;

/** Field names of the two forms: the declarative form calls the action `event`. */
const ACTION_FIELD = { declarative: 'event', code: 'action' } as const;

/**
 * Checks, when a definition is created or changed, that what it names exists: apps and their
 * actions (or an in-process handler for them), healthchecks, the chains and features it runs. A
 * typo found at create time costs a 400; found at run time it costs a failover, or an outage of
 * health-awareness nobody notices. `strict: false` (BACKSTOP_CHECK_REFERENCES=false) allows
 * forward references, for definitions loaded out of order: each missing one is logged instead.
 */
export class ReferenceCheck {
  constructor(
    private readonly stores: RedisStores,
    private readonly code: CodeRegistry,
    private readonly handlers: HandlerRegistry,
    private readonly strict: boolean,
    private readonly logger: Logger,
  ) {}

  async chain(chain: Chain, paths: ProviderPaths, form: 'declarative' | 'code'): Promise<void> {
    const issues: ValidationIssue[] = [];
    for (const [i, provider] of chain.providers.entries()) {
      const path = paths(i);
      issues.push(
        ...(await this.target(chain.product, provider.target, path, ACTION_FIELD[form], chain.tag)),
      );
      if (provider.healthcheck && !(await this.hasHealthcheck(chain.product, provider.healthcheck))) {
        issues.push({
          path: `${path}.healthcheck`,
          message: `no healthcheck '${provider.healthcheck}' in product '${chain.product}' (${await this.healthchecksOf(chain.product)}); create it first with health.create`,
        });
      }
    }
    this.settle(issues, `fallback '${chain.tag}'`);
  }

  async feature(feature: Feature): Promise<void> {
    const issues: ValidationIssue[] = [];
    for (const [i, step] of feature.steps.entries()) {
      const path = `events[${i}]`;
      if (step.kind === 'provider') {
        const target = step.chain.providers[0]?.target;
        if (target) issues.push(...(await this.target(feature.product, target, path, 'event')));
      } else if (step.kind === 'fallback') {
        if (!(await this.hasFallback(feature.product, step.tag)))
          issues.push({
            path: `${path}.event`,
            message: `no fallback '${step.tag}' in product '${feature.product}'`,
          });
      } else if (!(await this.hasFeature(feature.product, step.tag)) && step.tag !== feature.tag) {
        issues.push({
          path: `${path}.event`,
          message: `no feature '${step.tag}' in product '${feature.product}'`,
        });
      }
    }
    this.settle(issues, `feature '${feature.tag}'`);
  }

  /** A healthcheck that probes an app action: the app and the action must exist. */
  async healthcheck(definition: HealthcheckDefinition): Promise<void> {
    if (!definition.app || !definition.event) return;
    const target: TargetRef = { kind: 'app', app: definition.app, action: definition.event };
    this.settle(await this.target('', target, '', 'event'), `healthcheck '${definition.tag}'`);
  }

  /** `self`: the chain's own tag; a chain that runs itself is cut by the nesting limit, not refused here. */
  private async target(product: string, target: TargetRef, path: string, actionField: string, self?: string) {
    const at = (field: string) => (path ? `${path}.${field}` : field);
    const issues: ValidationIssue[] = [];
    if (target.kind === 'app') {
      if (this.handlers.get(target.app, target.action)) return issues;
      const { apps } = await this.stores.get();
      const app = await apps.compiled(target.app);
      if (!app) {
        issues.push({
          path: at('app'),
          message: `no app '${target.app}' is defined (app.define), and no handler is registered for ${target.app}/${target.action}`,
        });
      } else if (!app.definition.actions[target.action]) {
        const actions = Object.keys(app.definition.actions).join(', ');
        issues.push({
          path: at(actionField),
          message: `app '${target.app}' has no action '${target.action}' (actions: ${actions})`,
        });
      }
    } else if (
      target.kind === 'workflow' &&
      target.workflow !== self &&
      !(await this.hasFallback(product, target.workflow))
    ) {
      issues.push({
        path: at('workflow'),
        message: `no fallback '${target.workflow}' in product '${product}'`,
      });
    } else if (target.kind === 'feature' && !(await this.hasFeature(product, target.feature))) {
      issues.push({
        path: at(actionField),
        message: `no feature '${target.feature}' in product '${product}'`,
      });
    }
    return issues;
  }

  private settle(issues: ValidationIssue[], what: string): void {
    if (issues.length === 0) return;
    if (this.strict) throw new ValidationError(issues, `${what} names what does not exist`);
    for (const issue of issues)
      this.logger.warn(
        { path: issue.path },
        `${what}: ${issue.message} (allowed: BACKSTOP_CHECK_REFERENCES=false)`,
      );
  }

  private async hasHealthcheck(product: string, tag: string): Promise<boolean> {
    if (this.code.healthchecks.get(product, tag)) return true;
    const { healthchecks } = await this.stores.get();
    return (await healthchecks.definition(product, tag)) !== undefined;
  }

  private async healthchecksOf(product: string): Promise<string> {
    const { healthchecks } = await this.stores.get();
    const tags = [
      ...this.code.healthchecks.list(product).map((e) => e.value.definition.tag),
      ...(await healthchecks.list(product)).map((s) => s.definition.tag),
    ];
    return tags.length ? `healthchecks: ${[...new Set(tags)].sort().join(', ')}` : 'it has no healthchecks';
  }

  private async hasFallback(product: string, tag: string): Promise<boolean> {
    if (this.code.chain(product, tag)) return true;
    const { fallbacks } = await this.stores.get();
    return (await fallbacks.chain(product, tag)) !== undefined;
  }

  private async hasFeature(product: string, tag: string): Promise<boolean> {
    const { features } = await this.stores.get();
    return (await features.compiled(product, tag)) !== undefined;
  }
}

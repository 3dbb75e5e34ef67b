import { createHmac, randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { ErrorCodes } from '../core/errors.js';
import type { EngineEvents } from '../core/events.js';
import {
  type AlertTransition,
  alertReason,
  alertTransition,
  type HealthAlert,
} from '../core/health/alert.js';
import type { OnFailure } from '../core/health/healthcheck-schema.js';
import type { ProviderState } from '../core/health/provider-state.js';
import type { Logger } from '../core/logger.js';
import { SeenIds } from '../core/seen-ids.js';
import type { Broadcast } from '../store/broadcast.js';
import type { RedisStores } from '../store/redis-stores.js';
import type { HealthcheckLookup } from './healthcheck-processor.js';

/** How a webhook is called: through the outbound policy, as providers are. */
export type AlertFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<Response>;

/** Waits before each delivery attempt: at once, then after 250 ms, 1 s and 4 s. */
export const ALERT_RETRY_DELAYS_MS = [0, 250, 1_000, 4_000] as const;
const WEBHOOK_TIMEOUT_MS = 10_000;
export const SIGNATURE_HEADER = 'x-backstop-signature';

export interface HealthAlertsDeps {
  stores: RedisStores;
  broadcast: Broadcast;
  clock: Clock;
  logger: Logger;
  healthchecks: HealthcheckLookup;
  fetch: AlertFetch;
  /** The operator's secret the webhook body is signed with (BACKSTOP_ALERT_SECRET). */
  secret: string | undefined;
  events?: EngineEvents | undefined;
}

/**
 * Healthcheck alerts (`onFailure`). A provider state is written by compare-and-set, so exactly one
 * process makes each transition out of rotation and back: that process raises the alert, once —
 * the webhook (signed, retried) from there, and the `health.alert` event in every process through
 * pub/sub, so `backstop.on('health.alert')` hears it wherever it listens.
 */
export class HealthAlerts {
  /** Alerts already raised here as events: a publish sent again after a lost reply arrives twice. */
  private readonly heardIds = new SeenIds();

  constructor(private readonly deps: HealthAlertsDeps) {
    deps.broadcast.on(
      (s) => s.keys.alertEvents(),
      (message) => this.heard(message),
    );
  }

  /** Called after each state write this process made (provider-state-store.ts). */
  written(
    product: string,
    env: string,
    key: string,
    before: ProviderState | undefined,
    after: ProviderState,
  ): void {
    const now = this.deps.clock.now();
    const transition = alertTransition(before, after, now);
    if (!transition) return;
    void this.raise(product, env, key, transition, after, now).catch((error) =>
      this.deps.logger.warn(
        { code: ErrorCodes.PROVIDER_ERROR, healthcheck: key, reason: (error as Error).message },
        'healthcheck alert not raised',
      ),
    );
  }

  private async raise(
    product: string,
    env: string,
    key: string,
    transition: AlertTransition,
    after: ProviderState,
    now: number,
  ): Promise<void> {
    const onFailure = (await this.deps.healthchecks(product, key))?.definition.onFailure;
    if (!onFailure) return;
    const alert: HealthAlert = {
      id: randomUUID(),
      transition,
      product,
      env,
      healthcheck: key,
      reason: alertReason(after, transition),
      at: new Date(now).toISOString(),
    };
    this.deps.logger.warn({ ...alert }, `healthcheck alert: ${key} ${transition}`);
    if (onFailure.emit) {
      const { redis, keys } = await this.deps.stores.get();
      await redis.publish(keys.alertEvents(), JSON.stringify({ event: onFailure.emit.event, alert }));
    }
    if (onFailure.webhook) await this.deliver(onFailure.webhook, alert);
  }

  private heard(message: string): void {
    const events = this.deps.events;
    if (!events?.active) return;
    try {
      const { event, alert } = JSON.parse(message) as { event: string; alert: HealthAlert };
      if (!this.heardIds.firstTime(alert.id)) return;
      events.emit({ type: 'health.alert', event, ...alert });
    } catch (error) {
      this.deps.logger.warn(
        { code: ErrorCodes.VALIDATION, reason: (error as Error).message },
        'unreadable alert message',
      );
    }
  }

  /** POSTs the alert, signed, until a 2xx or the retries are spent; one log line if it never lands. */
  private async deliver(webhook: NonNullable<OnFailure['webhook']>, alert: HealthAlert): Promise<void> {
    const { secret, logger, fetch } = this.deps;
    const where = { alert: alert.id, healthcheck: alert.healthcheck, url: webhook.url };
    if (!secret) {
      logger.error(
        { ...where, code: ErrorCodes.VALIDATION, reason: 'BACKSTOP_ALERT_SECRET is not set' },
        'healthcheck alert webhook not called: it is never sent unsigned',
      );
      return;
    }
    const body = JSON.stringify({ ...webhook.body, alert });
    let reason = '';
    for (const [attempt, delay] of ALERT_RETRY_DELAYS_MS.entries()) {
      if (delay > 0) await new Promise((done) => this.deps.clock.setTimer(delay, () => done(undefined)));
      const headers = {
        ...webhook.headers,
        'content-type': 'application/json',
        'x-backstop-alert-id': alert.id,
        [SIGNATURE_HEADER]: signature(secret, body, this.deps.clock.now()),
      };
      try {
        const response = await fetch(webhook.url, {
          method: webhook.method,
          headers,
          body,
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        reason = `HTTP ${response.status}`;
      } catch (error) {
        reason = (error as Error).message;
      }
      logger.debug({ ...where, attempt: attempt + 1, reason }, 'healthcheck alert webhook failed');
    }
    logger.warn(
      { ...where, code: ErrorCodes.PROVIDER_HTTP, reason, tries: ALERT_RETRY_DELAYS_MS.length },
      'healthcheck alert webhook gave up',
    );
  }
}

/** `t=<ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: a receiver recomputes it and checks t is recent. */
export function signature(secret: string, body: string, at: number): string {
  const mac = createHmac('sha256', secret).update(`${at}.${body}`).digest('hex');
  return `t=${at},v1=${mac}`;
}

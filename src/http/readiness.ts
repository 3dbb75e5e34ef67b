import type { Backstop } from '../backstop.js';
import { within } from '../observability/within.js';

export interface Readiness {
  status: 'ready' | 'not ready';
  reasons: string[];
  checks: {
    redis: { ok: boolean; latencyMs?: number; error?: string };
    workers: { ok: boolean; count?: number; error?: string };
  };
}

/**
 * Ready when Redis answers a PING and at least one fallback worker beat within the last 15 s
 * (`jobs.workers()`): without a worker, dispatched jobs would be accepted and never run. Beats
 * rather than BullMQ's `getWorkers` (CLIENT LIST): connection names come and go with every
 * reconnect, which made readiness flap for seconds after Redis came back while workers already ran
 * jobs; beats are kept in Redis, and one late beat does not count.
 */
export async function readiness(backstop: Backstop, timeoutMs = 2_000): Promise<Readiness> {
  const reasons: string[] = [];
  const checks: Readiness['checks'] = { redis: { ok: false }, workers: { ok: false } };
  try {
    const redis = await within(backstop.redis(), timeoutMs, 'Redis');
    const started = performance.now();
    await within(redis.ping(), timeoutMs, 'Redis');
    checks.redis = { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    const workers = await within(backstop.jobs.workers(), timeoutMs, 'Redis');
    checks.workers = { ok: workers.length > 0, count: workers.length };
    if (workers.length === 0) reasons.push('no fallback worker has beaten within the last 15 s');
  } catch (error) {
    const message = (error as Error).message;
    if (!checks.redis.ok) {
      checks.redis = { ok: false, error: message };
      checks.workers = { ok: false, error: 'not checked: Redis is unavailable' };
      reasons.push(`Redis is unavailable: ${message}`);
    } else {
      checks.workers = { ok: false, error: message };
      reasons.push(`cannot list workers: ${message}`);
    }
  }
  return { status: reasons.length === 0 ? 'ready' : 'not ready', reasons, checks };
}

import type { Config } from '../config.js';
import { passwordsOf } from '../redis/redis-url.js';
import type { Redactor } from './redactor.js';

/**
 * Backstop's own secrets are redacted too: the Redis password, the session sealing key and every
 * API key, should any of them ever be about to leave the process.
 */
export function registerConfigSecrets(config: Config, redactor: Redactor): void {
  for (const password of passwordsOf(config.REDIS_URL ?? '')) redactor.add(password);
  redactor.add(config.BACKSTOP_SESSION_KEY);
  redactor.add(config.BACKSTOP_ALERT_SECRET);
  for (const entry of (config.BACKSTOP_API_KEYS ?? '').split(',')) {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first >= 0 && last > first) redactor.add(entry.slice(first + 1, last));
  }
}

import type { Logger } from '../core/logger.js';

/**
 * A background write that fails on every turn while Redis is away logs once per spell of trouble,
 * with its code and reason, not once per turn: `failed` logs only the first failure since the
 * last success (`ok`).
 */
export class TroubleSpell {
  private failing = false;

  constructor(private readonly trouble: { logger: Logger; code: string; message: string }) {}

  ok(): void {
    this.failing = false;
  }

  failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    const { logger, code, message } = this.trouble;
    logger.warn({ code, reason: (error as Error).message }, message);
  }
}

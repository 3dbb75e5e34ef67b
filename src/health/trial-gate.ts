import { ErrorCodes } from '../core/errors.js';
import type { HealthKey } from '../core/health-view.js';
import type { Logger } from '../core/logger.js';
import { codeOf } from '../redis/redis-errors.js';

/**
 * A trial call claimed and not used within this long is dropped, and the budget's key expires with
 * it, so a process that claimed one and got no more traffic holds a trial up for this long at most.
 */
export const TRIAL_LEASE_MS = 2_000;
/** A process that asked for a provider this recently claims a trial call as soon as a trial starts. */
const DEMAND_MS = 10_000;

/** Takes one trial call from the budget shared across processes (Redis); false when it is spent. */
export type ClaimTrial = (key: HealthKey, ejectedAt: number, budget: number) => Promise<boolean>;

interface Trial {
  ejectedAt: number;
  /** Trial calls this process holds, with when each was claimed. */
  held: number[];
  claiming: boolean;
  /** The budget was spent by others: no new claim before this. */
  retryAt: number;
}

/**
 * This process's share of a provider's trial calls. The budget is shared by every process (a
 * Redis counter per trial), so admitting a trial call needs a token claimed beforehand: a process
 * claims one the moment a trial starts if it has traffic for the provider, else at its first
 * ask (that ask is skipped; the next one takes the token). No round trip ever sits on a run's path.
 */
export class TrialGate {
  private readonly trials = new Map<string, Trial>();
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly claim: ClaimTrial,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** A run asked for a provider that is out of rotation: remembered, so a trial is claimed for it early. */
  demand(id: string): void {
    this.asked.set(id, this.now());
  }

  /** Whether this run may make a trial call now (taking this process's token). */
  admit(id: string, key: HealthKey, ejectedAt: number, budget: number): boolean {
    this.demand(id);
    const trial = this.trialOf(id, ejectedAt);
    const now = this.now();
    while (trial.held.length > 0 && now - trial.held[0]! >= TRIAL_LEASE_MS) trial.held.shift();
    if (trial.held.length > 0) {
      trial.held.shift();
      return true;
    }
    this.request(trial, key, budget);
    return false;
  }

  /** A trial began (seen in the snapshot): claim a token at once if runs here want the provider. */
  started(id: string, key: HealthKey, ejectedAt: number, budget: number): void {
    const asked = this.asked.get(id);
    if (asked === undefined || this.now() - asked > DEMAND_MS) return;
    this.request(this.trialOf(id, ejectedAt), key, budget);
  }

  /** The provider is no longer on this trial (recovered, ejected again, reset). */
  ended(id: string): void {
    this.trials.delete(id);
  }

  private trialOf(id: string, ejectedAt: number): Trial {
    let trial = this.trials.get(id);
    if (!trial || trial.ejectedAt !== ejectedAt) {
      trial = { ejectedAt, held: [], claiming: false, retryAt: 0 };
      this.trials.set(id, trial);
    }
    return trial;
  }

  private request(trial: Trial, key: HealthKey, budget: number): void {
    if (trial.claiming || trial.held.length > 0 || this.now() < trial.retryAt) return;
    trial.claiming = true;
    this.claim(key, trial.ejectedAt, budget)
      .then((granted) => {
        if (granted) trial.held.push(this.now());
        else trial.retryAt = this.now() + TRIAL_LEASE_MS;
      })
      .catch((error) => {
        trial.retryAt = this.now() + 1_000;
        const code = codeOf(error, ErrorCodes.REDIS_UNAVAILABLE);
        this.logger.warn({ code, err: error, healthcheck: key.healthcheck }, 'claiming a trial call failed');
      })
      .finally(() => {
        trial.claiming = false;
      });
  }
}

/** Addresses tracked at once; past this the oldest are forgotten (a bound, not a policy). */
const MAX_ADDRESSES = 10_000;
const WINDOW_MS = 60_000;

/**
 * Wrong API keys per client address, in fixed one-minute windows. Consulted before any key is
 * looked up: an address that used its failures is refused (429, Retry-After) until its window
 * ends, whatever key it presents, so that guessing a key costs a minute per few guesses. Kept in
 * this process's memory: behind a load balancer each API process counts on its own, and the client
 * address is the proxy's unless the proxy is trusted (`trustProxy`).
 */
export class AuthThrottle {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfter(address: string): number {
    const window = this.windows.get(address);
    if (!window) return 0;
    const left = window.start + WINDOW_MS - this.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return window.failures >= this.perMinute ? Math.ceil(left / 1_000) : 0;
  }

  /** Counts a wrong key presented from `address`. */
  fail(address: string): void {
    const now = this.now();
    const window = this.windows.get(address);
    if (window && now - window.start < WINDOW_MS) {
      window.failures++;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= MAX_ADDRESSES) this.forgetOldest(now);
    this.windows.set(address, { start: now, failures: 1 });
  }

  private forgetOldest(now: number): void {
    for (const [address, window] of this.windows) {
      if (now - window.start >= WINDOW_MS || this.windows.size >= MAX_ADDRESSES) this.windows.delete(address);
      else break;
    }
  }
}

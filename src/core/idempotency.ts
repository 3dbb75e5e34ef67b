/**
 * The key a provider sees. Derived from the run's key and the provider's name only, so every retry
 * of the same run against the same provider (and every re-run of the same job) sends the same key.
 */
export function idempotencyKeyFor(runKey: string, provider: string): string {
  return `${runKey}:${provider}`;
}

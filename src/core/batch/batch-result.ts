/** One item of a batch run, as the result lists it (in input order). */
export type BatchItemResult =
  | { index: number; ok: true; provider: string; output: Record<string, unknown> }
  | { index: number; ok: false; error: { code: string; message: string; provider?: string | undefined } };

/** What a batch run returns: every item's provider and output, or its error; and what each call carried. */
export interface BatchOutcome {
  runId: string;
  items: BatchItemResult[];
  /** One line per provider call (a batch call, or one item's run): which provider, how many items, served how many. */
  calls: { provider: string; items: number; served: number; batch: boolean }[];
}

/** An item still looking for a provider, with the last tier's failure for `$Fallback{}`. */
export interface PendingItem {
  index: number;
  input: unknown;
  fallback?: { error: string; provider: string; code: string; status?: number | undefined } | undefined;
}

/** How a batch answer is read: `{ results: [...] }` or a bare array, one entry an item, in order. */
export function batchEntries(response: unknown, expected: number): unknown[] | undefined {
  const entries = Array.isArray(response)
    ? response
    : response !== null && typeof response === 'object'
      ? (response as { results?: unknown }).results
      : undefined;
  return Array.isArray(entries) && entries.length === expected ? entries : undefined;
}

/** An entry that says its item failed: an object with a truthy `error`. */
export function entryError(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || !('error' in entry)) return undefined;
  const error = (entry as { error: unknown }).error;
  if (!error) return undefined;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

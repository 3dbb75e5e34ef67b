import type { Chain, ProviderSpec } from '../chain.js';
import { inChunks } from '../chunks.js';
import { ErrorCodes } from '../errors.js';
import { normalize } from '../normalize.js';
import { type EngineDeps, runChain } from '../run-chain.js';
import {
  type BatchItemResult,
  type BatchOutcome,
  batchEntries,
  entryError,
  type PendingItem,
} from './batch-result.js';

export interface BatchRequest {
  chain: Chain;
  env: string;
  /** Already validated, each against `chain.input`. */
  items: readonly unknown[];
  runId: string;
  /** Roots every call's idempotency key: an item's own run, or a batch call's chunk. */
  runKey: string;
  signal?: AbortSignal | undefined;
  session?: Readonly<Record<string, unknown>> | undefined;
  /** Calls in flight at once (items one by one, or batch calls). */
  concurrency: number;
}

/**
 * A batch run, tier by tier, as a stream processor's fallback output does it: the items still
 * unserved go to the next provider, each with its own `$Fallback{}`; items a provider served stop
 * there. A provider with `batch: { maxSize }` gets them in calls of up to `maxSize`, and its answer
 * must say, item by item, which were served; an answer that cannot be attributed (the call failed
 * after its retries, or it lists no per-item results) sends the whole call's items on, so none is
 * lost. Other providers get the items one by one, `concurrency` at a time. Every call is an
 * ordinary run of a one-provider chain: retries, timeouts, health, drills and idempotency keys
 * apply unchanged.
 */
export async function runBatch(deps: EngineDeps, req: BatchRequest): Promise<BatchOutcome> {
  const results: BatchItemResult[] = new Array(req.items.length);
  const calls: BatchOutcome['calls'] = [];
  let pending: PendingItem[] = req.items.map((input, index) => ({ index, input }));
  for (const provider of req.chain.providers) {
    if (pending.length === 0 || req.signal?.aborted) break;
    const tier = provider.batch
      ? await batchTier(deps, req, provider, pending, results, calls)
      : await itemTier(deps, req, provider, pending, results, calls);
    pending = tier;
  }
  for (const item of pending) {
    const last = item.fallback;
    results[item.index] = {
      index: item.index,
      ok: false,
      error: {
        code: last?.code ?? ErrorCodes.FALLBACK_EXHAUSTED,
        message: last?.error ?? 'no provider served this item',
        provider: last?.provider,
      },
    };
  }
  return { runId: req.runId, items: results, calls };
}

/** The chain of one provider: health is followed (an unhealthy one hands its items on at once). */
function only(chain: Chain, provider: ProviderSpec, overrides: Partial<ProviderSpec> = {}): Chain {
  return {
    ...chain,
    providers: [{ ...provider, ...overrides }],
    whenAllUnhealthy: 'fail',
    selection: 'ordered',
  };
}

async function itemTier(
  deps: EngineDeps,
  req: BatchRequest,
  provider: ProviderSpec,
  pending: PendingItem[],
  results: BatchItemResult[],
  calls: BatchOutcome['calls'],
): Promise<PendingItem[]> {
  const chain = only(req.chain, provider);
  const left: PendingItem[] = [];
  await eachLimited(pending, req.concurrency, async (item) => {
    const outcome = await runChain(deps, {
      chain,
      env: req.env,
      input: item.input,
      runId: `${req.runId}:${item.index}`,
      runKey: `${req.runKey}:${item.index}`,
      signal: req.signal,
      session: req.session,
      fallback: item.fallback,
    });
    calls.push({ provider: provider.name, items: 1, served: outcome.ok ? 1 : 0, batch: false });
    if (outcome.ok)
      results[item.index] = { index: item.index, ok: true, provider: provider.name, output: outcome.result };
    else left.push({ ...item, fallback: failureOf(provider, outcome.error.code, outcome.error.message) });
  });
  return left.sort((a, b) => a.index - b.index);
}

async function batchTier(
  deps: EngineDeps,
  req: BatchRequest,
  provider: ProviderSpec,
  pending: PendingItem[],
  results: BatchItemResult[],
  calls: BatchOutcome['calls'],
): Promise<PendingItem[]> {
  const maxSize = provider.batch!.maxSize;
  const chunks = inChunks(pending, maxSize);
  const map = provider.mapInput;
  // The call's request: each item mapped as the option says, with its own input and $Fallback{}.
  const chain = only(req.chain, provider, {
    mapInput: (chunk, scope) => ({
      items: (chunk as PendingItem[]).map((item) =>
        map ? map(item.input, { ...scope, input: item.input, fallback: item.fallback }) : item.input,
      ),
    }),
    mapOutput: (response) => ({ answer: response }),
    strictOutput: false,
  });
  const left: PendingItem[] = [];
  await eachLimited(chunks, req.concurrency, async (chunk) => {
    const outcome = await runChain(deps, {
      chain,
      env: req.env,
      input: chunk,
      runId: `${req.runId}:${provider.name}:${chunk[0]!.index}`,
      runKey: `${req.runKey}:${provider.name}:${chunk[0]!.index}`,
      signal: req.signal,
      session: req.session,
    });
    if (!outcome.ok) {
      calls.push({ provider: provider.name, items: chunk.length, served: 0, batch: true });
      const failure = failureOf(provider, outcome.error.code, outcome.error.message);
      for (const item of chunk) left.push({ ...item, fallback: failure });
      return;
    }
    const entries = batchEntries(outcome.result.answer, chunk.length);
    if (!entries) {
      calls.push({ provider: provider.name, items: chunk.length, served: 0, batch: true });
      const failure = failureOf(
        provider,
        ErrorCodes.MAPPING_FAILED,
        `a batch answer must list one result per item (${chunk.length}) as { results: [...] } or an array`,
      );
      for (const item of chunk) left.push({ ...item, fallback: failure });
      return;
    }
    let served = 0;
    for (const [i, entry] of entries.entries()) {
      const item = chunk[i]!;
      const error = entryError(entry);
      if (error !== undefined) {
        left.push({ ...item, fallback: failureOf(provider, ErrorCodes.PROVIDER_ERROR, error) });
        continue;
      }
      try {
        const output = normalize(provider, entry, {
          input: item.input,
          session: req.session,
          fallback: item.fallback,
        });
        results[item.index] = { index: item.index, ok: true, provider: provider.name, output };
        served++;
      } catch (mapping) {
        left.push({
          ...item,
          fallback: failureOf(provider, ErrorCodes.MAPPING_FAILED, (mapping as Error).message),
        });
      }
    }
    calls.push({ provider: provider.name, items: chunk.length, served, batch: true });
  });
  return left.sort((a, b) => a.index - b.index);
}

function failureOf(provider: ProviderSpec, code: string, message: string): PendingItem['fallback'] {
  return { error: message, provider: provider.name, code };
}

/** Runs `fn` over `list`, at most `limit` at a time. */
async function eachLimited<T>(
  list: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, list.length) }, async () => {
    while (next < list.length) await fn(list[next++]!);
  });
  await Promise.all(lanes);
}

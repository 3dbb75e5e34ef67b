import { runBatch } from '../core/batch/run-batch.js';
import type { Chain } from '../core/chain.js';
import type { EngineDeps } from '../core/run-chain.js';
import type { DefinitionResolver } from '../definitions/definition-resolver.js';
import { DEFAULT_BATCH_CONCURRENCY, validateItems } from '../runs/batch-runs.js';
import type { BatchJobResult } from './job-data.js';
import type { JobDefinition, JobStrategy } from './job-strategy.js';

/** A batch job's definition: the chain, and how its `{ items }` input is checked again. */
export interface BatchDefinition extends JobDefinition {
  chain: Chain;
}

/** The input a batch job carries: the items, and how many calls it makes at once. */
export interface BatchJobInput extends Record<string, unknown> {
  items: Record<string, unknown>[];
  concurrency?: number;
}

export function batchDefinition(chain: Chain): BatchDefinition {
  return {
    chain,
    version: chain.version,
    validateInput: (input) => {
      const { items, concurrency } = input as BatchJobInput;
      return { items: validateItems(chain, items), ...(concurrency ? { concurrency } : {}) };
    },
  };
}

/**
 * A batch job (`fallback.dispatchBatch`): the items through the chain tier by tier, as a batch run
 * in-process does. It completes with every item's result, errors included; a re-run after a crash
 * starts over with the same idempotency keys (each item's and each batch call's), so providers
 * that honour them do not act twice.
 */
export function batchJob(deps: {
  engine: EngineDeps;
  definitions: DefinitionResolver;
}): JobStrategy<BatchDefinition> {
  return {
    resolve: async (data) => batchDefinition(await deps.definitions.fallback(data.product, data.tag)),
    run: async ({ job, data, definition, input, session, runKey, signal }) => {
      const { items, concurrency } = input as BatchJobInput;
      const outcome = await runBatch(deps.engine, {
        chain: definition.chain,
        env: data.env,
        items,
        runId: job.id!,
        runKey,
        signal,
        session,
        concurrency: concurrency ?? DEFAULT_BATCH_CONCURRENCY,
      });
      if (signal.aborted)
        return { kind: 'interrupted', progress: {}, message: 'shutdown: the batch runs again' };
      const result: BatchJobResult = outcome;
      const served = outcome.items.filter((i) => i.ok).length;
      return { kind: 'completed', result, detail: { items: items.length, served } };
    },
  };
}

import { Session } from 'node:inspector/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runTimes } from './measure.js';

export interface MemoryResult {
  /** Bytes allocated per run, from V8's sampling heap profiler (collected objects included). */
  allocatedPerRun: number;
  /** heapUsed after the runs minus before, GCs allowed in between, scaled to 10k runs. */
  heapUsedDelta: number;
  /** heapUsed after a forced full GC minus before, scaled to 10k runs: what the runs left behind. */
  retainedDelta: number;
}

export interface MemoryProbe {
  /** Runs `run` `count` times (`lanes` in flight) between forced GCs, sampling allocations. */
  measure(run: () => Promise<unknown>, count: number, lanes: number): Promise<MemoryResult>;
  close(): void;
}

/** Sampling every KiB (instead of V8's default 32 KiB) keeps the estimate within a few percent. */
const SAMPLING_INTERVAL = 1024;

export async function createMemoryProbe(): Promise<MemoryProbe> {
  // `gc` without restarting node with --expose-gc: the flag takes effect for new contexts.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  return {
    async measure(run, count, lanes) {
      // Two passes: the profiler keeps some sampled objects alive, so heap deltas come from a pass without it.
      gc();
      const before = process.memoryUsage().heapUsed;
      await runTimes(run, count, lanes);
      const after = process.memoryUsage().heapUsed;
      gc();
      const retained = process.memoryUsage().heapUsed;

      await session.post('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_INTERVAL,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await runTimes(run, count, lanes);
      const { profile } = await session.post('HeapProfiler.getSamplingProfile');
      await session.post('HeapProfiler.stopSampling');
      gc();
      const per10k = 10_000 / count;
      return {
        allocatedPerRun: totalSelfSize(profile.head) / count,
        heapUsedDelta: (after - before) * per10k,
        retainedDelta: (retained - before) * per10k,
      };
    },
    close() {
      session.disconnect();
    },
  };
}

interface SampleNode {
  selfSize: number;
  children: SampleNode[];
}

function totalSelfSize(node: SampleNode): number {
  let total = node.selfSize;
  for (const child of node.children) total += totalSelfSize(child);
  return total;
}

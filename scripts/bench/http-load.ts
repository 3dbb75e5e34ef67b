import { createRequire } from 'node:module';

/**
 * autocannon 8 through its programmatic API (it ships no types: the options and the parts of the
 * result this bench reads are typed here). The load runs in a worker thread (`workers: 1`), so the
 * client does not share the server's event loop, as a remote client would not.
 */
export interface LoadOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Seconds; autocannon stops at the first 1 s sample after it (so 5 can read as 5-6). */
  duration: number;
}

interface AutocannonOptions extends LoadOptions {
  pipelining: number;
  workers: number;
  timeout: number;
}

interface Percentiles {
  average: number;
  p50: number;
  p99: number;
  max: number;
}

/** The part of an autocannon result the bench reads. */
export interface AutocannonResult {
  /** Seconds from the first request to the stop (10 ms resolution). */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  mismatches: number;
  statusCodeStats: Record<string, { count: number }>;
  /** Milliseconds. */
  latency: Percentiles;
  requests: Percentiles & { sent: number; total: number };
}

type Autocannon = (options: AutocannonOptions) => PromiseLike<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** What one timed load round gives, counted by status code. */
export interface LoadRound {
  seconds: number;
  /** Responses by status code, e.g. { '202': 41234 }. */
  statuses: Record<string, number>;
  accepted: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
}

/** The status every dispatch must answer. */
export const ACCEPTED = '202';

export async function load(options: LoadOptions): Promise<LoadRound> {
  const result = await autocannon({ ...options, pipelining: 1, workers: 1, timeout: 10 });
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]),
  );
  return {
    seconds: result.duration,
    statuses,
    accepted: statuses[ACCEPTED] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { type ApiServer, startApiServer } from '../../src/server.js';
import type { HttpBenchEnv } from './http-env.js';
import { ACCEPTED, type LoadRound, load } from './http-load.js';
import { opsPerSecond } from './measure.js';
import { startCpuMeter } from './queue-cost.js';
import type { SideResult } from './queue-dispatch.js';
import { backstopSide, INPUT, TAG } from './queue-sides.js';

/**
 * One cell: a Backstop on a fresh prefix with the stored two-provider chain of bench:queue (in-process
 * handlers), served by `startApiServer` on 127.0.0.1:0. The two sides dispatch the same job through
 * the same Backstop, in alternating order: HTTP (autocannon, `connections` keep-alive connections,
 * `POST /v1/fallbacks/:tag/dispatch` with a bearer key) and library (`fallback.dispatch`, as many
 * lanes in flight as there are connections).
 */
export interface HttpPlan {
  connections: readonly number[];
  warmupHttpS: number;
  warmupLibraryMs: number;
  roundS: number;
  rounds: number;
  /** Far above anything a round can send: the limiter runs on every request, never refuses one. */
  rateLimitPerMinute: number;
}

export const HTTP = 'http api';
export const LIBRARY = 'library';

/** The request body; the tag comes from the path, as the route merges it. */
export const BODY = { input: INPUT };

export function describeSides(plan: HttpPlan): string[] {
  const limit = plan.rateLimitPerMinute.toLocaleString('en-US');
  return [
    `${HTTP}: autocannon 8 in a worker thread (off the server's event loop), pipelining 1, keep-alive;`,
    `  POST /v1/fallbacks/${TAG}/dispatch, Authorization: Bearer <write key>, body ${JSON.stringify(BODY)}.`,
    `  Server: startApiServer({ backstop, keys, host: '127.0.0.1', port: 0, rateLimitPerMinute: ${limit} }):`,
    '  auth hook (SHA-256 key lookup), @fastify/rate-limit (never refuses at that limit), JSON body',
    '  parse, zod path/query parse, fallback.dispatch, 202 + Location + the JobHandle as JSON.',
    `  jobs/s = 202 responses / autocannon's duration (requests cut off by its stop are not counted).`,
    `${LIBRARY}: backstop.fallback.dispatch({ tag: '${TAG}', input: ${JSON.stringify(INPUT)} }) with as many`,
    '  lanes in flight as the HTTP side has connections, on the same Backstop (same connection, queue).',
    `chain: bench:queue's stored chain (fallback.create, two app actions served by handlers.register).`,
    'No worker runs: every job stays waiting; each cell has its own prefix, removed after it.',
  ];
}

/**
 * Per-round cost per job: CPU of the main thread (the event loop the server and the library lanes
 * run on), of the process's other threads (the autocannon worker, GC helpers, libuv), the main
 * thread's busy share (event-loop utilization: wall time, so it counts time the OS ran another
 * thread too), and redis-server CPU.
 */
export interface RoundCost {
  /** Undefined where /proc is not there (not Linux). */
  mainUs: number | undefined;
  otherUs: number | undefined;
  utilization: number;
  redisUs: number;
}

/** An HTTP round: the load numbers, and the jobs that reached the waiting list. */
export interface HttpRound extends LoadRound {
  rate: number;
  queued: number;
  cost: RoundCost;
}

export interface LibraryRound {
  rate: number;
  jobs: number;
  queued: number;
  cost: RoundCost;
}

export interface HttpCell {
  connections: number;
  http: HttpRound[];
  library: LibraryRound[];
  /** The first request's answer, before any load: status and Location. */
  probe: { status: number; location: string | null };
}

/** Rates as bench:queue's `SideResult`, for its paired-ratio helper. */
export function sideResult(rounds: readonly { rate: number }[]): SideResult {
  return { rates: rounds.map((r) => r.rate), cpu: [], commandJobs: 0 };
}

interface Meter {
  stop(jobs: number): Promise<RoundCost>;
}

/**
 * CPU time of the main thread in µs, from /proc (Linux; USER_HZ 100, so 10 ms steps: a few tenths of
 * a percent of a 5 s round). Node 20 has no per-thread CPU clock; undefined elsewhere.
 */
function mainThreadCpuUs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime + stime, in ticks of 10 ms
  } catch {
    return undefined;
  }
}

function processCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system; // every thread, exited ones (the autocannon worker) included
}

async function startMeter(env: HttpBenchEnv): Promise<Meter> {
  const redis = await startCpuMeter(env.stats);
  const elu: EventLoopUtilization = performance.eventLoopUtilization();
  const main = mainThreadCpuUs();
  const all = processCpuUs();
  return {
    async stop(jobs) {
      const used = performance.eventLoopUtilization(elu);
      const mainNow = mainThreadCpuUs();
      const allUs = processCpuUs() - all;
      const { redisUs } = await redis.stop();
      const per = Math.max(jobs, 1);
      const mainUs = main === undefined || mainNow === undefined ? undefined : mainNow - main;
      return {
        mainUs: mainUs === undefined ? undefined : mainUs / per,
        otherUs: mainUs === undefined ? undefined : (allUs - mainUs) / per,
        utilization: used.utilization,
        redisUs: redisUs / per,
      };
    },
  };
}

export async function measureCell(
  env: HttpBenchEnv,
  connections: number,
  plan: HttpPlan,
  beforeRound: () => void,
): Promise<HttpCell> {
  const prefix = env.prefix();
  const side = await backstopSide(env.redis.url, prefix, 'stored');
  const { backstop } = side;
  const key = randomBytes(24).toString('hex');
  let server: ApiServer | undefined;
  try {
    server = await startApiServer({
      backstop,
      keys: [{ key, scope: 'write', name: 'bench' }],
      host: '127.0.0.1',
      port: 0,
      rateLimitPerMinute: plan.rateLimitPerMinute,
    });
    const queue = await backstop.jobQueue();
    const waiting = () => settledCount(() => queue.getWaitingCount());
    const url = `${server.url}/v1/fallbacks/${TAG}/dispatch`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = JSON.stringify(BODY);
    const probe = await fetch(url, { method: 'POST', headers, body });
    await probe.arrayBuffer();
    const cell: HttpCell = {
      connections,
      http: [],
      library: [],
      probe: { status: probe.status, location: probe.headers.get('location') },
    };
    let jobs = 0;
    const dispatch = async () => {
      await backstop.fallback.dispatch({ tag: TAG, input: { ...INPUT } });
      jobs++;
    };
    const mode = { kind: 'concurrent', concurrency: connections } as const;
    const httpRound = async (duration: number): Promise<HttpRound> => {
      const before = await waiting();
      const meter = await startMeter(env);
      const round = await load({ url, method: 'POST', headers, body, connections, duration });
      const cost = await meter.stop(round.accepted);
      const queued = (await waiting()) - before;
      return { ...round, rate: round.accepted / round.seconds, queued, cost };
    };
    const libraryRound = async (ms: number): Promise<LibraryRound> => {
      const before = await waiting();
      jobs = 0;
      const meter = await startMeter(env);
      const rate = await opsPerSecond(dispatch, mode, ms);
      const cost = await meter.stop(jobs);
      return { rate, jobs, queued: (await waiting()) - before, cost };
    };

    await httpRound(plan.warmupHttpS);
    await libraryRound(plan.warmupLibraryMs);
    for (let r = 0; r < plan.rounds; r++) {
      // Alternate who goes first, so neither side always runs right after the other's garbage.
      const order = r % 2 === 0 ? [HTTP, LIBRARY] : [LIBRARY, HTTP];
      for (const which of order) {
        beforeRound();
        if (which === HTTP) cell.http.push(await httpRound(plan.roundS));
        else cell.library.push(await libraryRound(plan.roundS * 1000));
      }
    }
    return cell;
  } finally {
    await server?.close();
    await side.close();
    await env.drop(prefix);
  }
}

/** A count read until two reads 20 ms apart agree (requests cut off by the stop may still land). */
async function settledCount(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** Whether every answered request was a 202. */
export function allAccepted(round: LoadRound): boolean {
  return Object.keys(round.statuses).every((code) => code === ACCEPTED) && round.errors === 0;
}

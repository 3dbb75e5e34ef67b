/**
 * Result cache and sessions: what a cached run costs against calling the vendor, what
 * caching a miss adds, how many vendor calls a burst of identical runs makes (single flight, in one
 * process and across two), and what verifying a session token adds to a run. Each cell runs its
 * baseline side by side in the same run, in rounds with rotation, on a real Redis and a loopback
 * HTTP vendor; prints a table and ratios and asserts nothing about speed. `npm run bench:cache`.
 */
import os from 'node:os';
import { jwtVerify } from 'jose';
import { checkPaths, pathChecks } from './bench/cache-checks.js';
import {
  type BurstPlan,
  type BurstResult,
  measureBursts,
  measureThroughput,
  type ThroughputCell,
  type ThroughputPlan,
} from './bench/cache-measure.js';
import { addedMicros, cellRatio, printBursts, printThroughput } from './bench/cache-report.js';
import {
  CACHE_TAG,
  CODE_TAG,
  freshInputs,
  HTTP_TAG,
  httpRun,
  INPUT,
  type Installation,
  identicalBurst,
  inputPool,
  SESSION_TAG,
  type Side,
  startInstallation,
} from './bench/cache-sides.js';
import { type HttpBenchEnv, startHttpBenchEnv } from './bench/http-env.js';
import { loadAverage, machineLine, progress } from './bench/machine.js';
import { type Mode, median, modeLabel } from './bench/measure.js';
import { collectGarbage } from './bench/queue-env.js';
import { formatRatio } from './bench/table.js';

const VENDOR_DELAY_MS = 5;
const MODES: readonly Mode[] = [{ kind: 'sequential' }, { kind: 'concurrent', concurrency: 50 }];
const PLAN: ThroughputPlan = { warmupMs: 300, roundMs: 400, rounds: 9 };
const BURSTS: BurstPlan = { runs: 100, warmupBursts: 2, bursts: 10 };
/** Cached inputs the hit side cycles through: more than the runs in flight, so few share a lookup. */
const POOL = 64;

const HIT = '1. cache hit vs vendor call';
const MISS = '2. cache miss vs no cache';
const SESSION = '4. session verification';
const SIDE = {
  vendor: 'no cache (vendor call)',
  hit: 'cache hit, 64 inputs',
  hitOne: 'cache hit, one input',
  miss: 'cache miss (fresh input)',
  plain: 'no session',
  session: 'session HS256',
  jose: 'ref: jose jwtVerify alone',
  burstPlain: 'no cache, 1 process',
  burstOne: 'cache, 1 process',
  burstTwo: 'cache, 2 processes x 50',
};

async function main(): Promise<void> {
  const startedAt = performance.now();
  const env = await startHttpBenchEnv();
  let installation: Installation | undefined;
  const cells: ThroughputCell[] = [];
  let bursts: BurstResult[] = [];
  const checks: string[] = [];
  try {
    printHeader(env);
    installation = await startInstallation(env, env.prefix(), VENDOR_DELAY_MS);
    const probes = { stats: env.stats, vendorCalls: () => installation?.vendor.calls ?? 0 };
    checks.push(...(await checkPaths(installation)));

    const pool = inputPool(POOL);
    const one = { ...INPUT, n: -2 };
    for (const input of [...pool.all, one]) await httpRun(installation, () => input, CACHE_TAG)();
    const hitSides: Side[] = [
      { name: SIDE.vendor, run: httpRun(installation, pool.next) },
      { name: SIDE.hit, run: httpRun(installation, pool.next, CACHE_TAG) },
      { name: SIDE.hitOne, run: httpRun(installation, () => one, CACHE_TAG) },
    ];
    const missSides: Side[] = [
      { name: SIDE.vendor, run: httpRun(installation, pool.next) },
      { name: SIDE.miss, run: httpRun(installation, freshInputs(), CACHE_TAG) },
    ];
    const { a, token } = installation;
    const key = new TextEncoder().encode(installation.secret);
    const sessionSides: Side[] = [
      { name: SIDE.plain, run: () => a.fallback.run({ tag: CODE_TAG, input: INPUT }) },
      {
        name: SIDE.session,
        run: () => a.fallback.run({ tag: CODE_TAG, input: INPUT, session: { tag: SESSION_TAG, token } }),
      },
      {
        name: SIDE.jose,
        run: () => jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] }),
      },
    ];
    for (const [section, sides] of [
      [HIT, hitSides],
      [MISS, missSides],
      [SESSION, sessionSides],
    ] as const) {
      for (const mode of MODES) {
        collectGarbage();
        cells.push(await measureThroughput(section, mode, sides, PLAN, probes));
        progress(`${section}, ${modeLabel(mode)}`);
      }
    }

    collectGarbage();
    const { b } = installation;
    const clear = () => a.cache.clear({ tag: HTTP_TAG });
    bursts = await measureBursts(
      [
        { name: SIDE.burstPlain, before: async () => {}, burst: identicalBurst([a], BURSTS.runs) },
        { name: SIDE.burstOne, before: clear, burst: identicalBurst([a], BURSTS.runs, CACHE_TAG) },
        { name: SIDE.burstTwo, before: clear, burst: identicalBurst([a, b], BURSTS.runs, CACHE_TAG) },
      ],
      BURSTS,
      probes.vendorCalls,
    );
    progress('3. single flight');
  } finally {
    await installation?.close();
    await env.close();
  }

  printThroughput(cells);
  printBursts(bursts, BURSTS.runs);
  printRatios(cells, bursts);
  const perRun = { [SIDE.vendor]: 1, [SIDE.hit]: 0, [SIDE.hitOne]: 0, [SIDE.miss]: 1 };
  const perBurst = { [SIDE.burstPlain]: BURSTS.runs, [SIDE.burstOne]: 1, [SIDE.burstTwo]: 1 };
  checks.push(...pathChecks(cells, bursts, perRun, perBurst));
  for (const check of checks) console.log(`  CHECK FAILED: ${check}`);
  if (checks.length === 0)
    console.log('\nchecks: every side took the path it names (calls, hits, refusals).');
  console.log(`\nload average at the end: ${loadAverage()} (${os.cpus().length} CPUs)`);
  console.log(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

function printRatios(cells: readonly ThroughputCell[], bursts: readonly BurstResult[]): void {
  console.log('\nRatios (median of per-round ratios; > 1 means the side runs more runs per second)');
  for (const mode of MODES) {
    const label = modeLabel(mode);
    const hit = cellRatio(cells, HIT, label, SIDE.hit);
    const hitOne = cellRatio(cells, HIT, label, SIDE.hitOne);
    const miss = cellRatio(cells, MISS, label, SIDE.miss);
    const session = cellRatio(cells, SESSION, label, SIDE.session);
    const jose = cellRatio(cells, SESSION, label, SIDE.jose);
    console.log(`  ${label}:`);
    if (hit)
      console.log(`    cache hit / vendor call (${VENDOR_DELAY_MS} ms vendor): ${formatRatio(hit.ratio)}`);
    if (hitOne) console.log(`    cache hit of one input / vendor call: ${formatRatio(hitOne.ratio)}`);
    if (miss) {
      console.log(
        `    cache miss / no cache: ${formatRatio(miss.ratio)} ` +
          `(caching a miss adds ${addedMicros(miss.side, miss.baseline).toFixed(0)} µs per run)`,
      );
    }
    if (session) {
      console.log(
        `    session HS256 / no session (in-process handler): ${formatRatio(session.ratio)} ` +
          `(verifying adds ${addedMicros(session.side, session.baseline).toFixed(0)} µs per run)`,
      );
    }
    if (jose) {
      console.log(
        `    ref: jose.jwtVerify alone, secret as raw bytes (re-imported on each call): ${(1e6 / median(jose.side.rates)).toFixed(0)} µs per call`,
      );
    }
  }
  const calls = (name: string) => {
    const burst = bursts.find((b) => b.name === name);
    if (!burst) return Number.NaN;
    const sorted = [...burst.calls].sort((x, y) => x - y);
    return sorted[sorted.length >> 1]!;
  };
  const plain = calls(SIDE.burstPlain);
  console.log(`  single flight, ${BURSTS.runs} identical runs at once:`);
  for (const name of [SIDE.burstOne, SIDE.burstTwo]) {
    const cached = calls(name);
    console.log(
      `    ${name}: ${cached} vendor call(s) per burst vs ${plain} without cache ` +
        `(${formatRatio(plain / cached)} fewer)`,
    );
  }
}

function printHeader(env: HttpBenchEnv): void {
  console.log('bench:cache - result cache and session verification, with their baselines side by side');
  console.log(machineLine());
  console.log(
    `Redis: ${env.redis.label}, ${env.redis.url}, hz ${env.redis.hz}` +
      (process.env.REDIS_URL ? '' : " (startEmbeddedRedis's config: AOF everysec, noeviction)"),
  );
  console.log(
    `Vendor: a node:http server on 127.0.0.1 answering JSON after ${VENDOR_DELAY_MS} ms, behind an app action of a`,
  );
  console.log(
    `  declarative chain '${HTTP_TAG}' (one option, retries 0) on one Backstop; cache '${CACHE_TAG}', ttl 5 min.`,
  );
  console.log(
    `Throughput cells: ${PLAN.warmupMs} ms warm-up per side, then ${PLAN.rounds} rounds of ${PLAN.roundMs} ms ` +
      'per side, the first side rotating; the median round is reported; a full GC before each cell.',
  );
  console.log(
    `  1. hit: ${POOL} inputs cached beforehand, cycled round robin; "one input" sends the same cached input`,
  );
  console.log(
    '     every run (identical runs in flight then share one lookup in process). Baseline: the same runs',
  );
  console.log('     without cache, each one an HTTP call to the vendor.');
  console.log(
    '  2. miss: a new input every run (lookup + lock + vendor call + store + release/publish) vs no cache.',
  );
  console.log(
    `  4. session: code-first chain '${CODE_TAG}' with an in-process handler (no network, no Redis), run with`,
  );
  console.log(
    '     session: { tag, token } (HS256, 1 h, verified by jose on every run) vs without; for reference,',
  );
  console.log(
    '     jose.jwtVerify alone on the same token with the secret as raw bytes (Backstop imports it once).',
  );
  console.log(
    `Single flight: bursts of ${BURSTS.runs} identical runs started at once (runDetailed), the cached result`,
  );
  console.log(
    `  cleared (cache.clear) before each; ${BURSTS.warmupBursts} warm-up bursts per side, then ${BURSTS.bursts} ` +
      'per side, rotating. "2 processes": two Backstops on one prefix, 50 runs each, interleaved.',
  );
  console.log(
    'Client, vendor and redis-server share the machine: read the ratios; absolute numbers move with load.',
  );
  console.log("Backstop's src/ runs through tsx's transform.");
  console.log('');
}

await main();

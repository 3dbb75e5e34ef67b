/**
 * Dispatch throughput through the HTTP API under load against library dispatch, side by side in
 * one run on the same Redis and the same Backstop: autocannon on `POST /v1/fallbacks/:tag/dispatch`
 * (127.0.0.1 only) vs `backstop.fallback.dispatch` with as many in flight as connections. Prints
 * jobs/s, HTTP latency, cost per job, status-code checks and the aim; asserts nothing
 * about speed. `npm run bench:http`.
 */
import os from 'node:os';
import { type HttpBenchEnv, startHttpBenchEnv } from './bench/http-env.js';
import { printChecks, printCosts, printSummary, printThroughput } from './bench/http-report.js';
import { describeSides, type HttpCell, type HttpPlan, measureCell } from './bench/http-sides.js';
import { loadAverage, machineLine } from './bench/machine.js';
import { collectGarbage } from './bench/queue-env.js';

const PLAN: HttpPlan = {
  connections: [10, 50],
  warmupHttpS: 3,
  warmupLibraryMs: 1000,
  roundS: 5,
  rounds: 2,
  rateLimitPerMinute: 1_000_000_000,
};
const AIM = 0.7;

async function main(): Promise<void> {
  const startedAt = performance.now();
  const env = await startHttpBenchEnv();
  const cells: HttpCell[] = [];
  try {
    printHeader(env);
    for (const connections of PLAN.connections) {
      collectGarbage();
      cells.push(await measureCell(env, connections, PLAN, collectGarbage));
      process.stdout.write(`  measured ${connections} connections / ${connections} in flight\n`);
    }
  } finally {
    await env.close();
  }
  const verdicts = printThroughput(cells, AIM);
  printCosts(cells);
  const problems = printChecks(cells);
  printSummary(verdicts, AIM, problems);
  console.log(`\nload average at the end: ${loadAverage()} (${os.cpus().length} CPUs)`);
  console.log(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

function printHeader(env: HttpBenchEnv): void {
  console.log('bench:http - dispatch through the HTTP API vs library dispatch (same process, same Redis)');
  console.log(machineLine());
  console.log(
    `Redis: ${env.redis.label}, ${env.redis.url}, hz ${env.redis.hz}` +
      (process.env.REDIS_URL ? '' : " (startEmbeddedRedis's config: AOF everysec, noeviction)"),
  );
  console.log(
    `Per cell (connections ${PLAN.connections.join(', ')}): a fresh Backstop, prefix and server; warm-up ` +
      `${PLAN.warmupHttpS} s HTTP, ${PLAN.warmupLibraryMs} ms library;`,
  );
  console.log(
    `then ${PLAN.rounds} rounds of ${PLAN.roundS} s per side in alternating order, a full GC before each.`,
  );
  for (const line of describeSides(PLAN)) console.log(`  ${line}`);
  console.log(
    'Client, server and redis-server share the machine: other load moves the absolute numbers; the',
  );
  console.log(
    "ratio pairs rounds that ran next to each other. Backstop's src/ runs through tsx's transform.",
  );
  console.log('');
}

await main();

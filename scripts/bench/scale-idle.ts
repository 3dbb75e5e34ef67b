import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Backstop } from '../../src/backstop.js';
import { INITIAL_STATE } from '../../src/core/health/provider-state.js';
import { silentLogger } from '../../src/core/logger.js';
import { ProviderStateStore } from '../../src/health/provider-state-store.js';
import { Keys } from '../../src/store/keys.js';

/** Commands that read every state or every drill: what a full reload sends. */
const FULL_READS = new Set(['smembers', 'hmget', 'hgetall']);

export interface IdleFigures {
  processes: number;
  states: number;
  seconds: number;
  /** Every command the idle processes sent, per process and second. */
  perProcessPerSecond: number;
  /** The same, by command name (lower case), for the whole window and every process. */
  byCommand: Record<string, number>;
  /** Commands that read every state or drill (SMEMBERS, HMGET, HGETALL) in the window. */
  fullReads: number;
}

/**
 * Idle Redis traffic of Backstop processes that follow `states` provider states and do nothing
 * else (no runs, no probes): what keeping the health snapshot and the drills in step costs. Counted
 * by MONITOR, only the commands on this prefix's keys, so the monitoring itself is not counted.
 */
export async function idleCommands(
  url: string,
  { processes = 2, states = 200, windowMs = 65_000 } = {},
): Promise<IdleFigures> {
  const prefix = `{idle-${randomUUID().slice(0, 8)}}`;
  const keys = new Keys(prefix);
  const seeder = new Redis(url);
  const store = new ProviderStateStore(seeder, keys);
  for (let i = 0; i < states; i++)
    await store.replace('bench', 'prd', `provider-${i}`, {
      ...INITIAL_STATE,
      change: { at: 0, reason: 'reset' },
    });
  const backstops = Array.from(
    { length: processes },
    () => new Backstop({ redis: url, prefix, product: 'bench', env: 'prd', logger: silentLogger }),
  );
  // Connecting starts the snapshot and the drill board.
  await Promise.all(backstops.map((b) => b.health.drills()));
  const byCommand: Record<string, number> = {};
  const monitoring = new Redis(url);
  const watcher = await monitoring.monitor();
  const stem = prefix.slice(0, -1);
  watcher.on('monitor', (_time: string, args: string[]) => {
    const [name, ...rest] = args;
    if (!name || !rest.some((a) => a.startsWith(stem))) return;
    const command = name.toLowerCase();
    byCommand[command] = (byCommand[command] ?? 0) + 1;
  });
  const started = performance.now();
  await new Promise((done) => setTimeout(done, windowMs));
  const seconds = (performance.now() - started) / 1000;
  watcher.disconnect();
  monitoring.disconnect();
  await Promise.all(backstops.map((b) => b.close()));
  seeder.disconnect();
  const total = Object.values(byCommand).reduce((a, b) => a + b, 0);
  const fullReads = Object.entries(byCommand)
    .filter(([name]) => FULL_READS.has(name))
    .reduce((a, [, n]) => a + n, 0);
  return {
    processes,
    states,
    seconds,
    perProcessPerSecond: total / processes / seconds,
    byCommand,
    fullReads,
  };
}

/** Prints the idle figures and whether the aim "no full reloads while idle" is met. */
export async function printIdle(url: string, heading = ''): Promise<void> {
  const windowMs = Number(process.env.BENCH_IDLE_MS ?? 65_000);
  console.log(
    `\n${heading}Idle Redis commands per process: 2 processes following 200 provider states, ${windowMs / 1000} s`,
  );
  const f = await idleCommands(url, { windowMs });
  console.log(`  ${f.perProcessPerSecond.toFixed(2)} commands/s per process`);
  const names = Object.entries(f.byCommand).sort((a, b) => b[1] - a[1]);
  console.log(`  by command (both processes): ${names.map(([n, c]) => `${n} ${c}`).join(', ')}`);
  console.log(
    `  aim, no full reloads while idle: ${f.fullReads === 0 ? 'met' : 'NOT met'} (${f.fullReads} SMEMBERS/HMGET/HGETALL)`,
  );
}

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

/**
 * What a job costs, measured in ways a busy machine does not distort much: CPU time of this process
 * and of redis-server (INFO cpu) per job, and the commands clients send Redis per job (MONITOR,
 * commands run inside Lua scripts left out, EVALSHA named after the BullMQ script it runs).
 */
export interface CpuCost {
  /** µs of this Node process's CPU (user + system). */
  nodeUs: number;
  /** µs of redis-server CPU; the whole server, so only ours when we started it. */
  redisUs: number;
}

export interface CpuMeter {
  stop(): Promise<CpuCost>;
}

export async function startCpuMeter(stats: Redis): Promise<CpuMeter> {
  const redisBefore = await redisCpuUs(stats);
  const nodeBefore = process.cpuUsage();
  return {
    async stop() {
      const node = process.cpuUsage(nodeBefore);
      return { nodeUs: node.user + node.system, redisUs: (await redisCpuUs(stats)) - redisBefore };
    },
  };
}

async function redisCpuUs(stats: Redis): Promise<number> {
  const info = await stats.info('cpu');
  return (infoField(info, 'used_cpu_sys') + infoField(info, 'used_cpu_user')) * 1e6;
}

function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

let scriptNames: Promise<Map<string, string>> | undefined;

/** sha1 of each BullMQ Lua script → its name, as ioredis sends them with EVALSHA. */
function bullmqScripts(): Promise<Map<string, string>> {
  scriptNames ??= (async () => {
    const root = join(dirname(createRequire(import.meta.url).resolve('bullmq')), '..', '..');
    const url = pathToFileURL(join(root, 'dist', 'esm', 'scripts', 'index.js')).href;
    const scripts = (await import(url)) as Record<string, { name?: string; content?: string }>;
    const names = new Map<string, string>();
    for (const script of Object.values(scripts)) {
      if (script?.name && script.content)
        names.set(createHash('sha1').update(script.content).digest('hex'), script.name);
    }
    return names;
  })();
  return scriptNames;
}

/** Commands the bench's own observer sends; not part of either side's cost. */
const OBSERVER_COMMANDS = new Set(['zcard', 'zrange', 'info', 'echo']);

/** Sorts a command into a named group (counted as "group: name"), or leaves it ungrouped. */
export type CommandGroup = (command: string, args: readonly string[]) => string | undefined;

/**
 * Runs `fn` with MONITOR on and counts the commands clients sent, by name (prefixed by `group`'s
 * answer when it gives one). Ends with an ECHO marker, so every command `fn` caused has been seen
 * before counting stops.
 */
export async function countCommands(
  url: string,
  fn: () => Promise<void>,
  group?: CommandGroup,
): Promise<Map<string, number>> {
  const names = await bullmqScripts();
  const marker = `bench-queue-end-${process.pid}-${Date.now()}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const signal = new Redis(url, { maxRetriesPerRequest: 1 });
  const counts = new Map<string, number>();
  try {
    const monitor = await client.monitor();
    let done!: () => void;
    const ended = new Promise<void>((resolve) => {
      done = resolve;
    });
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      const command = (args[0] ?? '').toLowerCase();
      if (command === 'echo' && args[1] === marker) return done();
      if (OBSERVER_COMMANDS.has(command)) return;
      const named = command === 'evalsha' ? `evalsha ${names.get(args[1] ?? '') ?? 'other'}` : command;
      const grouped = group?.(command, args);
      const name = grouped ? `${grouped}: ${named}` : named;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    });
    await fn();
    await signal.echo(marker);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    monitor.disconnect();
  } finally {
    client.disconnect();
    signal.disconnect();
  }
  return counts;
}

/** "hget 1.00, evalsha addStandardJob 1.00": per job, largest first, tiny ones (setup) left out. */
export function formatCommands(counts: Map<string, number> | undefined, jobs: number): string {
  if (!counts) return '-';
  const perJob = [...counts.entries()]
    .map(([name, n]) => [name, n / jobs] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  const total = perJob.reduce((sum, [, n]) => sum + n, 0);
  return `${total.toFixed(2)}: ${perJob.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}`;
}

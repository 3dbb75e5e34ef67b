import type { Redis } from 'ioredis';
import { eject } from '../../src/core/health/ejection.js';
import { DEFAULT_HEALTH_POLICY } from '../../src/core/health/health-policy.js';
import { INITIAL_STATE } from '../../src/core/health/provider-state.js';
import { ProviderStateStore } from '../../src/health/provider-state-store.js';
import type { Backstop } from '../../src/index.js';
import { Keys } from '../../src/store/keys.js';
import type { LogLine } from './capture-logger.js';
import { rawRedis } from './redis.js';

/** Keys whose health channel nobody listens to: writes whose messages are lost on the way. */
class LostMessageKeys extends Keys {
  override healthEvents(): string {
    return `${super.healthEvents()}:nobody-listens`;
  }
}

/**
 * Provider state writers on a prefix, through the real compare-and-set: `published` as any
 * process writes, `lost` the same writes whose messages never arrive (what a process whose
 * subscriber was down, or a dropped message, misses).
 */
export function stateWriters(prefix: string, redis: Redis) {
  const published = new ProviderStateStore(redis, new Keys(prefix));
  const lost = new ProviderStateStore(redis, new LostMessageKeys(prefix));
  const ejectFor = (store: ProviderStateStore, key: string) =>
    store.update('my-product', 'prd', key, (s) =>
      eject(s, 'operator', Date.now(), DEFAULT_HEALTH_POLICY, Date.now() + 600_000),
    );
  /** What a healthcheck's delete or a reset writes: the state every provider starts from. */
  const resetFor = (store: ProviderStateStore, key: string) =>
    store.replace('my-product', 'prd', key, {
      ...INITIAL_STATE,
      change: { at: Date.now(), reason: 'reset' },
    });
  return {
    eject: (key: string) => ejectFor(published, key),
    ejectLost: (key: string) => ejectFor(lost, key),
    resetLost: (key: string) => resetFor(lost, key),
  };
}

/** Where each provider a Backstop's snapshot tracks stands (`healthcheck → state`). */
export function tracked(backstop: Backstop): Record<string, string> {
  return Object.fromEntries(backstop.health.tracked().map((t) => [t.healthcheck, t.state]));
}

/** Snapshot resyncs logged since line `from`: catch-ups (with how many states each read) and full loads. */
export function resyncs(lines: LogLine[], from = 0) {
  const later = lines.slice(from);
  return {
    caughtUp: later.filter((l) => l.msg === 'health snapshot caught up').map((l) => l.obj),
    fullLoads: later.filter((l) => l.msg === 'health snapshot loaded in full').map((l) => l.obj),
  };
}

/**
 * Every command Redis runs on one prefix's keys, by MONITOR (the commands of other tests on the
 * shared Redis have other prefixes): what processes read, without touching them.
 */
export class PrefixWatch {
  readonly commands: string[][] = [];
  private constructor(
    private readonly client: Redis,
    private readonly monitor: Redis,
  ) {}

  static async start(prefix: string): Promise<PrefixWatch> {
    const client = rawRedis();
    const monitor = await enterMonitor(client);
    const watch = new PrefixWatch(client, monitor);
    const stem = prefix.slice(0, -1);
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.slice(1).some((a) => a.startsWith(stem))) watch.commands.push(args);
    });
    return watch;
  }

  /** Commands named `name` (any case) on a key ending with `suffix`. */
  count(name: string, suffix: string): number {
    return this.commands.filter(
      ([c, key]) => c?.toLowerCase() === name && key !== undefined && key.endsWith(suffix),
    ).length;
  }

  stop(): void {
    this.monitor.disconnect();
    this.client.disconnect();
  }
}

const QUEUE_STATE_ERROR = /Command queue state error/;

/**
 * A connection in MONITOR mode. ioredis takes a connection as monitoring only once MONITOR's OK
 * has been handled, a promise later: output that arrives in the same read as the OK (commands of
 * test files running beside, on the shared Redis) is taken for replies to no command, and the
 * start fails ("Command queue state error"). Such a connection is dropped and another one made.
 */
async function enterMonitor(client: Redis, tries = 5): Promise<Redis> {
  for (let attempt = 1; ; attempt++) {
    const monitor = client.duplicate({ monitor: true, lazyConnect: false });
    try {
      await new Promise<void>((resolve, reject) => {
        monitor.once('error', reject);
        monitor.once('monitoring', () => {
          monitor.off('error', reject);
          resolve();
        });
      });
      return monitor;
    } catch (error) {
      monitor.disconnect();
      if (attempt >= tries || !QUEUE_STATE_ERROR.test(String(error))) throw error;
    }
  }
}

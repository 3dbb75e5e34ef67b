import { exists, hasFlag } from '@ioredis/commands';
import type { Command, Redis } from 'ioredis';

/**
 * How long a read waits for a reconnecting store connection. A reconnect after a Sentinel
 * failover (ioredis's failover detector drops the connection on every sentinel's +switch-master,
 * redis/ioredis#1328) takes tens of milliseconds: the retry strategy's first 50 ms, a question to
 * a sentinel, a connect and a handshake. 1.5 s covers several such attempts on a loaded machine,
 * and still bounds what a read costs when Redis is really down.
 */
export const READ_RECONNECT_WAIT_MS = 1_500;

/**
 * BullMQ scripts that only read, by the name BullMQ defines them under (`<name>:<version>`):
 * `jobs.get` asks a job's state through `getStateV2`, `jobs.list` its ids through `getRanges`.
 * `getRanges` and `getCounts` may also RPOP a wait-list marker that BullMQ stopped writing in
 * v5 (a clean-up, never a job's data), so they count as reads too; the test of this module reads
 * every listed script and fails when one calls anything else.
 */
export const BULLMQ_READ_SCRIPTS: readonly string[] = [
  'getState',
  'getStateV2',
  'getRanges',
  'getCounts',
  'getCountsPerPriority',
  'getDependencyCounts',
  'getJobScheduler',
  'getMetrics',
  'isFinished',
  'isJobInList',
  'isMaxed',
];

/**
 * Statuses of a connection on its way back. Not `end` (closed for good) and not `wait` (never
 * connected: ioredis starts connecting when it refuses the first command).
 */
const COMING_BACK = new Set(['connecting', 'connect', 'close', 'reconnecting']);

/**
 * Whether ioredis would refuse a command now for want of a connection, and will have one again.
 * A connection being dropped is still `ready` until its socket closes, but its socket no longer
 * takes writes: the failover detector ends the socket and the status follows a moment later.
 */
function comingBack(client: Redis): boolean {
  if (client.status === 'ready') return !client.stream?.writable;
  return COMING_BACK.has(client.status);
}

/**
 * Makes a fail-fast connection (`enableOfflineQueue: false`) let reads through a reconnect.
 * ioredis refuses a command at once while the connection is not ready ("Stream isn't writeable
 * and enableOfflineQueue options is false", `Redis.prototype.sendCommand` in ioredis's
 * lib/Redis.ts), without writing it to any socket. For a read, this waits for the next `ready`
 * (at most `waitMs`) and then sends it once; still not ready, ioredis refuses it as before and the
 * caller gets BACKSTOP_REDIS_UNAVAILABLE. Writes (a dispatch, a state change, a script that may
 * write) and pipelines are refused at once as before: a dispatch must not hang while Redis is down.
 *
 * The wait stands in for the first try: ioredis would have refused the command before sending
 * it, so the read reaches Redis once either way.
 */
export function letReadsThroughReconnects(client: Redis, waitMs = READ_RECONNECT_WAIT_MS): Redis {
  const send = client.sendCommand.bind(client);
  const ready = nextReady(client);
  const scripts = readScripts(client);
  client.sendCommand = (command: Command, stream?: Parameters<Redis['sendCommand']>[1]) => {
    if (stream || !comingBack(client) || !isRead(command, scripts)) return send(command, stream);
    return ready(waitMs).then(() => send(command, stream));
  };
  return client;
}

/** Whether a command only reads: Redis's own `readonly` flag, a script declared read-only, or a known BullMQ read script. */
function isRead(command: Command, scripts: (sha: string) => boolean): boolean {
  if (command.isReadOnly) return true; // defineCommand(..., { readOnly: true })
  const name = command.name.toLowerCase();
  if (name === 'evalsha') return scripts(String(command.args[0]));
  return exists(name) && hasFlag(name, 'readonly');
}

/**
 * Whether a script's SHA1 is one of BULLMQ_READ_SCRIPTS. ioredis keeps every defined script in
 * `scriptsSet` (`Commander.defineCommand`), and BullMQ defines its scripts on our connection when
 * a queue first uses it: SHAs are read from there when an unknown one appears.
 */
function readScripts(client: Redis): (sha: string) => boolean {
  const known = new Map<string, boolean>();
  const reads = new Set(BULLMQ_READ_SCRIPTS);
  return (sha) => {
    if (!known.has(sha)) {
      const defined = client.scriptsSet as Record<string, { sha: string }>;
      for (const [name, script] of Object.entries(defined))
        known.set(script.sha, reads.has(name.split(':')[0]!));
    }
    return known.get(sha) ?? false;
  };
}

/**
 * Resolves at the connection's next `ready` (or `end`: then the send fails as closed), or after
 * `ms`. Every waiting read shares one listener, so a burst of reads adds no listener each.
 */
function nextReady(client: Redis): (ms: number) => Promise<void> {
  let next: Promise<void> | undefined;
  return (ms) => {
    next ??= new Promise<void>((resolve) => {
      const done = () => {
        client.off('ready', done);
        client.off('end', done);
        next = undefined;
        resolve();
      };
      client.on('ready', done);
      client.on('end', done);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return Promise.race([next, timeout]).finally(() => clearTimeout(timer));
  };
}

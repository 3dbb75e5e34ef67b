import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { BackstopError, ErrorCodes } from '../core/errors.js';
import { type EmbeddedRedisOptions, startEmbeddedRedis } from './embedded-redis.js';

/**
 * The one embedded redis-server of a project (`<dataDir>/redis`), shared by every Backstop
 * process started there without REDIS_URL: `backstop dev`, `backstop dispatch` in another
 * terminal, a script. The first process starts it and records it in `server.json`; the others find
 * it there. Its data (AOF) stays in the folder, so definitions and queued jobs survive restarts.
 */
export interface ProjectRedis {
  url: string;
  port: number;
  /** The server's folder: AOF files, `server.json`, `start.lock`. */
  dataDir: string;
  /** Whether this process started (or adopted) the server, and so stops it on `stop()`. */
  owned: boolean;
  /** The process that started it (this one when `owned` and not adopted). */
  starterPid: number;
  /** Stops the server if this process owns it; otherwise only lets go of it. */
  stop(): Promise<void>;
}

export interface ProjectRedisOptions extends Pick<EmbeddedRedisOptions, 'hz' | 'binary'> {
  /** The project's data directory (BACKSTOP_DATA_DIR, default `.data`); the server lives in `redis/` below it. */
  dataDir?: string;
  /**
   * Take over a server whose starter is gone (it was killed before it could stop it): this
   * process then stops it. `backstop dev` does; short-lived commands leave it running.
   */
  adoptOrphan?: boolean;
}

/** What `server.json` records. */
interface ServerRecord {
  port: number;
  pid: number;
  starterPid: number;
  dir: string;
}

const START_TIMEOUT_MS = 20_000;
const POLL_MS = 100;

/** Finds the project's running redis-server, or starts it (one process at a time, under a lock file). */
export async function useProjectRedis(options: ProjectRedisOptions = {}): Promise<ProjectRedis> {
  const dir = resolve(options.dataDir ?? '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const record = readRecord(dir);
    if (record && (await answers(record))) return found(record, dir, options.adoptOrphan === true);
    const lock = tryLock(dir);
    if (lock !== undefined) {
      try {
        // Another process may have finished starting it between our look and the lock.
        const again = readRecord(dir);
        if (again && (await answers(again))) return found(again, dir, options.adoptOrphan === true);
        return await start(dir, record?.port, options);
      } finally {
        unlock(dir, lock);
      }
    }
    if (Date.now() > deadline) {
      throw new BackstopError(
        ErrorCodes.REDIS_UNAVAILABLE,
        `another process has been starting the embedded redis-server in ${dir} for ${START_TIMEOUT_MS / 1000} s; ` +
          `if none is, remove ${join(dir, 'start.lock')}, or set REDIS_URL`,
      );
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

async function start(
  dir: string,
  port: number | undefined,
  options: ProjectRedisOptions,
): Promise<ProjectRedis> {
  const server = await startEmbeddedRedis({ dir, port, hz: options.hz, binary: options.binary });
  const record: ServerRecord = { port: server.port, pid: server.pid, starterPid: process.pid, dir };
  writeRecord(dir, record);
  return owner(server.url, record, dir, () => server.stop());
}

function found(record: ServerRecord, dir: string, adoptOrphan: boolean): ProjectRedis {
  const url = `redis://127.0.0.1:${record.port}`;
  if (adoptOrphan && record.starterPid !== process.pid && !alive(record.starterPid)) {
    const adopted = { ...record, starterPid: process.pid };
    writeRecord(dir, adopted);
    return owner(url, adopted, dir, () => stopByPid(record.pid));
  }
  return {
    url,
    port: record.port,
    dataDir: dir,
    owned: false,
    starterPid: record.starterPid,
    stop: async () => {},
  };
}

/** The record stays after a stop: the next start reuses its port, so a printed URL stays true. */
function owner(
  url: string,
  record: ServerRecord,
  dir: string,
  stopServer: () => Promise<void>,
): ProjectRedis {
  let stopped: Promise<void> | undefined;
  return {
    url,
    port: record.port,
    dataDir: dir,
    owned: true,
    starterPid: record.starterPid,
    stop() {
      stopped ??= stopServer();
      return stopped;
    },
  };
}

/** Whether the recorded server is up and is this folder's (not another server on a reused port). */
async function answers(record: ServerRecord): Promise<boolean> {
  if (!alive(record.pid)) return false;
  const client = new Redis({
    host: '127.0.0.1',
    port: record.port,
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const [, dir] = (await client.config('GET', 'dir')) as [string, string];
    return resolve(dir) === resolve(record.dir);
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** An adopted server is not our child: SIGTERM by pid (redis flushes its AOF), then wait for it. */
async function stopByPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readRecord(dir: string): ServerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as Partial<ServerRecord>;
    const { port, pid, starterPid } = record;
    if (!Number.isInteger(port) || !Number.isInteger(pid) || !Number.isInteger(starterPid)) return undefined;
    return { port: port!, pid: pid!, starterPid: starterPid!, dir };
  } catch {
    return undefined;
  }
}

/** Written whole, then renamed: a reader never sees half a record. */
function writeRecord(dir: string, record: ServerRecord): void {
  const temporary = join(dir, `server.json.${process.pid}`);
  writeFileSync(temporary, `${JSON.stringify(record)}\n`);
  renameSync(temporary, join(dir, 'server.json'));
}

/** The start lock: a file created exclusively, holding our pid; a dead holder's lock is broken. */
function tryLock(dir: string): number | undefined {
  const path = join(dir, 'start.lock');
  try {
    const fd = openSync(path, 'wx');
    writeFileSync(fd, String(process.pid));
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readText(path));
    // An empty file is a holder between its create and its write: wait for it.
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) removeFile(path);
    return undefined;
  }
}

function unlock(dir: string, fd: number): void {
  closeSync(fd);
  removeFile(join(dir, 'start.lock'));
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

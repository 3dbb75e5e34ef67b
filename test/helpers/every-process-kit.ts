import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { Backstop, BackstopOptions } from '../../src/index.js';
import { KEYS } from '../http/api-kit.js';
import { httpChains } from './http-chains.js';
import { testBackstop, uniquePrefix } from './redis.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

export interface EveryProcessOptions {
  /** Options of the library's Backstop (this process's, besides the API's). */
  library?: BackstopOptions;
  /** Environment of the worker child process. */
  workerEnv?: Record<string, string>;
}

/**
 * One installation run three ways on one prefix: a library Backstop in this process, the HTTP API
 * (on a Backstop of its own) and a worker child process; providers are HTTP simulators made through
 * the API's Backstop (`chains`). Started before the file's tests, stopped after them.
 */
export function useEveryProcess(options: EveryProcessOptions = {}) {
  const prefix = uniquePrefix();
  let api: Backstop | undefined;
  let library: Backstop | undefined;
  let worker: WorkerProcess | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useEveryProcess: not started');
    return value;
  };
  const chains = httpChains(() => started(api));

  beforeAll(async () => {
    api = testBackstop({ prefix });
    library = testBackstop({ prefix, ...options.library });
    app = await buildApp({ backstop: api, keys: KEYS });
    worker = await startWorkerProcess(prefix, options.workerEnv ?? {});
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await api?.close();
    await library?.close();
    await chains.closeAll();
  });

  return {
    prefix,
    chains,
    api: () => started(api),
    library: () => started(library),
    app: () => started(app),
    worker: () => started(worker),
  };
}

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Backstop } from '../../backstop.js';
import { HEALTHCHECK_QUEUE, HEALTHCHECK_QUEUE_LABEL } from '../../health/healthcheck-scheduler.js';
import { LeanQueue } from '../../queue/lean-queue.js';
import { listJobQueues } from '../../queue/queue-registry.js';
import { clientFor } from '../../redis/connection.js';
import type { RedisClient } from '../../redis/redis-client.js';
import { parseRedisUrl } from '../../redis/redis-url.js';
import { rejectCrossSiteWrites } from '../cross-site.js';
import { readOnlyViewForReadKeys, refuseReadKeyWrites } from './board-key-scope.js';
import { jobListName, readableReturnValue } from './job-summary.js';
import { probeJobListName } from './probe-job-summary.js';

/** Where Bull Board is mounted, relative to the registering scope. */
export const QUEUES_PATH = '/admin/queues';

const HEALTH_DESCRIPTION =
  'Healthcheck probes: one job scheduler per probe interval; each job probes every healthcheck and env due at that interval';
const JOBS_DESCRIPTION = 'Dispatched fallback and feature runs (a queue per product, or as definitions name)';
/**
 * Bull Board knows a queue by this prefix and its name (its page: `queue/probes:healthchecks`):
 * the probe queue shares its name with the job queue of a product called `healthchecks`, and Bull
 * Board keeps one queue a name. BullMQ refuses ':' in queue names, so no job queue is known so.
 */
const PROBES_BOARD_PREFIX = 'probes:';
/** A queue first used after the board opened is shown from the next request at most this late. */
const RELIST_MS = 5_000;

export interface QueuesBoardOptions {
  backstop: Backstop;
  redis: string | RedisClient | undefined;
  prefix: string;
  readOnly: boolean;
  /** The board's path as the browser sees it, for its `<base href>`. */
  publicPath: string;
  /** The runs view's path as the browser sees it: each job links to its run there. */
  runsPath: string;
}

/**
 * Bull Board over Backstop's two queues, under their key prefix. Its own BullMQ `Queue` objects
 * only read (and, when not read-only, act on) jobs: no worker, no scheduler upserts. They are
 * made on the board's first request, so building the app never waits on Redis (a server starts,
 * and says it is not ready, while Redis is down).
 */
export async function mountQueuesBoard(app: FastifyInstance, options: QueuesBoardOptions): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  // setBasePath only sets the UI's <base href>; routes get their path from the register prefix
  // (felixmosh/bull-board#964, #965). Both must name the same place, or the UI's assets 404.
  serverAdapter.setBasePath(options.publicPath);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Backstop queues' } },
  });
  // Bull Board sets an error handler on its routes, and it would also answer what the app's hooks
  // throw there (auth, rate limit) in its own words: a 401 without the app's
  // `WWW-Authenticate: Basic` never makes a browser ask for the key. Rethrown, an error goes to
  // the enclosing (the app's) error handler, as on every other route. Its handlers answer their
  // own expected failures (404, 405 read-only) as responses, so nothing of theirs is lost here.
  serverAdapter.setErrorHandler((error) => {
    throw error;
  });

  let attached: Promise<OpenedQueues> | undefined;
  let listed: Promise<unknown> = Promise.resolve();
  let listedAt = 0;
  const attach = () => {
    attached ??= openQueues(options);
    // A failure (Redis down) is not kept: the next request tries again.
    attached.catch(() => {
      attached = undefined;
    });
    return attached.then(async (opened) => {
      // Named queues appear as producers first use them: list again now and then, one listing at
      // a time (requests arrive together, and a queue must be added to the board once).
      if (Date.now() - listedAt >= RELIST_MS) {
        listedAt = Date.now();
        listed = listed.then(async () => {
          for (const shown of await opened.addNew()) board.addQueue(adapterFor(shown, options));
        });
        listed.catch(() => {
          listedAt = 0; // Redis down: list again on the next request
        });
      }
      await listed;
      return opened;
    });
  };
  app.addHook('onClose', async () => {
    const opened = await attached?.catch(() => undefined);
    await opened?.close();
  });

  // Its own scope: Bull Board registers @fastify/static and @fastify/view, which decorate the
  // reply; encapsulated here they cannot clash with an app that registers them too
  // (FST_ERR_DEC_ALREADY_PRESENT, fastify/fastify-static#100). Bull Board 6+ targets Fastify 5
  // (felixmosh/bull-board#823). The scope's auth hooks run before these.
  await app.register(
    async (scope) => {
      // The app checks every write already; kept here for a board mounted outside buildApp.
      scope.addHook('onRequest', rejectCrossSiteWrites);
      // A writable board is writable for write keys only: read keys see it, and act on it, read-only.
      scope.addHook('onRequest', refuseReadKeyWrites);
      scope.addHook('onRequest', async () => void (await attach()));
      scope.addHook('onSend', async (request, reply, payload) =>
        readOnlyViewForReadKeys(request, reply, withoutExternalFonts(reply, payload)),
      );
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUES_PATH },
  );
}

/**
 * A queue's adapter. Job queues' jobs are named with how they ran (who served, in how many calls,
 * how late), a completed job's return value starts with its attempts as lines, and each job links
 * to its run in the runs view; probe rounds are named with their counts and failed probes.
 * Display only: job data is untouched.
 */
function adapterFor(shown: ShownQueue, options: QueuesBoardOptions): BullMQAdapter {
  const { queue } = shown;
  if (shown.kind === 'probes') {
    const probes = new BullMQAdapter(queue, {
      readOnlyMode: options.readOnly,
      description: HEALTH_DESCRIPTION,
      prefix: PROBES_BOARD_PREFIX,
      displayName: HEALTHCHECK_QUEUE_LABEL,
    });
    probes.setFormatter('name', probeJobListName);
    return probes;
  }
  const adapter = new BullMQAdapter(queue, {
    readOnlyMode: options.readOnly,
    description: JOBS_DESCRIPTION,
    externalJobUrl: (job: { id?: string | number | null | undefined }) => ({
      displayText: 'Run in the runs view',
      href: `${options.runsPath}?q=${encodeURIComponent(String(job.id ?? ''))}`,
    }),
  });
  adapter.setFormatter('name', jobListName);
  adapter.setFormatter('returnValue', readableReturnValue);
  return adapter;
}

/** A queue on the board: a named job queue, or the healthcheck queue (which a job queue may be named like). */
interface ShownQueue {
  kind: 'jobs' | 'probes';
  queue: Queue;
}

interface OpenedQueues {
  /** Opens the queues not shown yet (the healthcheck queue, then every named job queue); returns them. */
  addNew(): Promise<ShownQueue[]>;
  close(): Promise<void>;
}

async function openQueues(options: QueuesBoardOptions): Promise<OpenedQueues> {
  const { connection, owned } = await connectionFor(options);
  // Job queues by name; the healthcheck queue apart, as a product's job queue may share its name.
  const jobQueues = new Map<string, Queue>();
  let probes: Queue | undefined;
  const opened = (queue: Queue) => {
    // Connection errors would print as unhandled; the board's own requests report them.
    queue.on('error', () => {});
    return queue;
  };
  return {
    async addNew() {
      // Listed first: when Redis does not answer, nothing is opened, and the next request tries again.
      const listed = await listJobQueues(connection, options.prefix);
      const added: ShownQueue[] = [];
      if (!probes) {
        probes = opened(new Queue(HEALTHCHECK_QUEUE, { connection, prefix: options.prefix }));
        added.push({ kind: 'probes', queue: probes });
      }
      for (const { name, prefix } of listed) {
        if (jobQueues.has(name)) continue;
        // Job queues' jobs are read as workers read them: with the retry options they leave out.
        const queue = opened(new LeanQueue(name, { connection, prefix }));
        jobQueues.set(name, queue);
        added.push({ kind: 'jobs', queue });
      }
      return added;
    },
    close: async () => {
      // Queues first (they share the connection), then the connection, only when it is ours.
      const all = [...jobQueues.values(), ...(probes ? [probes] : [])];
      await Promise.allSettled(all.map((queue) => queue.close()));
      if (owned) await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/**
 * The Backstop's own store connection (fail-fast: a request errors rather than hangs while Redis
 * is down), reached through the one place in src/http that reaches into a Backstop; or the
 * `redis` option: a client, shared, or a URL, which gets a connection of its own.
 */
async function connectionFor(
  options: QueuesBoardOptions,
): Promise<{ connection: RedisClient; owned: boolean }> {
  const { redis } = options;
  if (redis === undefined) return { connection: await options.backstop.redis(), owned: false };
  if (typeof redis !== 'string') return { connection: redis, owned: false };
  const connection = clientFor(parseRedisUrl(redis, 'redis'), {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  });
  connection.on('error', () => {}); // reconnects on its own; without a listener Node would crash
  return { connection, owned: true };
}

/** Bull Board's page links Google Fonts (IBM Plex); its CSS falls back to system fonts. */
const GOOGLE_FONTS = /<link[^>]+fonts\.googleapis\.com[^>]*>/g;

/**
 * The dashboard is served from here alone: no request leaves for a third party (an operator's IP
 * and usage), and an air-gapped board does not wait on a font CDN that never answers.
 */
function withoutExternalFonts(reply: FastifyReply, payload: unknown): unknown {
  const type = String(reply.getHeader('content-type') ?? '');
  if (typeof payload !== 'string' || !type.startsWith('text/html')) return payload;
  return payload.replace(GOOGLE_FONTS, '');
}

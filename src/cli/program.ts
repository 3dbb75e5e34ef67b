import { Command, Option } from 'commander';
import type { Io } from './io.js';
import { addOperatorCommands } from './operator-commands.js';
import { whole } from './parse.js';

/** Set by a command that keeps serving: the entry must then not exit when parsing returns. */
export interface ProgramState {
  serving: boolean;
}

const REDIS_HELP = `
Every command works on REDIS_URL, or else on this project's embedded redis-server (data in
BACKSTOP_DATA_DIR, default .data): the one \`backstop dev\` runs, found by the other terminals.
Code-first chains come from BACKSTOP_DEFINITIONS=./definitions.js; declarative ones from Redis.
Read commands take --json.`;

/**
 * The `backstop` command. Building it has no side effects; running a command does. Each command's
 * module is loaded when it runs, so `backstop jobs` does not pay for the HTTP server's imports.
 */
export function buildProgram(io: Io): { program: Command; state: ProgramState } {
  const state: ProgramState = { serving: false };
  const oneShot = (code: number) => {
    process.exitCode = code;
  };
  const program = new Command('backstop')
    .description('Provider fallback chains on Redis and BullMQ: dev stack, API, workers, jobs.')
    .showHelpAfterError()
    .addHelpText('after', REDIS_HELP);

  program
    .command('dev')
    .description(
      'embedded Redis, the API with the dashboard, and a worker with healthchecks, in one process tree',
    )
    .option('--host <host>', 'interface the API listens on (default BACKSTOP_API_HOST or 127.0.0.1)')
    .addOption(portOption('port of the API, 0 for any free one (default BACKSTOP_API_PORT or 3000)'))
    .option('--demo', 'define demo chains against local provider simulators and keep dispatching jobs', false)
    .action(async (options) => {
      state.serving = true;
      const { runDev } = await import('./commands/dev.js');
      await runDev(options, io);
    });

  program
    .command('api')
    .description('the HTTP API and dashboard (needs BACKSTOP_API_KEYS; runs no worker)')
    .option('--host <host>', 'interface to listen on (default BACKSTOP_API_HOST or 127.0.0.1)')
    .addOption(portOption('port to listen on (default BACKSTOP_API_PORT or 3000)'))
    .addOption(
      new Option(
        '--rate-limit <perMinute>',
        'requests a minute per API key (default BACKSTOP_RATE_LIMIT_PER_MINUTE or 600)',
      ).argParser(whole('--rate-limit')),
    )
    .option(
      '--dashboard-writable',
      'let the queue board retry, clean and remove jobs (read-only by default)',
      false,
    )
    .action(async (options) => {
      state.serving = true;
      const { runApi } = await import('./commands/api.js');
      await runApi(options, io);
    });

  program
    .command('worker')
    .description('run dispatched fallback jobs and healthcheck probes')
    .addOption(new Option('--healthchecks-only', 'run healthcheck probes only').conflicts('healthchecks'))
    .option('--no-healthchecks', 'run fallback jobs only; leave probes to a --healthchecks-only worker')
    .addOption(
      new Option('--concurrency <n>', 'jobs at once (default BACKSTOP_CONCURRENCY or 10)').argParser(
        whole('--concurrency'),
      ),
    )
    .option(
      '--queues <names>',
      'take jobs from these named queues only, e.g. payments,sms (default BACKSTOP_QUEUES, else every queue)',
    )
    .addOption(portOption('serve GET /healthz (liveness) and GET /metrics on this port; none by default'))
    .option('--host <host>', 'interface of the liveness and metrics endpoint', '127.0.0.1')
    .action(async (options) => {
      state.serving = true;
      const { runWorker } = await import('./commands/worker.js');
      await runWorker(options, io);
    });

  program
    .command('dispatch')
    .description('queue a fallback run for a worker: now, after --delay, at --at, or recurring')
    .argument('<tag>', 'the fallback tag')
    .option('--input <json>', 'the run input, a JSON object')
    .option('--product <product>', 'product (default BACKSTOP_PRODUCT)')
    .option('--env <env>', 'env (default BACKSTOP_ENV)')
    .option('--delay <duration>', "run after this long: ms or '500ms', '5s', '10m', 'PT1H'")
    .option('--at <iso>', 'run at this instant: ISO 8601 with an offset, or without one plus --tz')
    .option('--tz <zone>', 'IANA zone for --at without an offset, or for --cron')
    .option('--allow-past', 'run an --at in the past now instead of refusing it')
    .option('--every <duration>', 'recurring: every this long')
    .option('--cron <pattern>', "recurring: a cron pattern, e.g. '0 9 * * 1-5'")
    .option('--job-id <id>', 'your id: dispatching it again returns the existing job')
    .option('--idempotency-key <key>', "root of the providers' idempotency keys")
    .option('--wait', 'then follow the job until it finishes, printing each state')
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--json', 'print the job handle (and final job) as JSON')
    .action(async (tag: string, options) => {
      const { runDispatch } = await import('./commands/dispatch.js');
      oneShot(await runDispatch(tag, options, io));
    });

  addOperatorCommands(program, io, oneShot);

  return { program, state };
}

export function portOption(description: string): Option {
  return new Option('--port <port>', description).argParser(whole('--port', true));
}

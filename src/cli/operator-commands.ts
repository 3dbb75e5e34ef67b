import { type Command, Option } from 'commander';
import type { Io } from './io.js';
import { whole } from './parse.js';

const JOB_STATES_HELP = 'active, waiting, prioritized, delayed, failed, completed';

/**
 * The operator's commands: jobs, schedules, fallbacks, quotas, drills, health, status. One-shot: each opens a
 * Backstop on the Redis, does its one thing and exits with `oneShot(code)`. Every read takes --json.
 */
export function addOperatorCommands(program: Command, io: Io, oneShot: (code: number) => void): void {
  const jobs = program
    .command('jobs')
    .description('dispatched jobs: `jobs <id>`, `jobs list`, `jobs cancel <id>`, `jobs retry <id>`');
  jobs
    .command('show <id>', { isDefault: true })
    .description("a job's state, result or error, and attempts (`backstop jobs <id>` for short)")
    .option('--wait', 'follow the job until it finishes, printing each state; exit 1 if it failed')
    .option('--timeout <duration>', 'how long --wait waits', '2m')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, options) => {
      const { runJobs } = await import('./commands/jobs.js');
      oneShot(await runJobs(id, options, io));
    });
  jobs
    .command('list')
    .description('jobs, newest first')
    .option('--state <states>', `only these states, comma-separated: ${JOB_STATES_HELP}`)
    .option('--tag <tag>', 'only jobs of this fallback or feature')
    .addOption(
      new Option('--limit <n>', 'at most this many (default 50, at most 1000)').argParser(whole('--limit')),
    )
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runJobsList } = await import('./commands/jobs.js');
      oneShot(await runJobsList(options, io));
    });
  jobs
    .command('cancel <id>')
    .description('remove a job that has not started (waiting or delayed)')
    .option('--json', 'print the cancelled job as JSON')
    .action(async (id: string, options) => {
      const { runJobsCancel } = await import('./commands/jobs.js');
      oneShot(await runJobsCancel(id, options, io));
    });
  jobs
    .command('retry <id>')
    .description('run a failed job again (same idempotency keys; a feature continues at its failed step)')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, options) => {
      const { runJobsRetry } = await import('./commands/jobs.js');
      oneShot(await runJobsRetry(id, options, io));
    });

  const schedules = program
    .command('schedules')
    .description('recurring dispatches: `schedules list`, `schedules remove <id>`');
  schedules
    .command('list')
    .description('recurring dispatches and their next run')
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runSchedulesList } = await import('./commands/schedules.js');
      oneShot(await runSchedulesList(options, io));
    });
  schedules
    .command('remove <id>')
    .description('stop a recurring dispatch (occurrences already queued still run)')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, options) => {
      const { runSchedulesRemove } = await import('./commands/schedules.js');
      oneShot(await runSchedulesRemove(id, options, io));
    });

  const fallbacks = program
    .command('fallbacks')
    .description('definitions: `fallbacks list`, `fallbacks show <tag>`');
  fallbacks
    .command('list')
    .description('every fallback: stored ones and those of BACKSTOP_DEFINITIONS')
    .option('--product <product>', 'only this product')
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runFallbacksList } = await import('./commands/fallbacks.js');
      oneShot(await runFallbacksList(options, io));
    });
  fallbacks
    .command('show <tag>')
    .description('one fallback: input, providers in order, their state')
    .option(
      '--product <product>',
      'its product (default BACKSTOP_PRODUCT, or the one product that has the tag)',
    )
    .option('--json', 'print as JSON')
    .action(async (tag: string, options) => {
      const { runFallbacksShow } = await import('./commands/fallbacks.js');
      oneShot(await runFallbacksShow(tag, options, io));
    });

  const quotas = program
    .command('quotas')
    .description('weighted distribution: `quotas list`, `quotas status <tag>`');
  quotas
    .command('list')
    .description('every quota and its providers’ weights')
    .option('--product <product>', 'only this product')
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runQuotasList } = await import('./commands/quotas.js');
      oneShot(await runQuotasList(options, io));
    });
  quotas
    .command('status <tag>')
    .description('each provider’s weight against the share of runs it served, in every process')
    .option('--product <product>', 'its product (default BACKSTOP_PRODUCT)')
    .option('--env <env>', 'the env counted (default BACKSTOP_ENV)')
    .option('--json', 'print as JSON')
    .action(async (tag: string, options) => {
      const { runQuotasStatus } = await import('./commands/quotas.js');
      oneShot(await runQuotasStatus(tag, options, io));
    });

  const drills = program
    .command('drills')
    .description('failover drills: `drills list`, `drills start`, `drills cancel <id>`');
  drills
    .command('list')
    .description('the drills in force')
    .option('--product <product>', 'only this product')
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runDrillsList } = await import('./commands/drills.js');
      oneShot(await runDrillsList(options, io));
    });
  drills
    .command('start')
    .description(
      'runs treat a provider (or a healthcheck’s providers) as failing, in every process, for a while',
    )
    .option('--provider <name>', 'the provider, by name')
    .option('--tag <healthcheck>', 'every provider of this healthcheck')
    .requiredOption('--mode <mode>', 'down, slow or error-rate')
    .option('--rate <share>', 'with error-rate: the share of attempts that fail (0 to 1)')
    .option('--latency <ms>', 'with slow: the wait before each call')
    .requiredOption('--duration <ms>', 'how long it lasts; it ends by itself')
    .option('--product <product>', 'its product (default BACKSTOP_PRODUCT)')
    .option('--env <env>', 'its env (default BACKSTOP_ENV)')
    .option('--json', 'print the drill as JSON')
    .action(async (options) => {
      const { runDrillsStart } = await import('./commands/drills.js');
      oneShot(await runDrillsStart(options, io));
    });
  drills
    .command('cancel <id>')
    .description('end a drill now, in every process')
    .action(async (id: string) => {
      const { runDrillsCancel } = await import('./commands/drills.js');
      oneShot(await runDrillsCancel(id, io));
    });

  program
    .command('health')
    .description("every provider's state (probes and circuit), per fallback and env")
    .option('--product <product>', 'only this product')
    .option('--env <env>', "only this env (default: every env each provider's healthcheck probes)")
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runHealth } = await import('./commands/health.js');
      oneShot(await runHealth(options, io));
    });

  program
    .command('status')
    .description("queues' job counts, recurring schedules and provider health, as tables")
    .option('--product <product>', 'only this product')
    .option('--env <env>', "only this env (default: every env each provider's healthcheck probes)")
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { runStatus } = await import('./commands/status.js');
      oneShot(await runStatus(options, io));
    });
}

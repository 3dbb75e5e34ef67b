import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/redis.js';
import { APP_TS, DEFINITIONS_MJS, PACKAGE_JSON, RUN_MJS, TSCONFIG } from './consumer.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The parent `npm test` leaves its own settings in the environment; the scratch project gets none. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'REDIS_URL' && !key.startsWith('BACKSTOP_')) env[key] = value;
  }
  return { ...env, ...extra };
}

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
  timeout = 180_000,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(command, args, { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}\n${stderr}`);
  }
}

/**
 * The repository as npm ships it: `npm pack` (its prepack builds dist/), installed into a scratch
 * project outside the repository, then used the way the README says, with Node alone: no tsx,
 * no TypeScript sources. Dependencies come from the npm cache when it has them.
 */
describe('the packed package, installed in an empty project', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'backstop-consumer-'));
  const project = join(scratch, 'project');
  let tarball = '';
  let files: string[] = [];
  const prefix = `{pkg-${randomUUID().slice(0, 8)}}`;
  const workerEnv = cleanEnv({ REDIS_URL: redisUrl(), BACKSTOP_PREFIX: prefix, LOG_LEVEL: 'info' });
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    await run('npm', ['pack', '--pack-destination', scratch, '--silent'], ROOT, cleanEnv(), 240_000);
    tarball = join(scratch, readdirSync(scratch).find((f) => f.endsWith('.tgz'))!);
    files = (await run('tar', ['tzf', tarball], scratch)).stdout.split('\n').filter(Boolean);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), PACKAGE_JSON);
    writeFileSync(join(project, 'tsconfig.json'), TSCONFIG);
    writeFileSync(join(project, 'app.ts'), APP_TS);
    writeFileSync(join(project, 'definitions.mjs'), DEFINITIONS_MJS);
    writeFileSync(join(project, 'run.mjs'), RUN_MJS);
    await run(
      'npm',
      [
        'install',
        tarball,
        '@types/node@20',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      project,
      cleanEnv(),
      240_000,
    );
  }, 480_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGKILL');
      await new Promise((done) => worker!.once('exit', done));
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('ships the build, the bin, the docs and the licence, and no sources or tests', () => {
    const paths = files.map((f) => f.replace(/^package\//, ''));
    for (const expected of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/http/index.js',
      'dist/src/worker-process.js',
      'dist/workers/fallback.worker.js',
      'dist/src/cli/main.js',
      'bin/backstop.mjs',
      'README.md',
      'LICENSE',
      'docs/api.md',
    ]) {
      expect(paths).toContain(expected);
    }
    expect(paths.filter((p) => /^(src|test|scripts)\//.test(p) || p.endsWith('.map'))).toEqual([]);
  });

  it('type-checks a strict consumer of backstop, backstop/http and backstop/worker with skipLibCheck: false', async () => {
    const { stdout } = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    expect(stdout).toBe('');
  }, 120_000);

  it('runs `npx backstop --help` from the install', async () => {
    const { stdout } = await run('npx', ['--no-install', 'backstop', '--help'], project);
    expect(stdout).toContain('Usage: backstop');
    for (const command of ['dev', 'worker', 'dispatch', 'jobs', 'schedules', 'fallbacks', 'health']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  }, 60_000);

  it('runs a chain in-process, serves the API, and has a dispatched job run by the installed worker', async () => {
    // The installed bin, as a separate worker process, with code-first definitions in plain JS.
    worker = spawn(process.execPath, ['node_modules/.bin/backstop', 'worker', '--no-healthchecks'], {
      cwd: project,
      env: { ...workerEnv, BACKSTOP_DEFINITIONS: './definitions.mjs' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    worker.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 60_000;
    while (!output.includes('"msg":"worker ready"')) {
      if (worker.exitCode !== null || Date.now() > deadline)
        throw new Error(`the worker did not start:\n${output}`);
      await new Promise((done) => setTimeout(done, 50));
    }

    const { stdout } = await run(process.execPath, ['run.mjs'], project, workerEnv, 90_000);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      run: Record<string, unknown>;
      healthz: number;
      fallbacks: number;
      job: { state: string; result: Record<string, unknown> };
      pid: number;
    };
    expect(report.run).toMatchObject({ provider: 'ledger', charged: 3 });
    expect(report.healthz).toBe(200);
    expect(report.fallbacks).toBe(200);
    expect(report.job.state).toBe('completed');
    // Run by the worker process, not by the dispatcher's own definitions.
    expect(report.job.result).toMatchObject({ provider: 'ledger', charged: 5, pid: worker.pid });

    worker.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => worker!.once('exit', (c) => done(c)));
    expect(code).toBe(0);
  }, 150_000);
});

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { silentLogger } from '../../src/core/logger.js';
import { apiKeysFromEnv } from '../../src/http/index.js';
import { Backstop, loadConfig } from '../../src/index.js';
import { ROOT } from './cli-process.js';

/** No Docker engine here: the files' structure is checked instead, against the CLI that exists. */
interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: {
    test: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    start_period?: string;
  };
  restart?: string;
  stop_grace_period?: string;
  ports?: string[];
  env_file?: (string | { path: string; required?: boolean })[];
  volumes?: string[];
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// `merge`: the services share an `x-backstop` anchor through `<<:`, as docker compose reads it.
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const program = buildProgram({ out: () => {}, err: () => {}, env: {} }).program;
const BACKSTOP_SERVICES = ['api', 'worker', 'healthchecks'];

/** The `backstop` subcommand a service's command runs; fails when it names none or an unknown flag. */
function cliCommand(command: string[] | undefined): Command {
  expect(command?.[0]).toBe('backstop');
  const sub = program.commands.find((c) => c.name() === command?.[1]);
  if (!sub) throw new Error(`no backstop command '${command?.[1]}'`);
  for (const arg of command!.slice(2)) {
    if (!arg.startsWith('--')) continue;
    expect(
      sub.options.some((o) => o.long === arg),
      `backstop ${sub.name()} has no option ${arg}`,
    ).toBe(true);
  }
  return sub;
}

function optionValue(command: string[], flag: string): string | undefined {
  const at = command.indexOf(flag);
  return at < 0 ? undefined : command[at + 1];
}

describe('docker-compose.yml', () => {
  const { services } = compose;

  it('has redis and the three Backstop services', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'healthchecks', 'redis', 'worker']);
  });

  it('runs Redis 7 with AOF, noeviction and hz 100, healthchecked and restarted', () => {
    const redis = services.redis!;
    expect(redis.image).toMatch(/^redis:7/);
    const args = redis.command!.join(' ');
    expect(args).toMatch(/^redis-server /);
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--maxmemory-policy noeviction');
    expect(args).toContain('--hz 100');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(redis.restart).toBe('unless-stopped');
  });

  it.each(BACKSTOP_SERVICES)('%s is built from the Dockerfile, on Redis once it is healthy', (name) => {
    const service = services[name]!;
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    expect(build?.context).toBe('.');
    expect(service.environment?.REDIS_URL).toBe(`\${REDIS_URL:-redis://redis:6379}`);
    expect(service.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(service.restart).toBe('unless-stopped');
    expect(service.healthcheck?.test).toEqual(['CMD', 'node', 'bin/healthcheck.mjs']);
    expect(service.healthcheck?.retries).toBeGreaterThan(0);
  });

  it('runs CLI commands that exist: api, a fallback worker and a healthcheck worker', () => {
    expect(cliCommand(services.api!.command).name()).toBe('api');
    expect(services.api!.command).toEqual(['backstop', 'api']);
    expect(services.api!.environment).toHaveProperty('BACKSTOP_API_KEYS');
    expect(services.api!.ports).toEqual(['127.0.0.1:3000:3000']);

    const worker = services.worker!.command!;
    expect(cliCommand(worker).name()).toBe('worker');
    expect(worker).toContain('--no-healthchecks');
    expect(worker).not.toContain('--healthchecks-only');

    const probes = services.healthchecks!.command!;
    expect(cliCommand(probes).name()).toBe('worker');
    expect(probes).toContain('--healthchecks-only');
  });

  it('has workers serve /healthz on the port the image healthcheck probes', () => {
    for (const name of ['worker', 'healthchecks']) {
      expect(optionValue(services[name]!.command!, '--port')).toBe('3000');
    }
    const healthcheck = readFileSync(join(ROOT, 'bin/healthcheck.mjs'), 'utf8');
    expect(healthcheck).toContain("process.env.BACKSTOP_API_PORT || '3000'");
    expect(healthcheck).toContain('/healthz');
  });

  it('gives the fallback worker longer to stop than its shutdown grace', () => {
    const worker = services.worker!;
    const grace = Number(worker.environment?.BACKSTOP_SHUTDOWN_GRACE_MS);
    expect(Number.parseInt(worker.stop_grace_period ?? '10s', 10) * 1000).toBeGreaterThan(grace);
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trimStart().startsWith('#'));
  const of = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `));

  it('builds on node:20-bookworm-slim with npm ci, and ships production dependencies only', () => {
    expect(of('FROM').length).toBeGreaterThanOrEqual(1);
    for (const from of of('FROM')) expect(from).toMatch(/^FROM node:20-bookworm-slim( AS \w+)?$/);
    const runs = of('RUN').join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm ci --omit=dev\b/);
    expect(runs).toContain('npm run build');
    expect(runs).toContain('ln -s /app/bin/backstop.mjs /usr/local/bin/backstop');
  });

  it('runs as a non-root user', () => {
    const users = of('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)\b/);
  });

  it('listens on all interfaces in the container and checks /healthz', () => {
    expect(of('ENV').join(' ')).toMatch(/BACKSTOP_API_HOST=0\.0\.0\.0/);
    expect(of('HEALTHCHECK')).toHaveLength(1);
    expect(of('HEALTHCHECK')[0]).toContain('CMD ["node", "bin/healthcheck.mjs"]');
    expect(of('CMD').at(-1)).toBe('CMD ["backstop", "api"]');
  });

  it('keeps local installs, data and git out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.data', '.git', 'dist', '.env']) expect(ignored).toContain(entry);
  });
});

/**
 * docker compose's interpolation, as its specification defines the forms this file uses:
 * `${X:-default}` (unset or empty: the default) and `${X:?message}` (unset or empty: refuse to
 * start, printing "required variable X is missing a value: message").
 */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/** `.env.example` as docker compose reads an env file: NAME=value lines; `#` lines are comments. */
function envFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}

describe('.env.example and the variables compose needs', () => {
  const exampleText = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const example = envFile(exampleText);
  const interpolated = [...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!);
  const required = [...composeText.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!);

  it('documents every variable the compose file reads, and sets the required ones', () => {
    for (const name of new Set(interpolated))
      expect(exampleText, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    expect([...new Set(required)].sort()).toEqual(['BACKSTOP_API_KEYS', 'BACKSTOP_SESSION_KEY']);
    for (const name of required) expect(example[name], name).toBeTruthy();
  });

  it('refuses to start when a required variable is missing, naming it and where to set it', () => {
    expect(() => interpolate(composeText, example)).not.toThrow();
    for (const name of ['BACKSTOP_SESSION_KEY', 'BACKSTOP_API_KEYS']) {
      for (const value of [undefined, '']) {
        expect(() => interpolate(composeText, { ...example, [name]: value })).toThrow(
          new RegExp(
            `^required variable ${name} is missing a value: set ${name} in \\.env.*\\(see \\.env\\.example\\)`,
          ),
        );
      }
    }
  });

  it('gives every Backstop service .env (provider secrets) and the read-only definitions mount', () => {
    for (const name of BACKSTOP_SERVICES) {
      const service = services()[name]!;
      expect(service.env_file).toEqual([{ path: '.env', required: true }]);
      expect(service.volumes).toEqual([
        `${'$'}{BACKSTOP_DEFINITIONS_DIR:-./definitions}:/app/definitions:ro`,
      ]);
      expect(service.environment?.BACKSTOP_DEFINITIONS).toBe(`${'$'}{BACKSTOP_DEFINITIONS:-}`);
    }
    expect(exampleText).toMatch(/^# BACKSTOP_DEFINITIONS=\/app\/definitions\/index\.mjs$/m);
  });

  it('gives the session key to the API and the job worker, and the API keys to the API only', () => {
    const env = (name: string) => services()[name]!.environment ?? {};
    expect(env('api').BACKSTOP_SESSION_KEY).toMatch(/^\$\{BACKSTOP_SESSION_KEY:\?/);
    expect(env('worker').BACKSTOP_SESSION_KEY).toBe(env('api').BACKSTOP_SESSION_KEY);
    expect(env('api').BACKSTOP_API_KEYS).toMatch(/^\$\{BACKSTOP_API_KEYS:\?/);
    // env_file would hand .env's API keys to the workers too: blanked there (empty counts as unset).
    expect(env('worker').BACKSTOP_API_KEYS).toBe('');
    expect(env('healthchecks').BACKSTOP_API_KEYS).toBe('');
    expect(env('healthchecks').BACKSTOP_SESSION_KEY).toBe('');
  });

  it('an unedited copy of .env.example stops the processes at start, naming the session key', () => {
    expect(apiKeysFromEnv(example.BACKSTOP_API_KEYS)).toEqual([
      { name: 'ops', key: 'replace-with-a-long-random-key', scope: 'write' },
    ]);
    expect(() => new Backstop({ processEnv: example, logger: silentLogger })).toThrow(
      /env\.BACKSTOP_SESSION_KEY: expected 32 bytes as 64 hex digits or base64/,
    );
    const ready = { ...example, BACKSTOP_SESSION_KEY: randomBytes(32).toString('hex') };
    expect(() => new Backstop({ processEnv: ready, logger: silentLogger })).not.toThrow();
    expect(loadConfig({ ...ready, BACKSTOP_DEFINITIONS: '', BACKSTOP_API_KEYS: '' })).not.toHaveProperty(
      'BACKSTOP_DEFINITIONS',
    );
  });
});

function services(): Record<string, Service> {
  return compose.services;
}

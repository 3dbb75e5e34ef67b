import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
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
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
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
    expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
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

import { describe, expect, it } from 'vitest';
import type { HealthcheckDefinition } from '../../../src/core/health/healthcheck-schema.js';
import type { ProbeOnce } from '../../../src/health/healthcheck-processor.js';
import type { RoundMember } from '../../../src/health/probe-rounds.js';
import { PROBE_NOT_APPLIED, runRound } from '../../../src/health/round-runner.js';
import { captureLogger } from '../../helpers/capture-logger.js';

const member = (tag: string, env = 'prd'): RoundMember => ({ product: 'p', tag, env });

function roundOf(members: RoundMember[]) {
  const logger = captureLogger();
  const lookups: string[] = [];
  const retired: number[] = [];
  const deps = {
    logger,
    rounds: {
      members: async () => members,
      retireIfEmpty: async (interval: number) => void retired.push(interval),
    },
    definition: async (_product: string, tag: string) => {
      lookups.push(tag);
      return { definition: { tag } as HealthcheckDefinition };
    },
  };
  return { deps, logger, lookups, retired };
}

describe('a probe round', () => {
  it('runs every member; one probe throwing leaves the others, and the round logs one line with a code', async () => {
    const { deps, logger } = roundOf([member('a'), member('b'), member('c'), member('d')]);
    const probe: ProbeOnce = async ({ tag }, find) => {
      await find();
      if (tag === 'a') throw new Error('state write refused');
      if (tag === 'b') return { skipped: 'the previous probe is still running' };
      return { ok: tag === 'c', latencyMs: 1, status: undefined, error: undefined };
    };
    expect(await runRound(1_000, probe, deps)).toEqual({
      round: 1_000,
      probes: 4,
      passed: 1,
      failed: 1,
      skipped: 1,
      errors: 1,
      failing: ['d/prd'],
    });
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        obj: expect.objectContaining({ code: PROBE_NOT_APPLIED, errors: 1, reason: 'state write refused' }),
      }),
    ]);
  });

  it('looks each definition up once for all its envs', async () => {
    const { deps, lookups } = roundOf([member('a', 'prd'), member('a', 'stg'), member('b')]);
    const probe: ProbeOnce = async (_m, find) => {
      await find();
      return { ok: true, latencyMs: 1, status: undefined, error: undefined };
    };
    await runRound(500, probe, deps);
    expect(lookups.sort()).toEqual(['a', 'b']);
  });

  it('an empty round gives up its scheduler', async () => {
    const { deps, retired } = roundOf([]);
    const summary = await runRound(500, async () => ({ skipped: 'never called' }), deps);
    expect(summary).toMatchObject({ probes: 0 });
    expect(retired).toEqual([500]);
  });
});

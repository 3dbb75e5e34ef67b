import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FallbackExhaustedError, SessionInvalidError } from '../../src/index.js';
import { REDACTED_PATHS } from '../../src/logger.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { rejection } from '../helpers/http-chains.js';
import { dumpPrefix } from '../helpers/redis.js';
import { hsToken, OTHER_SECRET, USER, useSessionKit } from '../helpers/session-kit.js';

// A session's raw token reaches the verifier and nothing else: dispatched jobs carry it sealed, a
// job whose token expired while it waited fails without a call, and no log line ever holds it.
const k = useSessionKit();

describe('dispatch', () => {
  it('a dispatched job with a valid session completes with $Session{sub}; the raw token is never in Redis', async () => {
    const { sim, tag } = await k.sessionChain();
    const token = await k.backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '5m' });
    const signature = token.split('.')[2]!;
    const handle = await k.backstop.fallback.dispatch({
      tag,
      input: { amount: 6 },
      session: { tag: 'user', token },
      schedule: { delay: 300 },
    });

    const waiting = await dumpPrefix(k.prefix);
    expect(waiting).toContain(handle.id); // the scan did find the job
    expect(waiting).toMatch(/\\"sealed\\":\\"s1\./); // its session, sealed
    expect(waiting).not.toContain(token);
    expect(waiting).not.toContain(signature);

    await k.backstop.worker({ healthchecks: false });
    const view = await k.backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('completed');
    expect(sim.calls.map((c) => c.body)).toEqual([{ user: 'u-1', org: 'org-9', amount: 6 }]);

    const done = await dumpPrefix(k.prefix);
    expect(done).toContain(handle.id);
    expect(done).not.toContain(token);
    expect(done).not.toContain(signature);
  });

  it('an invalid token at dispatch rejects and queues nothing', async () => {
    const { sim, tag } = await k.sessionChain();
    const token = await hsToken(USER, { secret: OTHER_SECRET });
    const error = await rejection(
      k.backstop.fallback.dispatch({ tag, input: { amount: 1 }, session: { tag: 'user', token } }),
    );
    expect(error).toBeInstanceOf(SessionInvalidError);
    expect((error as SessionInvalidError).reason).toBe('signature');
    expect((error as SessionInvalidError).message).not.toContain(token);
    const counts = await (await k.backstop.jobQueue()).getJobCounts(
      'waiting',
      'delayed',
      'active',
      'prioritized',
      'completed',
      'failed',
    );
    expect(counts).toEqual({ waiting: 0, delayed: 0, active: 0, prioritized: 0, completed: 0, failed: 0 });
    expect(sim.calls).toHaveLength(0);
  });

  it('a token that expires while its job waits fails the job as BACKSTOP_SESSION_INVALID without calling anything', async () => {
    // On the fake clock: the token is signed for one minute, and two minutes pass while the job waits.
    const clock = new FakeClock();
    await k.restart({ clock });
    const { sim, tag } = await k.sessionChain();
    await k.backstop.worker({ healthchecks: false });
    const token = await k.backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '1m' });
    const handle = await k.backstop.fallback.dispatch({
      tag,
      input: { amount: 8 },
      session: { tag: 'user', token },
      schedule: { delay: 300 },
    });
    await clock.advance(120_000);
    const view = await k.backstop.jobs.wait(handle.id, { timeout: 10_000 });
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe(ErrorCodes.SESSION_INVALID);
    expect(view.error?.message).toMatch(/expired/);
    expect(view.error?.message).not.toContain(token);
    expect(sim.calls).toHaveLength(0);
  });
});

describe('logs', () => {
  it('no log line carries the token, whether the chain fails, the token is refused or a job runs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    await k.restart({ logger });

    const { sim, tag } = await k.sessionChain();
    sim.down(503);
    const token = await k.backstop.session.sign({ tag: 'user', claims: USER, expiresIn: '5m' });
    const session = { tag: 'user', token };

    const failed = await rejection(k.backstop.fallback.run({ tag, input: { amount: 5 }, session }));
    expect(failed).toBeInstanceOf(FallbackExhaustedError);
    expect(JSON.stringify(failed)).not.toContain(token);

    const forged = `${token.slice(0, -4)}AAAA`;
    await rejection(
      k.backstop.fallback.run({ tag, input: { amount: 5 }, session: { tag: 'user', token: forged } }),
    );

    await k.backstop.worker({ healthchecks: false });
    const handle = await k.backstop.fallback.dispatch({ tag, input: { amount: 5 }, session });
    expect((await k.backstop.jobs.wait(handle.id, { timeout: 10_000 })).state).toBe('failed');

    expect(sim.calls).toHaveLength(2); // the failing run and the job; the forged token called nothing
    expect(lines.some((l) => l.includes(tag))).toBe(true); // the runs did log
    const signature = token.split('.')[2]!;
    for (const line of lines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(forged);
      expect(line).not.toContain(signature);
    }
  });
});

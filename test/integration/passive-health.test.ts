import { describe, expect, it } from 'vitest';
import { charges, key, option, until, useHealthKit } from '../helpers/health-kit.js';

const THRESHOLD = 3;
/** Long enough for the "skipped while open" checks, short enough to wait out twice. */
const COOLDOWN_MS = 3_000;
const CIRCUIT = { threshold: THRESHOLD, cooldownMs: COOLDOWN_MS };
const CIRCUIT_ENV = {
  BACKSTOP_CIRCUIT_THRESHOLD: String(THRESHOLD),
  BACKSTOP_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
};

/**
 * Passive health: live failures in one process open a provider's circuit in Redis; every process
 * then skips it until the cooldown is over, when one trial call (or probe) decides.
 */
describe('circuits shared through Redis', () => {
  const kit = useHealthKit({ circuit: CIRCUIT });

  it('opens on live failures in a worker process, is honoured by another process, and one trial decides after the cooldown', async () => {
    const { backstop } = kit();
    const primary = (await kit().provider('primary')).down(503);
    const secondary = await kit().provider('secondary');
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('primary'), option('secondary')],
    });
    await kit().fallbackWorker(CIRCUIT_ENV);
    const dispatchAndWait = async () => {
      const job = await backstop.fallback.dispatch({ tag: 'pay' });
      return backstop.jobs.wait(job.id, { timeout: 15_000 });
    };
    const circuit = async () => (await backstop.health.status('primary')).circuit;

    // Two failures: counted, not yet open.
    for (let i = 0; i < THRESHOLD - 1; i++) expect((await dispatchAndWait()).provider).toBe('secondary');
    await until(async () => (await circuit()).failures === THRESHOLD - 1, 15_000, 'two failures counted');
    expect((await circuit()).state).toBe('closed');
    expect(backstop.healthView.peek(key('primary'))?.provider_status).not.toBe('unhealthy');

    // The third opens it.
    expect((await dispatchAndWait()).provider).toBe('secondary');
    await until(async () => (await circuit()).state === 'open', 15_000, 'the circuit to open');
    const opened = await circuit();
    expect(opened.failures).toBe(THRESHOLD);
    const openUntil = Date.parse(opened.open_until!);
    expect(charges(primary)).toHaveLength(THRESHOLD);

    // Another process (this one) skips the primary without calling it; so does the worker (all
    // well inside the cooldown: were it over, a trial call would show in the counts below).
    await until(() => backstop.healthView.peek?.(key('primary'))?.provider_status === 'unhealthy');
    const report = await backstop.fallback.runDetailed({ tag: 'pay' });
    expect(report.provider).toBe('secondary');
    expect(report.attempts[0]).toMatchObject({
      provider: 'primary',
      outcome: 'skipped',
      skipped: 'unhealthy',
    });
    const skippedJob = await dispatchAndWait();
    expect(skippedJob.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'skipped' });
    expect(charges(primary)).toHaveLength(THRESHOLD);

    // After the cooldown: of five concurrent runs, one is the trial; it fails and reopens the circuit.
    await until(async () => (await circuit()).state === 'half-open', 15_000, 'the cooldown to end');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => backstop.fallback.runDetailed({ tag: 'pay' })),
    );
    expect(results.map((r) => r.provider)).toEqual(Array(5).fill('secondary'));
    expect(charges(primary)).toHaveLength(THRESHOLD + 1);
    expect(charges(primary)[THRESHOLD]!.at).toBeGreaterThanOrEqual(openUntil);
    await until(async () => (await circuit()).state === 'open', 15_000, 'the failed trial to reopen it');
    const reopened = await circuit();
    expect(Date.parse(reopened.open_until!)).toBeGreaterThanOrEqual(openUntil + COOLDOWN_MS);
    const reopenedUntil = Date.parse(reopened.open_until!);

    // Recovered: after the next cooldown the trial succeeds and closes the circuit for everyone.
    primary.up();
    await until(async () => (await circuit()).state === 'half-open', 15_000, 'the second cooldown to end');
    const trial = await backstop.fallback.runDetailed({ tag: 'pay' });
    expect(trial.provider).toBe('primary');
    expect(charges(primary).at(-1)!.at).toBeGreaterThanOrEqual(reopenedUntil);
    await until(async () => (await circuit()).state === 'closed', 15_000, 'the good trial to close it');
    expect(await circuit()).toEqual({ state: 'closed', failures: 0, open_until: null });
    expect((await dispatchAndWait()).provider).toBe('primary');
    expect((await backstop.fallback.run({ tag: 'pay' })).provider).toBe('primary');
    expect(charges(secondary).length).toBe(THRESHOLD + 1 + 1 + 5);
  });

  it('lets a probe decide after the cooldown: successful probes during it do not close the circuit', async () => {
    const { backstop, events } = kit();
    const primary = (await kit().provider('primary')).down(503);
    await kit().provider('secondary');
    // The probe checks a separate health endpoint that stays up while charges fail.
    const endpoint = (await kit().simulator('primary-status')).always({ kind: 'ok', status: 204 });
    await backstop.health.create({
      name: 'Primary status',
      tag: 'primary-health',
      url: `${endpoint.url}/health`,
      expectStatus: 204,
      interval: 150,
      retries: 2,
      envs: [{ slug: 'prd', input: {} }],
    });
    await backstop.fallback.create({
      name: 'Pay',
      tag: 'pay',
      options: [option('primary', { healthcheck: 'primary-health' }), option('secondary')],
    });
    await kit().healthWorker(CIRCUIT_ENV);
    const circuit = async () => (await backstop.health.status('primary-health')).circuit;
    // Runs until live failures open the circuit (status reads on the connection the outcomes are
    // written on, so each read sees the run before it).
    const openByLiveFailures = async () => {
      for (let i = 0; i < 30 && (await circuit()).state !== 'open'; i++) {
        expect((await backstop.fallback.run({ tag: 'pay' })).provider).toBe('secondary');
      }
      expect((await circuit()).state).toBe('open');
    };
    await until(() => events.probes('primary-health').some((e) => e.state.status === 'healthy'));

    // Live failures in this process open the circuit although probes say healthy.
    await openByLiveFailures();
    const liveCalls = charges(primary).length;
    expect(liveCalls).toBeGreaterThanOrEqual(THRESHOLD);
    const openUntil = Date.parse((await circuit()).open_until!);
    const probesBefore = endpoint.calls.length;
    await until(() => endpoint.calls.length >= probesBefore + 3, 15_000, 'three probes during the cooldown');
    expect(endpoint.calls.at(-1)!.at).toBeLessThan(openUntil);
    // Three good probes later, still inside the cooldown: still open, and runs still skip it.
    expect((await circuit()).state).toBe('open');
    const report = await backstop.fallback.runDetailed({ tag: 'pay' });
    expect(report.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'skipped' });
    expect(charges(primary)).toHaveLength(liveCalls);

    // After the cooldown, the next good probe closes it (no live call needed).
    const closing = events.all.length;
    await until(async () => (await circuit()).state === 'closed', 15_000, 'a probe to close the circuit');
    const closed = events.circuits('primary-health', closing).find((e) => e.state.openUntil === null)!;
    expect(closed.receivedAt).toBeGreaterThanOrEqual(openUntil);
    expect(charges(primary)).toHaveLength(liveCalls);

    // Reopen it; this time the probe after the cooldown fails and opens it for another cooldown.
    await openByLiveFailures();
    const liveCallsAgain = charges(primary).length;
    const secondUntil = Date.parse((await circuit()).open_until!);
    endpoint.always({ kind: 'fail', status: 503 });
    await until(
      async () => {
        const c = await circuit();
        return c.open_until !== null && Date.parse(c.open_until) > secondUntil;
      },
      15_000,
      'a failed probe to reopen the circuit',
    );
    const third = await circuit();
    expect(third.state).toBe('open');
    expect(Date.parse(third.open_until!)).toBeGreaterThanOrEqual(secondUntil + COOLDOWN_MS);
    expect(charges(primary)).toHaveLength(liveCallsAgain);
  });
});

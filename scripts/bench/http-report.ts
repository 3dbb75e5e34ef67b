import { type HttpCell, type RoundCost, sideResult } from './http-sides.js';
import { median, spreadPct } from './measure.js';
import { pairedRatio, type Verdict } from './queue-report.js';
import { formatOps, formatRatio, formatTable } from './table.js';

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '-');
const pct = (values: readonly number[]) => `${spreadPct(values).toFixed(0)}%`;

/** HTTP / library per round (the two ran next to each other), then the median, as bench:queue. */
export function httpRatio(cell: HttpCell): number {
  return pairedRatio(sideResult(cell.http), sideResult(cell.library));
}

export function printThroughput(cells: readonly HttpCell[], aim: number): Verdict[] {
  const header = [
    'connections = in flight',
    'http jobs/s',
    'library jobs/s',
    'http/library',
    'spread http/lib',
    'http p50',
    'http p99',
  ];
  const verdicts: Verdict[] = [];
  const body = cells.map((cell) => {
    const http = cell.http.map((r) => r.rate);
    const library = cell.library.map((r) => r.rate);
    const ratio = httpRatio(cell);
    verdicts.push({
      aim: 'throughput',
      what: `dispatch, ${cell.connections} connections vs ${cell.connections} in flight`,
      value: formatRatio(ratio),
      met: Number(ratio.toFixed(2)) >= aim, // judged as printed
    });
    return [
      String(cell.connections),
      formatOps(median(http)),
      formatOps(median(library)),
      formatRatio(ratio),
      `${pct(http)}/${pct(library)}`,
      ms(median(cell.http.map((r) => r.p50Ms))),
      ms(median(cell.http.map((r) => r.p99Ms))),
    ];
  });
  console.log('\nDispatch throughput (jobs queued per second, median round; ratio = median of per-round');
  console.log(' http/library ratios; spread = (max-min)/median of rounds; latency: autocannon, median of');
  console.log(' the rounds, 1 ms resolution)');
  console.log(formatTable(header, body));
  return verdicts;
}

export function printCosts(cells: readonly HttpCell[]): void {
  const header = [
    'cell',
    'side',
    'main thread CPU µs/job',
    'other threads CPU µs/job',
    'main thread busy',
    'redis CPU µs/job',
  ];
  const us = (values: readonly (number | undefined)[]) =>
    values.every((v) => v !== undefined) ? median(values as number[]).toFixed(0) : '-';
  const row = (label: string, side: string, costs: readonly RoundCost[]) => [
    label,
    side,
    us(costs.map((c) => c.mainUs)),
    us(costs.map((c) => c.otherUs)),
    `${(median(costs.map((c) => c.utilization)) * 100).toFixed(0)}%`,
    median(costs.map((c) => c.redisUs)).toFixed(0),
  ];
  const body = cells.flatMap((cell) => {
    const label = `${cell.connections} in flight`;
    return [
      row(
        label,
        'http api',
        cell.http.map((r) => r.cost),
      ),
      row(
        label,
        'library',
        cell.library.map((r) => r.cost),
      ),
    ];
  });
  console.log(
    '\nCost per job (median over the timed rounds). Main thread: the event loop the server and the',
  );
  console.log(
    ' library lanes run on (CPU from /proc, 10 ms steps). Other threads: the rest of this process,',
  );
  console.log(
    " mostly autocannon's worker thread on the HTTP side. Busy: event-loop utilization, wall time,",
  );
  console.log(
    ' so it also counts time the OS gave the CPU to another thread. Redis: the whole server, INFO cpu.',
  );
  console.log(formatTable(header, body));
}

/** Every request got a 202, every 202 is a queued job; prints and returns the problems. */
export function printChecks(cells: readonly HttpCell[]): string[] {
  const header = [
    'cell',
    'round',
    'http answered',
    'status codes',
    'non-2xx',
    'errors',
    'timeouts',
    'queued - 202s',
    'library: queued - dispatched',
  ];
  const problems: string[] = [];
  const body = cells.flatMap((cell) => {
    if (cell.probe.status !== 202 || !cell.probe.location?.startsWith('/v1/jobs/')) {
      problems.push(
        `${cell.connections} connections: first request answered ${cell.probe.status}, Location ${cell.probe.location}`,
      );
    }
    return cell.http.map((round, i) => {
      const answered = Object.values(round.statuses).reduce((a, b) => a + b, 0);
      const codes = Object.entries(round.statuses)
        .map(([code, n]) => `${code} x${n}`)
        .join(', ');
      const extra = round.queued - round.accepted;
      const library = cell.library[i];
      const libraryExtra = library ? library.queued - library.jobs : Number.NaN;
      const where = `${cell.connections} connections, round ${i + 1}`;
      if (round.non2xx > 0 || round.errors > 0 || Object.keys(round.statuses).some((c) => c !== '202'))
        problems.push(`${where}: not every request got 202 (${codes}; ${round.errors} errors)`);
      if (extra < 0 || extra > cell.connections)
        problems.push(`${where}: ${round.queued} jobs queued for ${round.accepted} 202s`);
      if (libraryExtra !== 0)
        problems.push(`${where}: library queued ${library?.queued} for ${library?.jobs}`);
      return [
        `${cell.connections} in flight`,
        String(i + 1),
        formatOps(answered),
        codes || '-',
        String(round.non2xx),
        String(round.errors),
        String(round.timeouts),
        String(extra),
        String(libraryExtra),
      ];
    });
  });
  console.log(
    '\nChecks (timed rounds): HTTP answers by status code; jobs that reached the waiting list minus',
  );
  console.log(' 202s counted (0 up to the connection count: requests in flight when autocannon stopped are');
  console.log(' queued but not counted); library jobs queued minus dispatches that resolved (must be 0)');
  console.log(formatTable(header, body));
  for (const problem of problems) console.log(`  CHECK FAILED: ${problem}`);
  return problems;
}

export function printSummary(verdicts: readonly Verdict[], aim: number, problems: readonly string[]): void {
  console.log('\nSummary');
  console.log(`aim: ≥ ${aim} of library dispatch`);
  for (const v of verdicts)
    console.log(`  ${v.met ? 'met    ' : 'NOT met'}  ${v.value.padStart(6)}  ${v.what}`);
  console.log(
    problems.length === 0
      ? 'checks: every HTTP request answered 202, every 202 and every library dispatch is a queued job'
      : `checks: ${problems.length} FAILED (above); those numbers measure another path`,
  );
}

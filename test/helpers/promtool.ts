import { spawnSync } from 'node:child_process';

/**
 * `promtool check metrics` on an exposition (Debian's prometheus package, installed by
 * `npm run setup -- --with-browser`): its complaints, or an empty string when it has none.
 */
export function promtoolCheckMetrics(exposition: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error)
    throw new Error(`promtool is not installed (npm run setup -- --with-browser): ${run.error.message}`);
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim() || `exit ${run.status}`;
}

/** `promtool check rules` on rule files: its complaints, or an empty string. */
export function promtoolCheckRules(...files: string[]): string {
  const run = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
  if (run.error)
    throw new Error(`promtool is not installed (npm run setup -- --with-browser): ${run.error.message}`);
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim();
}

/** One sample's value from an exposition, by its exact series (`name{label="v",…}`); 0 when absent. */
export function sample(exposition: string, series: string): number {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}

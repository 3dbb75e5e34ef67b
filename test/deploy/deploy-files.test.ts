import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promtoolCheckRules } from '../helpers/promtool.js';
import { testBackstop } from '../helpers/redis.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RULES = join(ROOT, 'deploy/prometheus/backstop-alerts.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/backstop-dashboard.json');

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

function promtool(...args: string[]): string {
  const run = spawnSync('promtool', args, { encoding: 'utf8', cwd: ROOT });
  if (run.error) throw run.error;
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim();
}

/** The metric names an expression reads. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:backstop|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

/** Every expression of the dashboard, Grafana's variables replaced by what they stand for. */
function dashboardExprs(): { title: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      title: panel.title,
      expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$tag', '.*'),
    })),
  );
}

describe('deploy/: alert rules and the Grafana dashboard', () => {
  const backstop = testBackstop();
  afterAll(() => backstop.close());

  it('alert rules pass promtool check and their unit tests', () => {
    expect(promtoolCheckRules(RULES)).toBe('');
    expect(promtool('test', 'rules', 'deploy/prometheus/backstop-alerts.test.yml')).toBe('');
    expect(promtool('check', 'config', '--syntax-only', 'deploy/prometheus/prometheus.yml')).toBe('');
  });

  it('every dashboard query is valid PromQL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-dashboard-'));
    try {
      const rules = dashboardExprs()
        .map((q, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(q.expr)}\n`)
        .join('');
      const file = join(dir, 'dashboard-rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}`);
      expect(promtoolCheckRules(file)).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('alerts and dashboard read only metrics Backstop exposes', async () => {
    await backstop.metrics.text(); // process metrics join at the first scrape
    const exposed = new Set<string>();
    for (const metric of backstop.metrics.registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      exposed.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exposed.add(name + s);
    }
    const used = new Set([
      ...metricsIn(readFileSync(RULES, 'utf8')),
      ...dashboardExprs().flatMap((q) => metricsIn(q.expr)),
    ]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

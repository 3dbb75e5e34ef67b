import type { Registry } from 'prom-client';

/**
 * A counter and a histogram recorded into plain maps and handed to prom-client's registry only at
 * scrape time. prom-client's own hash the label object and validate it on every `inc` and
 * `observe` (about a microsecond each, several per run); these look a series up by its joined
 * label values. Label values are bounded (metric-labels.ts), so the maps are too.
 */
interface Options {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class FastMetric<S> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  protected readonly series = new Map<string, S>();

  constructor(protected readonly options: Options) {
    this.name = options.name;
    this.help = options.help;
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  /** The series of these label values (in `labelNames` order), made on first use. */
  protected at(values: readonly string[], make: () => S): S {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      series = make();
      this.series.set(key, series);
    }
    return series;
  }

  protected labelsOf(values: readonly string[]): Record<string, string> {
    return Object.fromEntries(this.options.labelNames.map((name, i) => [name, values[i] ?? '']));
  }

  /** What prom-client's registry reads at scrape time. */
  abstract get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Value[] }>;

  reset(): void {
    this.series.clear();
  }
}

export class FastCounter extends FastMetric<{ values: readonly string[]; value: number }> {
  readonly type = 'counter';

  inc(...values: string[]): void {
    this.at(values, () => ({ values, value: 0 })).value++;
  }

  async get() {
    const values = [...this.series.values()].map((s) => ({
      labels: this.labelsOf(s.values),
      value: s.value,
    }));
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum' as const, values };
  }
}

interface HistogramSeries {
  values: readonly string[];
  /** Per bucket, observations at or under its bound (not cumulative until scraped). */
  counts: number[];
  sum: number;
  count: number;
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    options: Options,
    private readonly buckets: readonly number[],
  ) {
    super(options);
  }

  observe(value: number, ...values: string[]): void {
    const series = this.at(values, () => ({
      values,
      counts: new Array<number>(this.buckets.length).fill(0),
      sum: 0,
      count: 0,
    }));
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) series.counts[index]!++;
    series.sum += value;
    series.count++;
  }

  async get() {
    const values: Value[] = [];
    for (const s of this.series.values()) {
      const labels = this.labelsOf(s.values);
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        values.push({
          labels: { le: bound, ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum' as const, values };
  }
}

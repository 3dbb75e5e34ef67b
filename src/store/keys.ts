/**
 * Every key Backstop writes, in one place. The prefix carries a hash tag (`{backstop}`): keys a Lua
 * script or transaction touches together share a slot. Each area has a tag of its own, so a Redis
 * Cluster spreads them over masters: definitions under the prefix's tag (`{backstop}`), provider
 * health under `{backstop:health}`, each product's cached results under `{backstop:cache:<product>}`.
 */
export class Keys {
  /** Provider states, their index and sequence, trial budgets, history: one slot for their scripts. */
  readonly healthPrefix: string;
  private readonly cachePrefix: (product: string) => string;

  constructor(readonly prefix: string) {
    this.healthPrefix = areaOf(prefix, 'health');
    this.cachePrefix = (product) => areaOf(prefix, `cache:${product}`);
  }

  fallback(product: string, tag: string): string {
    return `${this.prefix}:fallback:${product}:${tag}`;
  }
  fallbackIndex(product: string): string {
    return `${this.prefix}:fallbacks:${product}`;
  }
  quota(product: string, tag: string): string {
    return `${this.prefix}:quota:${product}:${tag}`;
  }
  quotaIndex(product: string): string {
    return `${this.prefix}:quotas:${product}`;
  }
  /** Runs each provider of one quota served, per env (a hash: provider → count), summed across processes. */
  quotaUses(product: string, env: string, tag: string): string {
    return `${this.prefix}:quota-uses:${product}:${env}:${tag}`;
  }
  /** Failover drills in force (a hash: id → drill as JSON). */
  drills(): string {
    return `${this.prefix}:drills`;
  }
  /** Counts every change of the drills hash (start, cancel, cleanup), so processes check it cheaply. */
  drillsVersion(): string {
    return `${this.prefix}:drills-version`;
  }
  /** Pub/sub channel of drills started and cancelled (the drill, or its id). */
  drillEvents(): string {
    return `${this.prefix}:drill-events`;
  }
  /** Pub/sub channel of healthcheck alerts raised (`onFailure.emit`), for every process's event bus. */
  alertEvents(): string {
    return `${this.prefix}:alert-events`;
  }
  products(): string {
    return `${this.prefix}:products`;
  }
  app(tag: string): string {
    return `${this.prefix}:app:${tag}`;
  }
  appIndex(): string {
    return `${this.prefix}:apps`;
  }
  healthcheck(product: string, tag: string): string {
    return `${this.prefix}:health:${product}:${tag}`;
  }
  healthcheckIndex(product: string): string {
    return `${this.prefix}:healths:${product}`;
  }
  /** Products that have healthchecks. */
  healthcheckProducts(): string {
    return `${this.prefix}:health-products`;
  }
  /** Per product, healthcheck: the `check_interval` overrides fallback options ask for. */
  healthInterval(product: string, tag: string): string {
    return `${this.prefix}:health-interval:${product}:${tag}`;
  }
  /**
   * A provider's health (a hash: `v` the version, `s` the state as JSON): what probes and live
   * traffic found, per product, env and healthcheck (or provider name).
   */
  providerState(product: string, env: string, key: string): string {
    return `${this.healthPrefix}:provider-state:${product}:${env}:${key}`;
  }
  /** Every provider state there is, as `state|product|env|key`, to load a snapshot. */
  healthIndex(): string {
    return `${this.healthPrefix}:health-index`;
  }
  /** Counts every provider state write: each state's version, and how a snapshot knows it missed one. */
  healthSeq(): string {
    return `${this.healthPrefix}:health-seq`;
  }
  /**
   * Probe rounds: the healthchecks and envs probed every `interval` ms by one BullMQ job (a set of
   * `product|tag|env`). `probeRoundPrefix()` + interval is this key (its script builds it from there).
   */
  probeRound(interval: number): string {
    return `${this.probeRoundPrefix()}${interval}`;
  }
  probeRoundPrefix(): string {
    return `${this.healthPrefix}:probe-round:`;
  }
  /** Which round each healthcheck is in (a hash: `product|tag` → `{"interval":…,"envs":[…]}`). */
  probeRoundOf(): string {
    return `${this.healthPrefix}:probe-round-of`;
  }
  /** Trial calls claimed across processes in one trial of one provider (the ejection's start names it). */
  trialBudget(product: string, env: string, key: string, ejectedAt: number): string {
    return `${this.healthPrefix}:trial:${product}:${env}:${key}:${ejectedAt}`;
  }
  /** The key that seals session tokens in job data, when BACKSTOP_SESSION_KEY is not set. */
  sessionSealKey(): string {
    return `${this.prefix}:session-seal-key`;
  }
  /** Result cache types (a hash: tag → JSON definition). */
  cacheTypes(): string {
    return `${this.prefix}:cache-types`;
  }
  /** One cached result of a run: product, env, fallback (or feature) tag, cache tag, input hash. */
  cacheEntry(product: string, env: string, tag: string, cacheTag: string, hash: string): string {
    return `${this.cachePrefix(product)}:${env}:${tag}:${cacheTag}:${hash}`;
  }
  /** SCAN pattern of every cached result of one fallback in one env (tags cannot hold glob characters). */
  cacheEntriesOf(product: string, env: string, tag: string): string {
    return `${this.cachePrefix(product)}:${env}:${tag}:*`;
  }
  /** Pub/sub channel of finished single-flight runs (the entry key). */
  cacheEvents(): string {
    return `${this.prefix}:cache-events`;
  }
  feature(product: string, tag: string): string {
    return `${this.prefix}:feature:${product}:${tag}`;
  }
  featureIndex(product: string): string {
    return `${this.prefix}:features:${product}`;
  }
  /** Pub/sub channel of definition changes (the changed record's key). */
  definitionEvents(): string {
    return `${this.prefix}:definition-events`;
  }
  /** The named job queues there are (a set), for workers that take every queue and for listings. */
  jobQueues(): string {
    return `${this.prefix}:job-queues`;
  }
  /** Pub/sub channel of job queues used for the first time (the name). */
  jobQueueEvents(): string {
    return `${this.prefix}:job-queue-events`;
  }
  /** BullMQ prefix of one named job queue: a hash tag of its own, so a Cluster spreads queues. */
  jobQueuePrefix(queue: string): string {
    return areaOf(this.prefix, `jobs:${queue}`);
  }
  /** One provider's rate-limit window (a sorted set of call times), in a slot of its own. */
  rateWindow(key: string): string {
    return `${areaOf(this.prefix, `rate:${key}`)}:window`;
  }
  /** Sorted set of fallback workers by their last heartbeat (ms, Redis time). */
  workerHeartbeats(): string {
    return `${this.prefix}:workers`;
  }
  /** Per product, the runs view: a capped list of the latest runs' summaries (JSON), newest first. */
  recentRuns(product: string): string {
    return `${this.prefix}:recent-runs:${product}`;
  }
  /** Products with a runs list, for the runs view to offer. */
  recentRunProducts(): string {
    return `${this.prefix}:recent-run-products`;
  }
  /** Pub/sub channel of provider state changes. */
  healthEvents(): string {
    return `${this.healthPrefix}:health-events`;
  }
  /**
   * The last write of each provider state (a sorted set: index member → its sequence number), so a
   * snapshot that missed messages reads only what changed after the highest number it has. Member
   * `|since` scores the number after which the log is complete (absent: the log was lost).
   */
  healthChanges(): string {
    return `${this.healthPrefix}:health-changes`;
  }
  /** Historical counts of one provider in one time bucket (a hash). */
  history(product: string, env: string, provider: string, bucketStart: number): string {
    return `${this.healthPrefix}:history:${product}:${env}:${provider}:${bucketStart}`;
  }
}

/**
 * The prefix with its hash tag narrowed to one area: `{backstop}` gives `{backstop:health}`, a
 * slot of its own. A prefix without a tag is used as is (one node needs no slots).
 */
export function areaOf(prefix: string, area: string): string {
  const open = prefix.indexOf('{');
  const close = open >= 0 ? prefix.indexOf('}', open + 1) : -1;
  if (close <= open + 1) return `${prefix}:${area}`;
  return `${prefix.slice(0, close)}:${area}${prefix.slice(close)}`;
}

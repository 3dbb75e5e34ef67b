import type { Queue } from 'bullmq';
import { isRoundJob, type ProbeJobData } from './healthcheck-scheduler.js';

/** A healthcheck still probed by schedulers of earlier releases, and their ids. */
interface LegacyEntry {
  product: string;
  tag: string;
  ids: string[];
}

/**
 * The job schedulers earlier releases made per healthcheck and env (ids `<product>.<tag>.<env>`),
 * which probe rounds replace.
 *
 * Finding them means listing every scheduler of the healthcheck queue (a ZRANGE and an HGETALL
 * each), so it is done once per process and remembered, not on every schedule of every
 * healthcheck: this release never makes such schedulers, so after an upgrade they only go away.
 * Removing by the remembered ids rather than by the ids of a healthcheck's current envs also
 * removes those of envs dropped since. One made after the listing (by a process of an earlier
 * release still running during a rolling upgrade) is found when a healthcheck worker starts,
 * which lists again (`refresh`); until then its jobs probe as they did before the upgrade.
 */
export class LegacySchedulers {
  private listing: Promise<Map<string, LegacyEntry>> | undefined;

  constructor(private readonly queue: Queue<ProbeJobData>) {}

  /** Lists the schedulers again (a healthcheck worker starting), and says which healthchecks have any. */
  async refresh(): Promise<{ product: string; tag: string }[]> {
    this.listing = undefined;
    const found = await this.found();
    return [...found.values()].map(({ product, tag }) => ({ product, tag }));
  }

  /** Removes a healthcheck's schedulers of earlier releases, by id; no listing after the first. */
  async remove(product: string, tag: string): Promise<void> {
    const found = await this.found();
    const key = `${product}|${tag}`;
    const entry = found.get(key);
    if (!entry) return;
    for (const id of entry.ids) await this.queue.removeJobScheduler(id);
    found.delete(key);
  }

  private found(): Promise<Map<string, LegacyEntry>> {
    if (!this.listing) {
      const listing = this.list();
      this.listing = listing;
      // A failed listing (Redis away) is tried again by the next call, not remembered.
      listing.catch(() => {
        if (this.listing === listing) this.listing = undefined;
      });
    }
    return this.listing;
  }

  private async list(): Promise<Map<string, LegacyEntry>> {
    const found = new Map<string, LegacyEntry>();
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      const data = scheduler.template?.data;
      if (!data || isRoundJob(data) || !data.product || !data.tag) continue;
      const key = `${data.product}|${data.tag}`;
      const entry = found.get(key) ?? { product: data.product, tag: data.tag, ids: [] };
      entry.ids.push(scheduler.key);
      found.set(key, entry);
    }
    return found;
  }
}

import type { Clock } from '../../src/core/clock.js';

type Entry = { at: number; fn: () => void; id: number };

/**
 * A clock that moves only when told to, in turns like Node's event loop: the timers due first,
 * then I/O that has arrived (`arrive`), then `defer`red callbacks (Node's `setImmediate`). `block`
 * models a busy event loop: time passes and nothing runs, so the next turn finds timers overdue
 * and I/O waiting, and the timers run first.
 */
export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private timers: Entry[] = [];
  private io: Entry[] = [];
  private deferred: (() => void)[] = [];
  private nextId = 0;

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** I/O that arrives `ms` from now (a provider's answer): handled after the timers of its turn. */
  arrive(ms: number, fn: () => void): void {
    this.io.push({ at: this.time + ms, fn, id: this.nextId++ });
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** The event loop is busy for `ms`: the clock moves on, but nothing runs until the next `advance`. */
  block(ms: number): void {
    this.time += ms;
  }

  /** Moves time forward by `ms`, turn by turn, letting promises settle after every callback. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const due = Math.min(earliest(this.timers), earliest(this.io));
      if (due > target) break;
      this.time = Math.max(this.time, due);
      await this.runDue('timers');
      await this.runDue('io');
      await this.runDeferred();
    }
    this.time = Math.max(this.time, target);
    await this.runDeferred();
  }

  private async runDue(queue: 'timers' | 'io'): Promise<void> {
    for (;;) {
      const list = this[queue];
      list.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = list[0];
      if (!next || next.at > this.time) return;
      list.shift();
      next.fn();
      await settle();
    }
  }

  private async runDeferred(): Promise<void> {
    while (this.deferred.length > 0) {
      for (const fn of this.deferred.splice(0)) fn();
      await settle();
    }
  }
}

function earliest(entries: Entry[]): number {
  return entries.reduce((min, e) => Math.min(min, e.at), Number.POSITIVE_INFINITY);
}

/** Lets every pending promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

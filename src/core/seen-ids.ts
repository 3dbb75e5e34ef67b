/**
 * Ids met lately, to act on each once when a message may arrive twice (a PUBLISH sent again after
 * its reply was lost reaches every subscriber twice). Keeps the newest `capacity` ids: a duplicate
 * arrives right after its original, not thousands of messages later.
 */
export class SeenIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 1_000) {}

  /** True the first time an id is met; false when it was met lately. */
  firstTime(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

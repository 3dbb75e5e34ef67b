/** Calls remembered: enough for a smooth share, few enough that a rising share brings no burst. */
const MEMORY = 40;

/**
 * Admits a share of calls, deterministically: a call is admitted when fewer than `share` × the calls
 * asked were. The first call is always admitted; the share may change from call to call (a slow
 * start's growing share), and the counts halve past MEMORY so a rise never lets a burst through.
 */
export class ShareGate {
  private asked = 0;
  private admitted = 0;

  constructor(readonly since: number) {}

  admit(share: number): boolean {
    if (this.asked >= MEMORY) {
      this.asked /= 2;
      this.admitted /= 2;
    }
    this.asked++;
    if (this.admitted >= share * this.asked) return false;
    this.admitted++;
    return true;
  }
}

/** Polls `cond` every 25 ms until it holds; fails naming `what` after `ms`. Bounded: tests stop by themselves. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms = 15_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

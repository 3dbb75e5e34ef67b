/**
 * Polls `cond` every 25 ms until it holds; after `ms`, fails naming `what` (by default the
 * condition's own source). The one way tests wait: on state, never for a fixed time.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms = 15_000,
  what = `${cond}`.replace(/\s+/g, ' '),
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

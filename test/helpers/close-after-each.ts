import { afterEach } from 'vitest';

/**
 * What a test opens (a connection, a server, a Backstop), closed after each test, newest first:
 * the test hands over a closer as it opens something, and nothing outlives the test that made it.
 */
export function closeAfterEach(): (...closers: (() => unknown)[]) => void {
  const pending: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of pending.splice(0).reverse()) await close();
  });
  return (...closers) => {
    pending.push(...closers);
  };
}

/**
 * Preloaded into the child processes tests start (`--import ./test/helpers/die-with-parent.mjs`):
 * when the test process that started this one dies without stopping it (a timed-out or killed
 * test file), the child is re-parented. It then stops itself as an operator would: a first
 * SIGTERM (graceful), a second (forceful, still cleaning up an embedded redis-server), then
 * SIGKILL. Test-only: production processes never load it.
 */
import { readFileSync } from 'node:fs';

const parent = process.ppid;

/** Node 20 caches `process.ppid`: read the live one from /proc, or ask the parent where there is none. */
function orphaned() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent;
  } catch {
    try {
      process.kill(parent, 0);
      return false;
    } catch {
      return true;
    }
  }
}

const watch = setInterval(() => {
  if (!orphaned()) return;
  clearInterval(watch);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), 3_000).unref();
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 8_000).unref();
}, 500);
watch.unref();

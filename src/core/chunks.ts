/** The items in runs of at most `size`, in order: a batch cut to what one call may carry. */
export function inChunks<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += size) runs.push(items.slice(i, i + size));
  return runs;
}

/**
 * A metric's children by label values, kept: prom-client hashes the label object on every `inc`
 * and `observe` (sorting its keys), which a worker would pay several times per job. The label
 * values are bounded (metric-labels.ts), so the map is too.
 */
export function childrenOf<T>(labels: (...values: string[]) => T): (...values: string[]) => T {
  const children = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = children.get(key);
    if (child === undefined) {
      child = labels(...values);
      children.set(key, child);
    }
    return child;
  };
}

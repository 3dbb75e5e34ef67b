/**
 * JSON with object keys sorted at every level, so that equal values give equal text whatever the
 * order their keys were written in (`{ a, b }` and `{ b, a }` hash alike). Undefined values are
 * dropped as JSON.stringify drops them.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

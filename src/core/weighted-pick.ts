/**
 * Picks index `i` among those not left out with probability weight[i] / (sum of their weights),
 * from one draw in [0, 1). The weights of those left out (unhealthy, drained, already tried) are
 * thereby shared among the rest in proportion to theirs. A weight of 0 is never picked. Returns
 * undefined when no index left in has a positive weight. (Flags rather than a predicate: a closure
 * made on every run costs more than the pick.)
 */
export function pickWeighted(
  weights: readonly number[],
  draw: number,
  leftOut?: readonly boolean[],
): number | undefined {
  let total = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i]! > 0 && !leftOut?.[i]) total += weights[i]!;
  if (total <= 0) return undefined;
  let point = draw * total;
  let last: number | undefined;
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!;
    if (weight <= 0 || leftOut?.[i]) continue;
    last = i;
    if (point < weight) return i;
    point -= weight;
  }
  // A draw of (nearly) 1 can round past the last weight: it belongs to the last one.
  return last;
}

/** An option without a weight counts as 1; a weight of 0 drains the provider. */
export function weightOf(provider: { weight?: number | undefined }): number {
  return provider.weight ?? 1;
}

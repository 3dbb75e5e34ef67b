/**
 * Picks index `i` among the eligible ones with probability weight[i] / (sum of eligible weights),
 * from one draw in [0, 1). The weights of those left out (unhealthy, drained, already tried) are
 * thereby shared among the rest in proportion to theirs. A weight of 0 is never picked. Returns
 * undefined when no eligible index has a positive weight.
 */
export function pickWeighted(
  weights: readonly number[],
  eligible: (index: number) => boolean,
  draw: number,
): number | undefined {
  let total = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i]! > 0 && eligible(i)) total += weights[i]!;
  if (total <= 0) return undefined;
  let point = draw * total;
  let last: number | undefined;
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!;
    if (weight <= 0 || !eligible(i)) continue;
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

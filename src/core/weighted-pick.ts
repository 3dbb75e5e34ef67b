/** A provider a weighted pick may choose: its index in the chain and its weight (> 0). */
export interface WeightedCandidate {
  index: number;
  weight: number;
}

/**
 * Picks one candidate with probability weight / total weight, from one draw in [0, 1). The weights
 * of providers left out (unhealthy, drained, already tried) are thereby shared among the rest in
 * proportion to theirs. Returns undefined when no candidate has a positive weight.
 */
export function pickWeighted(candidates: readonly WeightedCandidate[], draw: number): number | undefined {
  let total = 0;
  for (const c of candidates) if (c.weight > 0) total += c.weight;
  if (total <= 0) return undefined;
  let point = draw * total;
  let last: number | undefined;
  for (const c of candidates) {
    if (c.weight <= 0) continue;
    last = c.index;
    if (point < c.weight) return c.index;
    point -= c.weight;
  }
  // A draw of (nearly) 1 can round past the last weight: it belongs to the last candidate.
  return last;
}

/** An option without a weight counts as 1; a weight of 0 drains the provider. */
export function weightOf(provider: { weight?: number | undefined }): number {
  return provider.weight ?? 1;
}

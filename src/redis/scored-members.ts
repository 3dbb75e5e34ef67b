/** A sorted set's member with its score, from a reply made `WITHSCORES`. */
export interface ScoredMember {
  member: string;
  score: number;
}

/** A flat `WITHSCORES` reply (member, score, member, score, ...) as pairs; a trailing member without a score is left out. */
export function scoredMembers(flat: readonly string[]): ScoredMember[] {
  const pairs: ScoredMember[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push({ member: flat[i]!, score: Number(flat[i + 1]) });
  return pairs;
}

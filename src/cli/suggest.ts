/** The known names closest to `name` (edit distance within a third of its length, at least 2). */
export function nearest(name: string, known: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored = known
    .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
    .filter((s) => s.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  const best = scored[0]?.distance;
  return scored.filter((s) => s.distance === best).map((s) => s.candidate);
}

/** A line for an unknown name: the nearest known one, then what is known (or that nothing is). */
export function suggestion(kind: string, name: string, known: readonly string[], where = ''): string {
  if (known.length === 0) return `no ${kind}s are known${where}`;
  const close = nearest(name, known);
  const list = `known ${kind}s${where}: ${[...known].sort().join(', ')}`;
  return close.length > 0 ? `did you mean ${close.map((c) => `'${c}'`).join(' or ')}? (${list})` : list;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

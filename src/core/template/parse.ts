import { ValidationError } from '../validation-error.js';

/** One `$Name{arg}` reference, or a run of literal text, inside a template string. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'ref'; namespace: string; arg: string };

// `$Name{arg}`, and `$Name{a}{b}` for the two-argument `$Sequence{step}{field}` form of features.
const REFERENCE = /\$([A-Za-z]+)\{([^{}]*)\}(?:\{([^{}]*)\})?/g;

export function parseTemplateString(text: string, fieldPath: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ kind: 'text', text: text.slice(last, index) });
    const arg = match[3] === undefined ? match[2]! : `${match[2]}}{${match[3]}`;
    parts.push({ kind: 'ref', namespace: match[1]!, arg: arg.trim() });
    last = index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  for (const part of parts) {
    // A `$Name{` left over after matching is a reference with a missing or nested brace.
    if (part.kind === 'text' && /\$[A-Za-z]+\{/.test(part.text)) {
      throw ValidationError.field(fieldPath, `malformed template '${text}': expected $Name{path}`);
    }
  }
  return parts;
}

import fc from 'fast-check';

type Json = Record<string, unknown>;

/** Strings worth sending anywhere: templates, paths, encodings, sizes, time forms. */
const ODD_STRINGS = [
  '',
  ' ',
  'fz',
  '$Input{',
  '$Input{n}',
  '$Secret{PATH}',
  '$Secret{BACKSTOP_API_KEYS}',
  '$Response{x}',
  '$Fallback{error}',
  '$Sequence{a}{b}',
  '\u0000',
  '🙂',
  '../..',
  '%zz',
  'a'.repeat(300),
  'PT5S',
  '5s',
  '-5s',
  '2001-01-01T00:00:00Z',
  '* * * * * *',
  '*/5 * * * *',
  'http://169.254.169.254/',
  'http://127.0.0.1:9/',
  '__proto__',
];

/** Values that name the fixtures (or new tags next to them), so that requests reach past lookups. */
const KNOWN: Record<string, string[]> = {
  product: ['my-product'],
  product_tag: ['my-product'],
  env: ['prd'],
  slug: ['prd'],
  tag: ['fz', 'fz-new', 'fz-other'],
  fallback_tag: ['fz'],
  app: ['fz'],
  event: ['call', 'fz'],
  cache: ['fz', ''],
  type: ['action', 'fallback'],
};

/** What the URL-valued fields may point at: refused addresses and a closed local port (fast failures). */
const URLS = [
  'http://127.0.0.1:9',
  'http://169.254.169.254/latest',
  'https://api.stripe.com',
  'http://[fe80::1]/',
];

/**
 * A fast-check arbitrary of values that a JSON Schema (2020-12, as the OpenAPI document has it)
 * describes: valid ones, ones with odd values mixed in at every level, and odd values outright, so
 * that a fuzzer reaches deep validation (and real runs) instead of stopping at the first type
 * check. `extra` adds known-good strings (the fixtures' tags) wherever a string is expected.
 */
export function arbitraryOf(schema: unknown, doc: Json, extra: string[] = []): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: nodeOf(schema, { doc, extra, noisy: false }, 0) },
    { weight: 3, arbitrary: nodeOf(schema, { doc, extra, noisy: true }, 0) },
    { weight: 1, arbitrary: oddValue() },
  );
}

/** The document, the known-good strings, and whether odd values are mixed in at every level. */
interface Mode {
  doc: Json;
  extra: string[];
  noisy: boolean;
}

function nodeOf(schema: unknown, mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const valid = validArbitrary(schema, mode, depth);
  if (!mode.noisy || depth > 4) return valid;
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: oddValue() });
}

function validArbitrary(schema: unknown, mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const { doc } = mode;
  if (schema === true || schema === undefined || schema === null || typeof schema !== 'object')
    return fc.jsonValue({ maxDepth: 2 });
  const s = schema as Json;
  if (typeof s.$ref === 'string') return nodeOf(resolve(s.$ref, doc), mode, depth);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0)
      return fc.oneof(...options.map((o) => nodeOf(o, mode, depth + 1)));
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return nodeOf(s.allOf[0], mode, depth);
  if (Array.isArray(s.type))
    return fc.oneof(...(s.type as string[]).map((t) => validArbitrary({ ...s, type: t }, mode, depth)));
  switch (s.type) {
    case 'object':
      return objectArbitrary(s, mode, depth);
    case 'array': {
      const items = depth > 4 ? fc.constant(1) : nodeOf(s.items ?? true, mode, depth + 1);
      const minLength = Math.min(Number(s.minItems ?? 0), 3);
      return fc.array(items, { minLength, maxLength: Math.max(minLength, 3) });
    }
    case 'string':
      return stringArbitrary(s, mode);
    case 'integer':
      return integerArbitrary(s, mode);
    case 'number':
      return mode.noisy
        ? fc.oneof(integerArbitrary(s, mode), fc.double({ noNaN: true, min: -1e6, max: 1e6 }))
        : integerArbitrary(s, mode);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(s: Json, mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const required = new Set((s.required ?? []) as string[]);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const generated = /url|baseUrl/i.test(name)
      ? fc.constantFrom(...URLS)
      : depth > 4
        ? fc.constant(1)
        : nodeOf(property, mode, depth + 1);
    const known = KNOWN[name];
    record[name] = known
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, generated)
      : generated;
  }
  const requiredKeys = Object.keys(properties).filter((k) => required.has(k));
  const base = fc.record(record, { requiredKeys });
  const additional = s.additionalProperties;
  if (additional && typeof additional === 'object' && Object.keys(properties).length === 0 && depth <= 4) {
    const names = s.propertyNames as Json | undefined;
    const key =
      names && !mode.noisy
        ? fc.oneof(fc.constantFrom('fz', 'prd'), stringArbitrary(names, mode))
        : fc.oneof(fc.constantFrom('fz', 'prd', 'a', 'amount'), fc.string({ maxLength: 8 }));
    const minKeys = mode.noisy ? 0 : Math.min(Number(s.minProperties ?? 0), 2);
    return fc.dictionary(key, nodeOf(additional, mode, depth + 1), {
      minKeys,
      maxKeys: Math.max(minKeys, 3),
    });
  }
  return base;
}

function stringArbitrary(s: Json, mode: Mode): fc.Arbitrary<string> {
  const constrained = typeof s.pattern === 'string' || typeof s.format === 'string';
  const options: fc.Arbitrary<string>[] = [];
  if (mode.noisy) options.push(fc.constantFrom(...ODD_STRINGS));
  if (mode.noisy || !constrained)
    options.push(fc.string({ minLength: Number(s.minLength ?? 0), maxLength: 20 }));
  if (mode.extra.length > 0) options.push(fc.constantFrom(...mode.extra));
  if (typeof s.pattern === 'string') {
    try {
      options.push(fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= 200));
    } catch {
      // a pattern JavaScript cannot read: the other strings will do
    }
  }
  if (s.format === 'date-time') options.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  if (s.format === 'uri') options.push(fc.constantFrom(...URLS));
  return fc.oneof(...options);
}

function integerArbitrary(s: Json, mode: Mode): fc.Arbitrary<number> {
  const low = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : s.minimum;
  const high = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - 1 : s.maximum;
  const min = typeof low === 'number' ? Math.max(low, -(2 ** 31)) : -1_000;
  const max = typeof high === 'number' ? Math.min(high, min + 1_000_000) : min + 100_000;
  const valid = fc.integer({ min, max: Math.max(min, max) });
  if (!mode.noisy) return valid;
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1, 2 ** 53, 1e308) },
  );
}

/** A value of any JSON type, including the shapes that break naive code. */
export function oddValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, true, 0, -1, 3.5, 1e308, '', {}, [], [[]], { __proto__x: 1 }),
    fc.constantFrom(...ODD_STRINGS),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

function resolve(ref: string, doc: Json): unknown {
  if (!ref.startsWith('#/')) return true;
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part];
  return node ?? true;
}

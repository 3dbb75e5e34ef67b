import { describe, expect, it } from 'vitest';
import { compileFeature, parseFeature } from '../../src/core/feature/compile-feature.js';
import { stableJson } from '../../src/core/stable-json.js';
import { compileTemplate } from '../../src/core/template/compile.js';
import { ValidationError } from '../../src/core/validation-error.js';
import { parseOrThrow } from '../../src/core/zod-issues.js';
import { sessionDefinitionSchema } from '../../src/session/session-definition.js';
import { TokenSeal } from '../../src/session/token-seal.js';

function pathsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => i.path);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('$Session{} and $Sequence{} templates', () => {
  const scope = {
    input: { amount: 5 },
    session: { sub: 'u1', org: { id: 'o1' } },
    sequence: { 'payment-fallback': { provider: 'stripe', transactionId: 'ch_1' } },
  };

  it('reads claims and earlier steps, keeping the value type', () => {
    expect(compileTemplate('$Session{org.id}', 'x')(scope)).toBe('o1');
    expect(compileTemplate('$Sequence{payment-fallback}{transactionId}', 'x')(scope)).toBe('ch_1');
    expect(compileTemplate('$Sequence{payment-fallback}', 'x')(scope)).toEqual(
      scope.sequence['payment-fallback'],
    );
    expect(compileTemplate('by $Sequence{payment-fallback}{provider} for $Session{sub}', 'x')(scope)).toBe(
      'by stripe for u1',
    );
  });

  it('refuses a step that does not run earlier and namespaces a field does not allow', () => {
    const earlierSteps = new Set(['validate']);
    expect(
      pathsOf(() => compileTemplate({ v: '$Sequence{later}{id}' }, 'events[1].input', { earlierSteps })),
    ).toEqual(['events[1].input.v']);
    expect(pathsOf(() => compileTemplate('$Sequence{}{id}', 'f'))).toEqual(['f']);
    expect(pathsOf(() => compileTemplate('$Session{sub}', 'f', { namespaces: ['Input'] }))).toEqual(['f']);
  });
});

describe('feature compilation', () => {
  const base = { tag: 'f', name: 'F', input: { amount: { type: 'number' as const } } };

  it('names steps by tag or event and refuses duplicates', () => {
    const events = [
      { type: 'action' as const, event: 'send', app: 'a' },
      { type: 'action' as const, event: 'send', app: 'b' },
    ];
    expect(pathsOf(() => compileFeature(parseFeature({ ...base, events }), 'p', 1))).toEqual([
      'events[1].tag',
    ]);
    const named = compileFeature(
      parseFeature({ ...base, events: [events[0], { ...events[1], tag: 'send-b' }] }),
      'p',
      1,
    );
    expect(named.steps.map((s) => s.name)).toEqual(['send', 'send-b']);
  });

  it('refuses provider settings on fallback steps and an action without an app', () => {
    expect(
      pathsOf(() =>
        compileFeature(
          parseFeature({ ...base, events: [{ type: 'fallback', event: 'x', retries: 2 }] }),
          'p',
          1,
        ),
      ),
    ).toEqual(['events[0].retries']);
    expect(
      pathsOf(() =>
        compileFeature(parseFeature({ ...base, events: [{ type: 'action', event: 'x' }] }), 'p', 1),
      ),
    ).toEqual(['events[0].app']);
  });
});

describe('session definitions', () => {
  const parse = (d: unknown) => () => parseOrThrow(sessionDefinitionSchema, d, 'invalid');

  it('refuses none, short secrets, two key sources and HMAC with a public key', () => {
    expect(pathsOf(parse({ tag: 's', secret: 'x'.repeat(32), algorithms: ['none'] }))).toEqual([
      'algorithms[0]',
    ]);
    expect(pathsOf(parse({ tag: 's', secret: 'short' }))).toEqual(['secret']);
    expect(pathsOf(parse({ tag: 's', secret: 'x'.repeat(32), jwksUrl: 'https://i/jwks' }))).toEqual([
      'jwksUrl',
    ]);
    expect(pathsOf(parse({ tag: 's', jwksUrl: 'https://i/jwks', algorithms: ['HS256'] }))).toEqual([
      'algorithms',
    ]);
    expect(pathsOf(parse({ tag: 's', jwksUrl: 'https://i/jwks' }))).toEqual(['algorithms']);
    expect(pathsOf(parse({ tag: 's' }))).toEqual(['secret']);
  });
});

describe('sealed tokens', () => {
  const seal = new TokenSeal(Buffer.alloc(32, 7));

  it('opens only with the same key and the same job binding', () => {
    const sealed = seal.seal('eyJ.token', 'p|tag|key-1');
    expect(sealed).not.toContain('eyJ');
    expect(seal.open(sealed, 'p|tag|key-1')).toBe('eyJ.token');
    expect(seal.open(sealed, 'p|tag|key-2')).toBeUndefined();
    expect(new TokenSeal(Buffer.alloc(32, 8)).open(sealed, 'p|tag|key-1')).toBeUndefined();
    expect(seal.open(`${sealed.slice(0, -2)}AA`, 'p|tag|key-1')).toBeUndefined();
    expect(seal.seal('eyJ.token', 'p|tag|key-1')).not.toBe(sealed); // a fresh IV each time
  });
});

describe('stable JSON', () => {
  it('gives equal text for equal values whatever the key order', () => {
    expect(stableJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      stableJson({ a: { d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(stableJson([2, 1])).not.toBe(stableJson([1, 2]));
  });
});

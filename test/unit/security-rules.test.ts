import { describe, expect, it } from 'vitest';
import { tooDeepPath } from '../../src/core/json-depth.js';
import { ValidationError } from '../../src/core/validation-error.js';
import { AuthThrottle } from '../../src/http/auth-throttle.js';
import { OutboundPolicy } from '../../src/security/outbound-policy.js';
import { REDACTED, Redactor } from '../../src/security/redactor.js';

describe('the outbound policy', () => {
  const open = new OutboundPolicy([], true);
  const strict = new OutboundPolicy(
    ['api.stripe.com', '*.paypal.com', '10.0.0.0/8', '169.254.10.0/24'],
    false,
  );

  it.each([
    ['169.254.169.254', /link-local or cloud metadata/],
    ['[::ffff:a9fe:a9fe]', /link-local or cloud metadata/],
    ['[fe80::1]', /link-local/],
    ['[fd00:ec2::254]', /cloud metadata/],
    ['100.100.100.200', /cloud metadata/],
    ['0.0.0.0', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['metadata.google.internal', /metadata service/],
    ['METADATA.GOOGLE.INTERNAL.', /metadata service/],
  ])('refuses %s by default', (host, reason) => {
    expect(open.hostProblem(host)).toMatch(reason);
  });

  it('allows loopback and any public host by default', () => {
    for (const host of ['127.0.0.1', '[::1]', 'localhost', 'api.stripe.com', '8.8.8.8', '10.1.1.1']) {
      expect(open.hostProblem(host), host).toBeUndefined();
    }
  });

  it('with an allow-list: names by name, IP literals by CIDR, listed CIDRs over the defaults', () => {
    expect(strict.hostProblem('api.stripe.com')).toBeUndefined();
    expect(strict.hostProblem('api-m.sandbox.paypal.com')).toBeUndefined();
    expect(strict.hostProblem('paypal.com')).toMatch(/not in BACKSTOP_OUTBOUND_ALLOW/);
    expect(strict.hostProblem('evilpaypal.com')).toMatch(/not in BACKSTOP_OUTBOUND_ALLOW/);
    expect(strict.hostProblem('10.2.3.4')).toBeUndefined();
    expect(strict.hostProblem('11.2.3.4')).toMatch(/not in BACKSTOP_OUTBOUND_ALLOW/);
    expect(strict.hostProblem('127.0.0.1')).toMatch(/loopback/);
    // An operator who lists a link-local network means it; the metadata address is not in it.
    expect(strict.hostProblem('169.254.10.7')).toBeUndefined();
    expect(strict.hostProblem('169.254.169.254')).toMatch(/metadata/);
    // What a listed name resolves to is still checked.
    expect(strict.addressProblem('127.0.0.1')).toMatch(/loopback/);
    expect(strict.addressProblem('169.254.169.254')).toMatch(/metadata/);
    expect(strict.addressProblem('93.184.216.34')).toBeUndefined();
  });

  it('checks URLs of definitions, leaving those built from secrets to call time', () => {
    expect(() => open.checkUrl('http://169.254.169.254/x', 'envs.prd.baseUrl')).toThrow(ValidationError);
    expect(() => open.checkUrl('$Secret{URL}', 'envs.prd.baseUrl')).not.toThrow();
    expect(() => open.checkUrl(undefined, 'url')).not.toThrow();
  });

  it('refuses a malformed allow-list entry, naming it', () => {
    expect(() => new OutboundPolicy(['api.stripe.com', 'not a host'], true)).toThrow(
      /BACKSTOP_OUTBOUND_ALLOW\[1\]/,
    );
  });
});

describe('the redactor', () => {
  it('replaces every registered value, in text, JSON and URL spellings, longest first', () => {
    const redactor = new Redactor();
    redactor.add('sk_live_"quoted"_0123');
    redactor.add('sk_live_"quoted"_0123_and_more');
    redactor.add('short'); // too short to redact by value
    expect(redactor.scrub('a sk_live_"quoted"_0123_and_more b')).toBe(`a ${REDACTED} b`);
    expect(redactor.scrub(JSON.stringify({ k: 'sk_live_"quoted"_0123' }))).toBe(`{"k":"${REDACTED}"}`);
    expect(redactor.scrub(`?k=${encodeURIComponent('sk_live_"quoted"_0123')}`)).toBe(`?k=${REDACTED}`);
    expect(redactor.scrub('short stays')).toBe('short stays');
  });

  it('returns values untouched (the same object) when nothing matches, a scrubbed copy otherwise', () => {
    const redactor = new Redactor();
    redactor.add('secret-value-1234');
    const clean = { a: [1, { b: 'x' }] };
    expect(redactor.scrubValue(clean)).toBe(clean);
    const dirty = { a: ['secret-value-1234'], 'secret-value-1234': 1 };
    expect(redactor.scrubValue(dirty)).toEqual({ a: [REDACTED], [REDACTED]: 1 });
    const error = new Error('echo: secret-value-1234');
    expect(redactor.scrubError(error)).toBe(error);
    expect(error.message).toBe(`echo: ${REDACTED}`);
    expect(error.stack).not.toContain('secret-value-1234');
  });
});

describe('auth failure throttling', () => {
  it('refuses an address for the rest of its minute once it used its failures', () => {
    let now = 1_000_000;
    const throttle = new AuthThrottle(3, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter('a')).toBe(0);
      throttle.fail('a');
    }
    expect(throttle.retryAfter('a')).toBe(60);
    expect(throttle.retryAfter('b')).toBe(0);
    now += 45_500;
    expect(throttle.retryAfter('a')).toBe(15);
    now += 15_000;
    expect(throttle.retryAfter('a')).toBe(0);
    throttle.fail('a');
    expect(throttle.retryAfter('a')).toBe(0);
  });
});

describe('the JSON depth check', () => {
  it('names the first path past the limit, without recursion, across objects and arrays', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    expect(tooDeepPath({ ok: { x: 1 }, bad: deep }, 4)).toEqual(['bad', 0, 'a', 0]);
    expect(tooDeepPath({ a: { b: {} } }, 3)).toBeUndefined();
    const shared = { x: 1 };
    expect(tooDeepPath({ a: shared, b: shared }, 2)).toBeUndefined();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(tooDeepPath(cycle, 5)).toBeUndefined();
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { Backstop, FeatureEventTypes, ValidationError } from '../../src/index.js';
import { rejection } from '../helpers/http-chains.js';
import type { ProviderSimulator } from '../helpers/provider-simulator.js';
import { redisUrl, testBackstop, uniquePrefix } from '../helpers/redis.js';
import { pathsOf, useApi } from '../http/api-kit.js';
import { actionOption, CALL_ACTION, echoProvider } from './security-kit.js';

const DECLARED = `tok_declared_${Date.now()}`;
const PREFIXED = `sig_prefixed_${Date.now()}`;
const API_KEYS = 'ops:k-the-real-operator-key-0123:write';

/** What the server's environment holds: its own configuration, other variables, and two declared secrets. */
const ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: '/home/backstop',
  BACKSTOP_API_KEYS: API_KEYS,
  BACKSTOP_SESSION_KEY: 'c2Vzc2lvbi1rZXktMzItYnl0ZXMtbG9uZy1hYmNkZWY=',
  REDIS_URL: 'redis://:hunter2-redis-password@127.0.0.1:6379',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-from-the-instance',
  BACKSTOP_SECRETS: 'PAY_TOKEN',
  PAY_TOKEN: DECLARED,
  BACKSTOP_SECRET_SIGNING: PREFIXED,
};

describe('$Secret{} reads only the names the operator declared', () => {
  const api = useApi({}, { processEnv: ENV });
  const sims: ProviderSimulator[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  async function echoApp(tag: string): Promise<ProviderSimulator> {
    const sim = await echoProvider(tag);
    sims.push(sim);
    const { call } = api();
    const created = await call('POST', '/v1/apps', {
      tag,
      envs: { prd: { baseUrl: sim.url } },
      actions: CALL_ACTION,
    });
    expect(created.status).toBe(201);
    return sim;
  }

  it('refuses a fallback that reads Backstop configuration or any undeclared variable, naming the field', async () => {
    const { call } = api();
    await echoApp('echo-1');
    const messages: string[] = [];
    for (const name of [
      'BACKSTOP_API_KEYS',
      'REDIS_URL',
      'BACKSTOP_SESSION_KEY',
      'AWS_SECRET_ACCESS_KEY',
      'HOME',
      'NO_SUCH_VARIABLE_ANYWHERE',
    ]) {
      const reply = await call('POST', '/v1/fallbacks', {
        name: 'leak',
        tag: `leak-${name.toLowerCase().replace(/_/g, '-')}`,
        options: [actionOption('echo-1', { k: `$Secret{${name}}` })],
      });
      expect(reply.status, name).toBe(400);
      expect(reply.body.code).toBe('BACKSTOP_VALIDATION');
      expect(pathsOf(reply)).toEqual(['options[0].input.k']);
      expect(reply.text).not.toContain('k-the-real-operator-key');
      messages.push(reply.body.issues[0].message.replace(name, 'NAME'));
    }
    // The same words whether or not such a variable exists: the answer says nothing about the environment.
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toMatch(/not declared/);
  });

  it('refuses undeclared names in app headers and base URLs, and in feature steps', async () => {
    const { call } = api();
    const app = await call('POST', '/v1/apps', {
      tag: 'leaky-app',
      envs: { prd: { baseUrl: '$Secret{REDIS_URL}', headers: { authorization: 'Bearer $Secret{HOME}' } } },
      actions: CALL_ACTION,
    });
    expect(app.status).toBe(400);
    expect(pathsOf(app).sort()).toEqual(['envs.prd.baseUrl', 'envs.prd.headers.authorization']);
    await echoApp('echo-2');
    const feature = await call('POST', '/v1/features', {
      tag: 'leaky-feature',
      name: 'leaky',
      events: [
        { type: FeatureEventTypes.ACTION, app: 'echo-2', event: 'call', input: { k: '$Secret{PATH}' } },
      ],
    });
    expect(feature.status).toBe(400);
    expect(pathsOf(feature)).toEqual(['events[0].input.k']);
  });

  it('sends declared secrets (a listed name, a prefixed variable) to the provider and nowhere else', async () => {
    const { call } = api();
    const sim = await echoApp('echo-3');
    const created = await call('POST', '/v1/fallbacks', {
      name: 'pay',
      tag: 'pay-declared',
      options: [actionOption('echo-3', { token: '$Secret{PAY_TOKEN}', signature: 'v1=$Secret{SIGNING}' })],
    });
    expect(created.status).toBe(201);
    const run = await call('POST', '/v1/fallbacks/pay-declared/run', {});
    expect(run.status).toBe(200);
    expect(sim.calls[0]!.body).toEqual({ token: DECLARED, signature: `v1=${PREFIXED}` });
    // The provider echoed them back; the API answer carries neither.
    expect(run.text).not.toContain(DECLARED);
    expect(run.text).not.toContain(PREFIXED);
    expect(run.text).toContain('[redacted]');
  });
});

describe('declaring secrets', () => {
  it("refuses Backstop's own configuration as a secret, in the environment and in code", () => {
    for (const name of ['REDIS_URL', 'BACKSTOP_API_KEYS', 'BACKSTOP_SESSION_KEY', 'BACKSTOP_PREFIX']) {
      const error = captured(
        () => new Backstop({ redis: redisUrl(), processEnv: { BACKSTOP_SECRETS: `OK_ONE,${name}` } }),
      );
      expect(error, name).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['BACKSTOP_SECRETS[1]']);
      const inCode = captured(() => new Backstop({ redis: redisUrl(), secrets: { [name]: 'x'.repeat(12) } }));
      expect((inCode as ValidationError).issues.map((i) => i.path)).toEqual([`secrets.${name}`]);
    }
  });

  it('takes values and getters registered in code; a getter is read at call time', async () => {
    let current = 'rotating-value-000001';
    const prefix = uniquePrefix();
    const backstop = testBackstop({
      prefix,
      secrets: { STRIPE_KEY: 'sk_code_registered_1', ROTATING: () => current },
    });
    const sim = await echoProvider('code-secrets');
    try {
      await backstop.app.define({
        tag: 'code-app',
        envs: { prd: { baseUrl: sim.url, headers: { authorization: 'Bearer $Secret{STRIPE_KEY}' } } },
        actions: CALL_ACTION,
      });
      await backstop.fallback.create({
        name: 'rot',
        tag: 'rot',
        options: [actionOption('code-app', { key: '$Secret{ROTATING}' })],
      });
      await backstop.fallback.run({ tag: 'rot' });
      current = 'rotating-value-000002';
      await backstop.fallback.run({ tag: 'rot' });
      expect(sim.calls.map((c) => (c.body as { key: string }).key)).toEqual([
        'rotating-value-000001',
        'rotating-value-000002',
      ]);
      expect(sim.calls[0]!.headers.authorization).toBe('Bearer sk_code_registered_1');

      // A definition stored by a process that declared a name does not run where it is not declared.
      const other = testBackstop({ prefix });
      try {
        const error = await rejection(other.fallback.run({ tag: 'rot' }));
        expect((error as Error).message).toMatch(/secret 'ROTATING' is not declared/);
        expect(sim.calls).toHaveLength(2);
      } finally {
        await other.close();
      }
    } finally {
      await backstop.close();
      await sim.close();
    }
  });

  it('refuses a malformed declaration, naming it', () => {
    const error = captured(
      () => new Backstop({ redis: redisUrl(), processEnv: { BACKSTOP_SECRETS: 'GOOD,not a name' } }),
    );
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['BACKSTOP_SECRETS[1]']);
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

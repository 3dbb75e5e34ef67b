import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { type FallbackOption, FeatureEventTypes } from '../../src/index.js';
import { ProviderSimulator, type SeenCall } from '../helpers/provider-simulator.js';

/** What an echo provider answers: the request it saw, headers included (the worst case for leaks). */
export function echoOf(call: SeenCall): Record<string, unknown> {
  return { echoed: { headers: call.headers, body: call.body, query: call.query } };
}

/** A provider that echoes every request back: in a 200, or in a 4xx body when told to fail. */
export async function echoProvider(name: string, status = 200): Promise<ProviderSimulator> {
  const sim = await ProviderSimulator.start(name);
  return status === 200 ? sim.always({ kind: 'ok', body: echoOf }) : failingEcho(sim, status);
}

/** Every later call fails with `status`, its body the request echoed back. */
export function failingEcho(sim: ProviderSimulator, status: number): ProviderSimulator {
  sim.always({ kind: 'ok', status, body: echoOf });
  return sim;
}

/** One option calling `app`'s `call` action with `input` mapped as given. */
export function actionOption(
  app: string,
  input?: unknown,
  extra: Partial<FallbackOption> = {},
): FallbackOption {
  return {
    type: FeatureEventTypes.ACTION,
    event: 'call',
    app,
    retries: 0,
    backoff: { type: 'fixed', delay: 0 },
    ...(input === undefined ? {} : { input }),
    ...extra,
  };
}

export const CALL_ACTION = { call: { method: 'POST', path: '/call' } };

/** `{"a":{"a":…}}`, `depth` objects deep: a few KB of text. */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Raw JSON text of `depth` nested objects (`{"a":{"a":…}}`), built without recursion. */
export function nestedText(depth: number, leaf = '1'): string {
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** Raw JSON text of `depth` nested arrays, without building the value (no recursion anywhere). */
export function nestedArraysText(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Every key under `prefix` with its value, whatever its type, as text to search. */
export async function dumpRedis(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) out.push(`${key} => ${await readKey(redis, key)}`);
  } while (cursor !== '0');
  return out.join('\n');
}

async function readKey(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return (await redis.getBuffer(key))?.toString('latin1') ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.call('ZRANGE', key, '0', '-1', 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return `(${type})`;
  }
}

/** Every response the app sends, as text, for searching after a test. */
export function recordResponses(app: FastifyInstance): string[] {
  const seen: string[] = [];
  app.addHook('onSend', async (_request, reply, payload) => {
    const headers = JSON.stringify(reply.getHeaders());
    seen.push(
      `${headers}\n${typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : ''}`,
    );
    return payload;
  });
  return seen;
}

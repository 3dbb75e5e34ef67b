import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type ApiKey, type ApiOptions, buildApp } from '../../src/http/app.js';
import type { Backstop, BackstopOptions } from '../../src/index.js';
import { httpChains } from '../helpers/http-chains.js';
import { testBackstop } from '../helpers/redis.js';

export const WRITE_KEY = 'w-0123456789abcdef';
export const READ_KEY = 'r-0123456789abcdef';
export const KEYS: ApiKey[] = [
  { name: 'writer', key: WRITE_KEY, scope: 'write' },
  { name: 'reader', key: READ_KEY, scope: 'read' },
];

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, read by assertions that say what they expect
  body: Record<string, any>;
  text: string;
}

export interface ApiKit {
  backstop: Backstop;
  app: FastifyInstance;
  chains: ReturnType<typeof httpChains>;
  /** A request with the write key (or `key`, or none when `key` is null); JSON in (a string: raw JSON text), JSON out. */
  call(method: InjectOptions['method'], url: string, body?: unknown, key?: string | null): Promise<Reply>;
}

/** Per file: a Backstop on its own prefix, the app on it (not listening), and HTTP simulators. */
export function useApi(
  options: Partial<ApiOptions> = {},
  backstopOptions: BackstopOptions = {},
): () => ApiKit {
  let kit: ApiKit | undefined;
  beforeAll(async () => {
    const backstop = testBackstop(backstopOptions);
    const app = await buildApp({ backstop, keys: KEYS, ...options });
    const chains = httpChains(() => backstop);
    kit = { backstop, app, chains, call: (m, u, b, k) => call(app, m, u, b, k) };
  });
  afterAll(async () => {
    await kit?.app.close();
    await kit?.backstop.close();
    await kit?.chains.closeAll();
  });
  return () => kit!;
}

export async function call(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
  key: string | null = WRITE_KEY,
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  // A string is sent as it is, as JSON text (possibly malformed on purpose).
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  const response = await app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
  });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return { status: response.statusCode, headers: response.headers, body: parsed, text: response.body };
}

/** The paths an error names. */
export function pathsOf(reply: Reply): string[] {
  return ((reply.body.issues ?? []) as { path: string }[]).map((i) => i.path);
}

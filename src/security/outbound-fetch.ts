import { type LookupAddress, type LookupAllOptions, lookup } from 'node:dns';
import type { Dispatcher, fetch as undiciFetch } from 'undici';
import type { OutboundPolicy } from './outbound-policy.js';

/** A connection the outbound policy refused; surfaces as the `cause` of a failed fetch. */
export class OutboundRefusedError extends Error {
  readonly code = 'BACKSTOP_OUTBOUND_REFUSED';
  constructor(host: string, reason: string) {
    super(`outbound call to '${host}' refused: ${reason}`);
    this.name = 'OutboundRefusedError';
  }
}

/** `fetch` as providers, URL probes and JWKS downloads use it. */
export type OutboundFetch = ((
  url: string | URL,
  init?: Parameters<typeof undiciFetch>[1],
) => Promise<Response>) & {
  /** Resolves once the HTTP client is loaded: a caller that times its calls awaits it first. */
  ready(): Promise<void>;
  /** The policy-checked connection pool itself, for callers that use undici's `request`. */
  dispatcher(): Promise<Dispatcher>;
};

/**
 * A fetch whose every connection (redirects included) is checked against the policy: the host
 * before connecting, and each address a name resolves to before any of them is dialled. Checking
 * the resolved address, not the URL, is what stops a name that points at 169.254.169.254 (or is
 * rebound to it between two lookups: the address checked is the address dialled).
 */
export function outboundFetch(policy: OutboundPolicy): OutboundFetch {
  const checkedLookup = (
    hostname: string,
    options: LookupAllOptions | { all?: boolean; family?: number },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const problem = policy.addressProblem(address);
        if (problem) return callback(new OutboundRefusedError(hostname, problem), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
  // undici is loaded on the first call, not at startup: a process that never calls out (an API
  // server, a worker of handler targets) does not pay for loading it.
  let client: Promise<{ fetch: typeof undiciFetch; agent: Dispatcher }> | undefined;
  const load = async () => {
    const { Agent, buildConnector, fetch } = await import('undici');
    const base = buildConnector({ lookup: checkedLookup as never });
    // Keep-alive connections shared by the process. undici's own timeouts are off: each provider
    // attempt, probe and key download is bounded by its own timeout and signal.
    const agent = new Agent({
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 4_000,
      connect: (options, callback) => {
        const problem = policy.hostProblem(options.hostname);
        if (problem) return callback(new OutboundRefusedError(options.hostname, problem), null);
        return base(options, callback);
      },
    });
    return { fetch, agent };
  };
  const call = async (url: string | URL, init?: Parameters<typeof undiciFetch>[1]) => {
    client ??= load();
    const { fetch, agent } = await client;
    return fetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>;
  };
  return Object.assign(call, {
    ready: async () => {
      client ??= load();
      await client;
    },
    dispatcher: async () => {
      client ??= load();
      return (await client).agent;
    },
  });
}

/** The policy's refusal behind a failed fetch (undici reports it as the error's cause), if any. */
export function refusalOf(error: unknown): OutboundRefusedError | undefined {
  for (let e = error, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (e instanceof OutboundRefusedError) return e;
  }
  return undefined;
}

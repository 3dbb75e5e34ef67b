import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the provider does with a new key (a repeated key is always answered from what it did). */
export type Fault =
  | 'ok' // acts, answers 200
  | 'refuse' // answers 503 without acting
  | 'reset-before' // drops the connection without acting
  | 'reset-after' // acts, then drops the connection
  | 'hang-after' // acts, answers only after `hangMs` (past the caller's timeout)
  | 'hang-before' // never acts nor answers: the caller times out or dies waiting
  | 'gateway-after' // acts, then a gateway in front answers 502
  | 'gateway-before'; // a gateway in front answers 504; the provider never saw it

/** Where this provider reads the idempotency key. */
export type KeyPlace = { header: string } | { bodyField: string } | { query: string };

export interface IdempotentProviderOptions {
  place?: KeyPlace;
  /** Decides the fate of each new key; `ok` for every call by default. */
  faults?: (key: string) => Fault;
  hangMs?: number;
  /** `GET /verify` answers 503: the provider cannot say what became of a key. */
  verifyDown?: boolean;
  /** An `ok` call acts at once and answers after this long (a worker may die in between). */
  latencyMs?: number;
}

/**
 * A payment provider on loopback that honours idempotency keys as Stripe documents it: the first
 * call with a key acts (an "effect"); a later call with the same key gets the first call's answer
 * and acts no more; a key still being worked on answers 409. `GET /verify?key=` says what became
 * of a key (200 with the original answer, or 404). Faults are decided per key, before or after
 * acting, so that a test knows which failures hid an effect.
 */
export class IdempotentProvider {
  /** Every request, in order: its key and what the provider did. */
  readonly requests: {
    key: string | undefined;
    path: string;
    fault: Fault | 'replay' | 'in-progress' | 'verify';
  }[] = [];
  /** key → the answer of the call that acted. */
  readonly effects = new Map<string, { id: string; status: 'succeeded'; key: string }>();
  private readonly working = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;

  private constructor(
    readonly name: string,
    private readonly server: Server,
    private readonly options: IdempotentProviderOptions,
  ) {}

  static async start(name: string, options: IdempotentProviderOptions = {}): Promise<IdempotentProvider> {
    const server = createServer();
    const provider = new IdempotentProvider(name, server, options);
    server.on('request', (req, res) => void provider.handle(req, res));
    server.on('connection', (socket) => {
      provider.sockets.add(socket);
      socket.on('close', () => provider.sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return provider;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Calls of the action (not of verify) this provider saw. */
  get calls(): number {
    return this.requests.filter((r) => r.fault !== 'verify').length;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/verify') {
      const key = url.searchParams.get('key') ?? undefined;
      this.requests.push({ key, path: url.pathname, fault: 'verify' });
      if (this.options.verifyDown) return send(res, 503, { error: 'lookups unavailable' });
      // Still being worked on: neither done nor unknown.
      if (key !== undefined && this.working.has(key)) return send(res, 409, { error: 'in progress' });
      const effect = key === undefined ? undefined : this.effects.get(key);
      return effect ? send(res, 200, { charge: effect }) : send(res, 404, { error: 'no such key' });
    }
    const key = this.keyOf(req, url, chunks);
    if (key === undefined) {
      this.requests.push({ key, path: url.pathname, fault: 'refuse' });
      return send(res, 400, { error: 'idempotency key required' });
    }
    const done = this.effects.get(key);
    if (done) {
      this.requests.push({ key, path: url.pathname, fault: 'replay' });
      return send(res, 200, done);
    }
    if (this.working.has(key)) {
      this.requests.push({ key, path: url.pathname, fault: 'in-progress' });
      return send(res, 409, { error: 'idempotency key in use' });
    }
    const fault = this.options.faults?.(key) ?? 'ok';
    this.requests.push({ key, path: url.pathname, fault });
    const act = () => {
      const effect = { id: `${this.name}_${++this.seq}`, status: 'succeeded' as const, key };
      this.effects.set(key, effect);
      return effect;
    };
    switch (fault) {
      case 'ok': {
        const effect = act();
        if (!this.options.latencyMs) return send(res, 200, effect);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          send(res, 200, effect);
        }, this.options.latencyMs);
        this.timers.add(timer);
        return;
      }
      case 'refuse':
        return send(res, 503, { error: 'unavailable' });
      case 'gateway-before':
        return send(res, 504, { error: 'gateway timeout' });
      case 'reset-before':
        req.socket.destroy();
        return;
      case 'reset-after':
        act();
        req.socket.destroy();
        return;
      case 'gateway-after':
        act();
        return send(res, 502, { error: 'bad gateway' });
      case 'hang-before':
        return; // close() destroys the socket
      case 'hang-after': {
        // Working on it: a retry meanwhile hears 409; the effect lands, the answer comes too late.
        this.working.add(key);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.working.delete(key);
          send(res, 200, act());
        }, this.options.hangMs ?? 2_000);
        this.timers.add(timer);
        return;
      }
    }
  }

  private keyOf(req: IncomingMessage, url: URL, chunks: Buffer[]): string | undefined {
    const place = this.options.place ?? { header: 'Idempotency-Key' };
    if ('header' in place) return req.headers[place.header.toLowerCase()] as string | undefined;
    if ('query' in place) return url.searchParams.get(place.query) ?? undefined;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      const value = body[place.bodyField];
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A small seeded generator (mulberry32), so that a fault mix is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

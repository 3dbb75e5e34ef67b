import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the simulator does with one call. */
export type Behaviour =
  | { kind: 'ok'; status?: number; body?: unknown | ((call: SeenCall) => unknown) }
  | { kind: 'fail'; status: number; body?: unknown; retryAfter?: string }
  | { kind: 'stall'; ms?: number } // answer only after `ms` (never, when omitted)
  | { kind: 'reset' } // destroy the connection without an answer
  | { kind: 'raw'; status?: number; body: string | Buffer; contentType?: string }; // exactly these bytes

export interface SeenCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  idempotencyKey: string | undefined;
  at: number;
}

/**
 * A real HTTP provider on loopback that succeeds, fails, stalls or resets on command, and records
 * every call and idempotency key it saw.
 */
export class ProviderSimulator {
  readonly calls: SeenCall[] = [];
  private queue: Behaviour[] = [];
  private fallback: Behaviour;
  private readonly initial: Behaviour;
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Set<NodeJS.Timeout>();

  private constructor(
    readonly name: string,
    private readonly server: Server,
    defaultBody: unknown,
  ) {
    this.initial = { kind: 'ok', body: defaultBody };
    this.fallback = this.initial;
  }

  static async start(
    name: string,
    defaultBody: unknown = { id: `${name}_1`, status: 'succeeded' },
  ): Promise<ProviderSimulator> {
    const server = createServer();
    const sim = new ProviderSimulator(name, server, defaultBody);
    server.on('request', (req, res) => void sim.handle(req, res));
    server.on('connection', (socket) => {
      sim.sockets.add(socket);
      socket.on('close', () => sim.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sim;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get idempotencyKeys(): (string | undefined)[] {
    return this.calls.map((c) => c.idempotencyKey);
  }

  /** Every later call behaves like this. */
  always(behaviour: Behaviour): this {
    this.fallback = behaviour;
    this.queue = [];
    return this;
  }

  /** The next calls behave like these, in order; then `always` applies again. */
  next(...behaviours: Behaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  up(): this {
    return this.always({ kind: 'ok', body: { id: `${this.name}_1`, status: 'succeeded' } });
  }

  down(status = 503): this {
    return this.always({ kind: 'fail', status, body: { error: `${this.name} is down` } });
  }

  reset(): void {
    this.calls.length = 0;
  }

  /** As it started: answering its default body every time, with no call recorded. */
  restore(): this {
    this.reset();
    return this.always(this.initial);
  }

  async close(): Promise<void> {
    for (const timer of this.stalled) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const call: SeenCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: text ? safeJson(text) : undefined,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      at: Date.now(),
    };
    this.calls.push(call);
    const behaviour = this.queue.shift() ?? this.fallback;
    switch (behaviour.kind) {
      case 'ok': {
        const body = typeof behaviour.body === 'function' ? behaviour.body(call) : behaviour.body;
        return send(res, behaviour.status ?? 200, body);
      }
      case 'fail': {
        if (behaviour.retryAfter !== undefined) res.setHeader('retry-after', behaviour.retryAfter);
        return send(res, behaviour.status, behaviour.body ?? { error: 'failed' });
      }
      case 'stall': {
        if (behaviour.ms === undefined) return; // never answers; close() destroys the socket
        const timer = setTimeout(() => {
          this.stalled.delete(timer);
          send(res, 200, { id: `${this.name}_late`, status: 'succeeded' });
        }, behaviour.ms);
        this.stalled.add(timer);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'raw':
        if (res.destroyed) return;
        res.writeHead(behaviour.status ?? 200, {
          'content-type': behaviour.contentType ?? 'application/json',
        });
        res.end(behaviour.body);
        return;
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body ?? {}));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a loopback provider does with each call: answer, fail with 503, hang, or fail a share of calls. */
export type Mode = { kind: 'up' } | { kind: 'down' } | { kind: 'hang' } | { kind: 'flaky'; failRate: number };

/** A call a provider saw: which setup sent it (its path prefix), a live call or a probe, when. */
export interface SeenCall {
  setup: string;
  probe: boolean;
  at: number;
}

/** Every provider answers after this long, as a fast real provider would. */
export const PROVIDER_LATENCY_MS = 10;

/**
 * A provider on loopback shared by every setup of a run: `/<setup>/charge` is a live call,
 * `/<setup>/ping` a probe. Hung calls are answered (200) the moment the hang ends, as a provider
 * that comes back does; calls and probes are logged per setup for the detection and gap figures.
 */
export class LoopbackProvider {
  readonly calls: SeenCall[] = [];
  private mode: Mode = { kind: 'up' };
  private held = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly name: string,
    private readonly server: Server,
  ) {}

  static async start(name: string): Promise<LoopbackProvider> {
    const server = createServer();
    const provider = new LoopbackProvider(name, server);
    server.keepAliveTimeout = 60_000;
    server.on('request', (req, res) => provider.handle(req, res));
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

  set(mode: Mode): void {
    this.mode = mode;
    if (mode.kind === 'hang') return;
    for (const res of this.held) answer(res, 200);
    this.held.clear();
  }

  clearLog(): void {
    this.calls.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const [, setup = '', action = ''] = (req.url ?? '/').split('/');
    this.calls.push({ setup, probe: action.startsWith('ping'), at: Date.now() });
    req.resume();
    const mode = this.mode;
    if (mode.kind === 'hang') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    const fails = mode.kind === 'down' || (mode.kind === 'flaky' && Math.random() < mode.failRate);
    setTimeout(() => answer(res, fails ? 503 : 200), PROVIDER_LATENCY_MS);
  }
}

function answer(res: ServerResponse, status: number): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(status === 200 ? '{"id":"ch_1","status":"succeeded"}' : '{"error":"unavailable"}');
}

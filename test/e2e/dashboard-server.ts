import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type ApiKey, buildApp } from '../../src/http/app.js';
import { type DashboardOptions, dashboardPlugin } from '../../src/http/dashboard/index.js';

export interface DashboardServer {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

/**
 * The API app as the server entry builds it, with the dashboard among its plugins (inside the
 * authenticated scope), listening on a free loopback port.
 */
export async function startDashboardServer(
  options: DashboardOptions & { keys: ApiKey[] },
): Promise<DashboardServer> {
  const { keys, ...dashboard } = options;
  const app = await buildApp({ backstop: dashboard.backstop, keys, plugins: [dashboardPlugin(dashboard)] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

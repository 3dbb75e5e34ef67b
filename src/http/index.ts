/**
 * `backstop/http`: the HTTP API and dashboard, to embed in a server of your own or to start alone.
 *
 *   const app = await buildApp({ backstop, keys, plugins: [dashboardPlugin({ backstop, prefix })] });
 *   await app.listen({ port: 3000 });          // or: await startApiServer({ backstop, keys, port: 3000 })
 */
export { type ApiServer, startApiServer } from '../server.js';
export { type ApiKey, apiKeysFromEnv, type NamedApiKey, parseApiKeys } from './api-keys.js';
export { type ApiOptions, buildApp } from './app.js';
export { type DashboardOptions, dashboardPlugin } from './dashboard/index.js';

#!/usr/bin/env node
// The container healthcheck (Dockerfile HEALTHCHECK, docker-compose.yml): GET /healthz on
// 127.0.0.1:BACKSTOP_API_PORT (default 3000; workers serve it with `--port 3000`), exit 0 on a 2xx
// answer within 3 s, else 1. Kept apart from the CLI so a check
// every few seconds costs a bare Node start, not the whole app's imports.
const port = process.env.BACKSTOP_API_PORT || '3000';
const url = process.env.HEALTHCHECK_URL || `http://127.0.0.1:${port}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}

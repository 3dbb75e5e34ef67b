import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, HttpErrorCodes } from '../http-error.js';

/**
 * Bull Board's read-only mode is fixed per queue when the board is built (its adapters'
 * `readOnlyMode`), not per request; the UI reads it back from `GET /api/queues` for each queue
 * and hides every button that writes when it is set. So one board serves both kinds of key: a
 * write key sees what the board was built with, a read key sees it read-only, and its writes are
 * refused here whatever the UI shows.
 */

/** Every Bull Board route that changes something uses one of these methods; its reads use GET. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether the request's key may act through the board: only a key with scope `write`. */
export function mayWrite(request: FastifyRequest): boolean {
  // Without an apiKey the board is mounted outside buildApp's auth: its own read-only mode decides.
  return request.apiKey === null || request.apiKey === undefined || request.apiKey.scope === 'write';
}

/**
 * An onRequest hook: a read key's write is refused with 403 before Bull Board sees it. The app's
 * auth refuses it first already; this keeps the board honest wherever it is mounted.
 */
export function refuseReadKeyWrites(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
) {
  if (WRITES.has(request.method) && !mayWrite(request)) {
    const name = request.apiKey?.name ?? '';
    done(
      new HttpError(
        403,
        HttpErrorCodes.FORBIDDEN,
        `API key '${name}' is read-only; the queues board is read-only for it`,
      ),
    );
    return;
  }
  done();
}

interface QueueView {
  readOnlyMode?: boolean;
  allowRetries?: boolean;
  allowCompletedRetries?: boolean;
}

/**
 * An onSend hook: for a read key, the queue list says every queue is read-only, so Bull Board
 * shows no retry, remove, promote, clean, pause or add button (nor "pause all").
 */
export function readOnlyViewForReadKeys(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): unknown {
  if (mayWrite(request) || typeof payload !== 'string') return payload;
  if (!request.url.split('?', 1)[0]!.endsWith('/api/queues') || reply.statusCode !== 200) return payload;
  const body = JSON.parse(payload) as { queues?: QueueView[] };
  for (const queue of body.queues ?? []) {
    queue.readOnlyMode = true;
    queue.allowRetries = false;
    queue.allowCompletedRetries = false;
  }
  return JSON.stringify(body);
}

import type { Dispatcher } from 'undici';

/** What came back from one HTTP exchange, read no further than the caller allowed. */
export interface HttpExchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text; for an answer over `maxBytes`, only when `readPast` is false (see `tooLarge`). */
  text: string;
  /** The body was longer than `maxBytes`; `text` then holds its first `maxBytes` at most. */
  tooLarge: boolean;
}

export interface HttpSend {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
  /** Read at most this much of a 2xx answer. */
  maxBytes: number;
  /** Read at most this much of any other answer (an error page only feeds an excerpt). */
  maxErrorBytes: number;
  /** Called the moment the request starts being written to a connection. */
  onSent: () => void;
}

// undici is loaded on the first call, not at startup (see security/outbound-fetch.ts).
let undici: Promise<typeof import('undici')> | undefined;

/**
 * One HTTP exchange through undici, knowing when the request left: undici calls a request's
 * `onConnect` just before it writes the request on a connected socket (lib/dispatcher/client-h1.js,
 * `writeH1`); connection failures (refused, DNS, connect timeout) reach the handler without it. So
 * a failure before `onSent` never reached the provider, and one after it may have.
 * The body is read as a stream and abandoned at the limit, so a 50 MB answer costs at most the limit.
 */
export async function sendHttp(
  url: URL,
  send: HttpSend,
  /** Where connections come from: the outbound policy's agent (security/outbound-fetch.ts). */
  base: Dispatcher,
): Promise<HttpExchange> {
  undici ??= import('undici');
  const { request } = await undici;
  const dispatcher = {
    dispatch: (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) =>
      base.dispatch(opts, tracked(handler, send.onSent)),
  };
  const response = await request(url, {
    method: send.method as Dispatcher.HttpMethod,
    headers: send.headers,
    body: send.body,
    signal: send.signal,
    dispatcher: dispatcher as unknown as Dispatcher,
  });
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  const limit = ok ? send.maxBytes : send.maxErrorBytes;
  const { text, tooLarge } = await readBounded(response.body, response.headers['content-length'], limit);
  return { status: response.statusCode, headers: response.headers, text, tooLarge };
}

/**
 * Hooks the request handler's `onConnect` in place. In place, not through a wrapper object: the
 * handler's abort-signal listener calls `abort` on the original object (lib/api/abort-signal.js).
 * A request whose signal fired while it waited for a connection is aborted inside `onConnect`
 * (lib/api/api-request.js) and never written: that one did not leave.
 */
function tracked(handler: Dispatcher.DispatchHandler, onSent: () => void): Dispatcher.DispatchHandler {
  type Abort = (error?: Error) => void;
  const legacy = handler as { onConnect?: (abort: Abort, ...rest: unknown[]) => unknown };
  const original = legacy.onConnect;
  if (typeof original === 'function') {
    legacy.onConnect = function (this: unknown, abort: Abort, ...rest: unknown[]) {
      let abortedAtOnce = false;
      const result = original.call(
        this,
        (error?: Error) => {
          abortedAtOnce = true;
          abort(error);
        },
        ...rest,
      );
      if (!abortedAtOnce) onSent();
      return result;
    };
  }
  return handler;
}

async function readBounded(
  body: Dispatcher.ResponseData['body'],
  contentLength: string | string[] | undefined,
  limit: number,
): Promise<{ text: string; tooLarge: boolean }> {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  if (declared > limit) {
    body.destroy();
    return { text: '', tooLarge: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return {
    text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
    tooLarge: false,
  };
}

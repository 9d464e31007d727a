/**
 * What both HTTP services share below their routes:
 *
 * - timeouts on a client's own slowness (headers, the whole request), checked every second rather than Node's
 *   default 30 s, so a client that never finishes its request cannot hold a connection and its buffers;
 * - the error body, and a count in the service's request counter, for what fastify and Node answer before any
 *   route runs: a malformed URL (400), a path parameter longer than the router takes (414), headers too large
 *   (431), a request too slow (408), bytes that are not HTTP (400);
 * - any other fastify 4xx kept as that 4xx, in the error body;
 * - 405 with `Allow` for a known path asked with a method it does not serve.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions, FastifyInstance, FastifyReply } from 'fastify';
import type { HttpServerConfig } from '../../config/index.js';
import { HttpError } from './errors.js';

/** Codes of the answers fastify or Node give on their own; each service's error codes include them. */
export type FrameworkErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'headers_too_large';

export const FRAMEWORK_ERROR_CODES: readonly FrameworkErrorCode[] = [
  'bad_request',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'payload_too_large',
  'uri_too_long',
  'unsupported_media_type',
  'headers_too_large',
];

const CODE_BY_STATUS: Readonly<Record<number, FrameworkErrorCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

/** Node's limit on the request line and headers together (`--max-http-header-size`, 16 KiB by default). */
const MAX_HEADER_BYTES = 16 * 1024;

/** A route label for answers given before any route matched, as the services' onResponse hooks use. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface ServerHardening {
  readonly http: HttpServerConfig;
  /** Longest path parameter the router matches, in characters as sent (percent-encoded); longer is a 414. */
  readonly maxParamLength: number;
  /** Counts an answer given outside fastify's request cycle, where the service's onResponse hook never runs. */
  readonly count: (method: string, route: string, status: number) => void;
}

/**
 * A fastify error the client caused (its `statusCode` is 4xx) as the error body with the same status; null for
 * anything else, which is ours to answer as a 5xx.
 */
export function frameworkHttpError(error: unknown): HttpError<FrameworkErrorCode> | null {
  const e = error as { statusCode?: unknown; message?: unknown };
  if (typeof e?.statusCode !== 'number' || e.statusCode < 400 || e.statusCode > 499) return null;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'the request cannot be served';
  return new HttpError(e.statusCode, CODE_BY_STATUS[e.statusCode] ?? 'bad_request', message);
}

/** The fastify options behind the list above; spread them into the service's own. */
export function hardenedServerOptions(hardening: ServerHardening): FastifyHttpOptions<Server> {
  const { http, maxParamLength, count } = hardening;
  return {
    http: {
      headersTimeout: http.headersTimeoutMs,
      // Node enforces both timeouts only when it checks its connections, every 30 s unless told.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(http.headersTimeoutMs / 4))),
    },
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    routerOptions: { maxParamLength },
    // Malformed URLs and over-long parameters; fastify answers them outside its hooks unless handed them here.
    frameworkErrors(error, request, reply) {
      const http = frameworkHttpError(error) ?? new HttpError(400, 'bad_request', 'the request cannot be routed');
      const message =
        http.status === 414
          ? `a path parameter is longer than ${maxParamLength} characters (as sent, percent-encoded)`
          : http.status === 400
            ? 'the URL is not valid: a percent-encoded sequence does not decode'
            : http.message;
      count(request.method, UNMATCHED_ROUTE, http.status);
      return (reply as FastifyReply).code(http.status).send(new HttpError(http.status, http.code, message).body);
    },
    clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
      // A reset connection has nobody left to answer.
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, code, message]: [number, FrameworkErrorCode, string] =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', `the request was not received in full within ${http.requestTimeoutMs} ms`]
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? [431, 'headers_too_large', `the request line and headers are larger than ${MAX_HEADER_BYTES} bytes`]
            : [400, 'bad_request', 'the request is not valid HTTP/1.1'];
      count('unknown', UNMATCHED_ROUTE, status);
      // As Node itself does: answer only when no response of this connection has started.
      const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
      if (socket.writable && !started) {
        const body = JSON.stringify(new HttpError(status, code, message).body);
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Makes every path the app serves answer 405, with `Allow`, to the methods it does not serve. Call it before
 * registering routes (it watches them being added); call the function it returns after the last one.
 */
export function answerOtherMethodsWith405(app: FastifyInstance): () => void {
  const served = new Map<string, Set<string>>();
  let completed = false;
  app.addHook('onRoute', (route) => {
    if (completed) return;
    const methods = served.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    served.set(route.url, methods);
  });
  return () => {
    completed = true;
    for (const [url, methods] of served) {
      if (methods.has('GET')) methods.add('HEAD');
      const allow = [...methods].sort().join(', ');
      const others = app.supportedMethods.filter((method) => !methods.has(method));
      if (others.length === 0) continue;
      app.route({
        method: others,
        url,
        exposeHeadRoute: false,
        // Before any body is read or checked: the method alone decides the answer.
        onRequest: async (request, reply) => {
          reply.header('allow', allow);
          throw new HttpError(
            405,
            'method_not_allowed',
            `${url} does not answer ${request.method}; it answers ${allow}`,
          );
        },
        handler: async () => undefined,
      });
    }
  };
}

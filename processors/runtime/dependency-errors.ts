/**
 * Reads the errors of the drivers ticketflow uses (pg, mongodb, @elastic/elasticsearch, ioredis, Node's own
 * sockets and fetch) for one fact: is the server away, or did it refuse this particular request? Duck-typed on
 * names and codes, so the runtime depends on no driver.
 */

/** `unavailable`: the server is away or overloaded; `permanent`: it answered and will answer the same again. */
export type DependencyErrorKind = 'unavailable' | 'permanent' | 'unknown';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Node or driver messages of a lost or never-made connection, from clients that attach no code. */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection is closed/i,
  /stream isn't writeable/i,
  /max retries per request/i,
  /client has encountered a connection error/i,
  /socket hang up/i,
  /fetch failed/i,
  /server selection timed out/i,
  /topology is closed/i,
];

const ELASTIC_UNAVAILABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

const MONGO_UNAVAILABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
]);

/** MongoDB server codes of a server stepping down, shutting down or unreachable. */
const MONGO_UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Redis replies that mean "not now" rather than "never". */
const REDIS_BUSY_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errno?: unknown;
  severity?: unknown;
  meta?: { statusCode?: unknown };
  hasErrorLabel?: (label: string) => boolean;
}

export function classifyDependencyError(error: unknown, depth = 0): DependencyErrorKind {
  if (typeof error !== 'object' || error === null || depth > 4) return 'unknown';
  const e = error as ErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const code = e.code;

  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unavailable';
  if (name === 'AbortError' || name === 'TimeoutError') return 'unavailable';

  // PostgreSQL: a five-character SQLSTATE on an error the server sent.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof e.severity === 'string') {
    return postgresKind(code);
  }

  if (ELASTIC_UNAVAILABLE.has(name)) return 'unavailable';
  if (name === 'ResponseError' && typeof e.meta?.statusCode === 'number') {
    const status = e.meta.statusCode;
    return status >= 500 || status === 429 ? 'unavailable' : 'permanent';
  }

  if (MONGO_UNAVAILABLE.has(name)) return 'unavailable';
  if (typeof e.hasErrorLabel === 'function' && e.hasErrorLabel('RetryableWriteError')) return 'unavailable';
  if (name === 'MongoServerError' && typeof code === 'number') {
    return MONGO_UNAVAILABLE_CODES.has(code) ? 'unavailable' : 'permanent';
  }

  if (name === 'ReplyError') return REDIS_BUSY_REPLY.test(message) ? 'unavailable' : 'permanent';
  if (name === 'MaxRetriesPerRequestError') return 'unavailable';

  if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'unavailable';
  return classifyDependencyError(e.cause, depth + 1);
}

/**
 * SQLSTATE classes: 08 connection, 53 insufficient resources, 57P0x shutting down or starting: the server is
 * away. 40 (serialization failure, deadlock) may pass on a retry. Everything else the server answered is about
 * the statement and its data, and a retry would meet it again.
 */
function postgresKind(sqlState: string): DependencyErrorKind {
  const cls = sqlState.slice(0, 2);
  if (cls === '08' || cls === '53' || sqlState.startsWith('57P')) return 'unavailable';
  if (cls === '40') return 'unknown';
  return 'permanent';
}

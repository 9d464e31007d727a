/**
 * A small closed-loop HTTP/1.1 load generator: `connections` keep-alive sockets, each sending its next GET as soon
 * as the previous answer is complete, like autocannon. It speaks just enough HTTP for our servers (status line,
 * Content-Length or chunked bodies) on raw sockets, so the generator costs little of the CPU it shares with what
 * it measures. Latency runs from writing a request to reading the last byte of its answer.
 */
import net from 'node:net';

export interface LoadRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  /** Requests are sent but not counted during the warm-up. */
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The next request of a connection; `previous` is the body of its last answer when `wantBody` is true. */
  readonly next: (connection: number, previous: { status: number; body: string } | null) => LoadRequest;
  /** Keep answers' bodies for `next` (costs a decode per answer). */
  readonly wantBody?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Ascending, in ms. */
  readonly latenciesMs: Float64Array;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Where the complete response at the start of `buf` ends, and its body; null while it is incomplete. */
function completeLength(buf: Buffer): { length: number; bodyStart: number; bodyEnd: number; status: number } | null {
  const headerEnd = buf.indexOf(CRLF2);
  if (headerEnd < 0) return null;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (lengthMatch) {
    const end = bodyStart + Number(lengthMatch[1]);
    return buf.length >= end ? { length: end, bodyStart, bodyEnd: end, status } : null;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    // Walk the chunks; the body ends with a zero-length chunk and an empty trailer.
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        const end = lineEnd + 4;
        return buf.length >= end ? { length: end, bodyStart, bodyEnd: end, status } : null;
      }
      at = lineEnd + 2 + size + 2;
      if (at > buf.length) return null;
    }
  }
  return { length: bodyStart, bodyStart, bodyEnd: bodyStart, status };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const measureFrom = started + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let non2xx = 0;
  let errors = 0;
  const record = (ms: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  };

  const connection = (index: number) =>
    new Promise<void>((resolve) => {
      let socket: net.Socket;
      let buffer: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let previous: { status: number; body: string } | null = null;
      const open = () => {
        socket = net.connect(options.port, options.host);
        socket.setNoDelay(true);
        socket.on('connect', send);
        socket.on('data', onData);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          // A server closing a keep-alive connection mid-run: count it and reconnect.
          if (performance.now() < stopAt) {
            if (sentAt > 0) errors++;
            buffer = Buffer.alloc(0);
            sentAt = 0;
            setTimeout(open, 10);
          } else resolve();
        });
      };
      const send = () => {
        if (performance.now() >= stopAt) {
          socket.end();
          return;
        }
        const { path, headers } = options.next(index, previous);
        let request = `GET ${path} HTTP/1.1\r\nhost: ${options.host}:${options.port}\r\n`;
        for (const [name, value] of Object.entries(headers)) request += `${name}: ${value}\r\n`;
        sentAt = performance.now();
        socket.write(`${request}\r\n`);
      };
      const onData = (chunk: Buffer) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        const response = completeLength(buffer);
        if (!response) return;
        const now = performance.now();
        if (sentAt >= measureFrom && now <= stopAt) {
          record(now - sentAt);
          if (response.status < 200 || response.status > 299) non2xx++;
        }
        previous = options.wantBody
          ? { status: response.status, body: buffer.toString('utf8', response.bodyStart, response.bodyEnd) }
          : null;
        buffer = buffer.length > response.length ? buffer.subarray(response.length) : Buffer.alloc(0);
        sentAt = 0;
        send();
      };
      open();
    });

  await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  const sorted = latencies.slice(0, count).sort();
  const seconds = options.durationMs / 1000;
  return { requests: count, non2xx, errors, seconds, perSecond: count / seconds, latenciesMs: sorted };
}

/** The p-th percentile of ascending values. */
export function percentileOf(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

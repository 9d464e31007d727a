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
  /** Called when the measured seconds begin and end, e.g. to read CPU counters over exactly those seconds. */
  readonly onMeasureStart?: () => void;
  readonly onMeasureEnd?: () => void;
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

/** The complete response at the start of `buf`: its length in `buf`, status and body; null while incomplete. */
export function completeResponse(buf: Buffer): { length: number; status: number; body: Buffer } | null {
  const headerEnd = buf.indexOf(CRLF2);
  if (headerEnd < 0) return null;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (lengthMatch) {
    const end = bodyStart + Number(lengthMatch[1]);
    return buf.length >= end ? { length: end, status, body: buf.subarray(bodyStart, end) } : null;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    // Walk the chunks; the body ends with a zero-length chunk and an empty trailer.
    const parts: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        const end = lineEnd + 4;
        return buf.length >= end ? { length: end, status, body: Buffer.concat(parts) } : null;
      }
      if (lineEnd + 2 + size + 2 > buf.length) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  return { length: bodyStart, status, body: Buffer.alloc(0) };
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

  const sockets = new Set<net.Socket>();
  const connection = (index: number) =>
    new Promise<void>((resolve) => {
      let socket: net.Socket;
      let buffer: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let previous: { status: number; body: string } | null = null;
      const open = () => {
        socket = net.connect(options.port, options.host);
        sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('connect', send);
        socket.on('data', onData);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
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
        const response = completeResponse(buffer);
        if (!response) return;
        const now = performance.now();
        if (sentAt >= measureFrom && now <= stopAt) {
          record(now - sentAt);
          if (response.status < 200 || response.status > 299) non2xx++;
        }
        previous = options.wantBody ? { status: response.status, body: response.body.toString('utf8') } : null;
        buffer = buffer.length > response.length ? buffer.subarray(response.length) : Buffer.alloc(0);
        sentAt = 0;
        send();
      };
      open();
    });

  const timers = [
    setTimeout(() => options.onMeasureStart?.(), options.warmupMs),
    setTimeout(() => options.onMeasureEnd?.(), options.warmupMs + options.durationMs),
    // An answer still missing this long after the end is not coming: stop waiting for it.
    setTimeout(() => sockets.forEach((s) => s.destroy()), options.warmupMs + options.durationMs + 10_000),
  ];
  await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  timers.forEach(clearTimeout);
  const sorted = latencies.slice(0, count).sort();
  const seconds = options.durationMs / 1000;
  return { requests: count, non2xx, errors, seconds, perSecond: count / seconds, latenciesMs: sorted };
}

/** The p-th percentile of ascending values. */
export function percentileOf(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

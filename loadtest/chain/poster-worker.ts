/**
 * Sends the benchmark's POSTs from a worker thread, so the main thread's Kafka reads and store polls never
 * delay a request and a burst of requests never delays the timestamps the main thread records. Times are
 * absolute milliseconds (performance.timeOrigin + now), comparable across threads.
 */
import http from 'node:http';
import { parentPort } from 'node:worker_threads';
import type { PostJob, PostResult } from './poster.js';

const now = () => performance.timeOrigin + performance.now();

function post(
  agent: http.Agent,
  base: URL,
  request: PostJob['requests'][number],
): Promise<{ status: number; answeredAt: number }> {
  const body = Buffer.from(request.body);
  return new Promise((resolve) => {
    const done = (status: number) => resolve({ status, answeredAt: now() });
    const outgoing = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path: '/v1/interactions',
        method: 'POST',
        headers: {
          authorization: `Bearer ${request.key}`,
          'content-type': 'application/json',
          'content-length': body.length,
          'x-correlation-id': request.id,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode ?? 0));
        response.on('error', () => done(0));
      },
    );
    outgoing.on('error', () => done(0));
    // An answer this late counts as none; the phase's stall check reports an ingest that stopped answering.
    outgoing.setTimeout(60_000, () => outgoing.destroy(new Error('no answer within 60 s')));
    outgoing.end(body);
  });
}

async function run(job: PostJob): Promise<void> {
  const base = new URL(job.base);
  const concurrency = job.schedule.kind === 'burst' ? job.schedule.concurrency : 1024;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let pending: PostResult[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    parentPort!.postMessage({ type: 'results', results: pending });
    pending = [];
  };
  const flusher = setInterval(flush, 50);
  const send = async (index: number, intendedAt: number) => {
    const sentAt = now();
    const { status, answeredAt } = await post(agent, base, job.requests[index]!);
    pending.push({ index, intendedAt, sentAt, answeredAt, status });
  };
  try {
    if (job.schedule.kind === 'burst') {
      let next = 0;
      const worker = async () => {
        while (next < job.requests.length) {
          const index = next++;
          await send(index, now());
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    } else {
      // Open loop: each request leaves at its time whether or not earlier ones were answered, so a slow
      // server shows as latency, not as a lower rate offered.
      const started = now();
      const interval = 1000 / job.schedule.perSecond;
      const inFlight: Promise<void>[] = [];
      for (let index = 0; index < job.requests.length; index++) {
        const intendedAt = started + index * interval;
        const wait = intendedAt - now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        inFlight.push(send(index, intendedAt));
      }
      await Promise.all(inFlight);
    }
  } finally {
    clearInterval(flusher);
    flush();
    agent.destroy();
  }
}

parentPort!.on('message', (job: PostJob) => {
  run(job).then(
    () => parentPort!.postMessage({ type: 'done' }),
    (error: unknown) => parentPort!.postMessage({ type: 'failed', message: String(error) }),
  );
});

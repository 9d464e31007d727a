/**
 * The main thread's side of the poster (poster-worker.ts): hands it a phase's requests and a schedule, and
 * hears back each request's times and status as they are answered.
 */
import { Worker } from 'node:worker_threads';

export type Schedule = { kind: 'burst'; concurrency: number } | { kind: 'rate'; perSecond: number };

export interface PostJob {
  base: string;
  requests: ReadonlyArray<{ id: string; key: string; body: string }>;
  schedule: Schedule;
}

export interface PostResult {
  index: number;
  /** When the schedule meant it to leave: latency counts from here, so a late poster cannot hide a slow server. */
  intendedAt: number;
  sentAt: number;
  answeredAt: number;
  /** HTTP status; 0 when there was no answer. */
  status: number;
}

type Message = { type: 'results'; results: PostResult[] } | { type: 'done' } | { type: 'failed'; message: string };

/**
 * Workers do not inherit tsx's loader from `--import tsx`; the worker loads tsx's API and imports the
 * TypeScript module through it.
 */
function typeScriptWorker(module: URL): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(module.href)}, ${JSON.stringify(module.href)}))`;
  return new Worker(source, { eval: true });
}

export class Poster {
  private readonly worker = typeScriptWorker(new URL('./poster-worker.ts', import.meta.url));
  private failure: ((error: Error) => void) | undefined;

  constructor() {
    this.worker.on('error', (error) => this.failure?.(error));
    this.worker.unref();
  }

  /** Posts every request; `onResults` hears answers in batches; resolves once all are answered. */
  run(job: PostJob, onResults: (results: readonly PostResult[]) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.failure = reject;
      const listen = (message: Message) => {
        if (message.type === 'results') return onResults(message.results);
        this.worker.off('message', listen);
        if (message.type === 'done') resolve();
        else reject(new Error(`poster failed: ${message.message}`));
      };
      this.worker.on('message', listen);
      this.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

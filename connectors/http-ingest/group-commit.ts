/**
 * Group commit for Kafka sends. An idempotent kafkajs producer allows one request in flight per broker
 * (more could reorder its sequence numbers), so sending each HTTP request's records on its own would cap
 * ingest at one request per broker round trip. Instead, records arriving while a send is in flight wait and
 * go together in the next one: one round trip per batch, no added latency when idle, and every caller still
 * learns whether its own records were acknowledged.
 *
 * Each caller waits at most `timeoutMs`. A caller that times out while still queued is taken out of the
 * queue, so its records are certainly not written; one that times out in flight may still be written later,
 * which is why ingest derives event ids from the Idempotency-Key (ids.ts). While Kafka is known to be away
 * (`unavailable`), callers are refused at once, and `refuseQueued` sends the queued ones away, unwritten.
 */

export interface OutgoingRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Why records were not acknowledged. Only `unacknowledged` (sent, no answer in time) and `failed` (the send
 * failed) may have been written all the same; the others were never handed to Kafka.
 */
export type PublishFailure = 'timeout' | 'unacknowledged' | 'overloaded' | 'unavailable' | 'failed' | 'too-large';

export class PublishError extends Error {
  override name = 'PublishError';
  constructor(
    readonly reason: PublishFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** True when the records may be in Kafka although the broker never said so. */
  get possiblyWritten(): boolean {
    return this.reason === 'unacknowledged' || this.reason === 'failed';
  }
}

export interface GroupCommitOptions {
  readonly timeoutMs: number;
  /** Records of one send, in bytes; kept under the broker's message.max.bytes with room for overhead. */
  readonly maxBatchBytes: number;
  /** Beyond this many records queued or in flight, callers are refused at once rather than left to time out. */
  readonly maxOutstandingRecords: number;
  /** Why Kafka is known to be away, or null: while it is, callers are refused at once. */
  readonly unavailable?: () => string | null;
}

interface Entry {
  readonly records: readonly OutgoingRecord[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: PublishError) => void;
  timer?: NodeJS.Timeout;
  state: 'queued' | 'in-flight' | 'settled';
}

/** Kafka's per-record framing (offsets, lengths, timestamps, attributes) is well under this. */
const RECORD_OVERHEAD_BYTES = 64;

export type SendRecords = (records: OutgoingRecord[]) => Promise<void>;

export class GroupCommit {
  private queue: Entry[] = [];
  private outstandingRecords = 0;
  private inFlight: Promise<void> | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly send: SendRecords,
    private readonly options: GroupCommitOptions,
    private readonly classify: (error: unknown) => PublishFailure = () => 'failed',
  ) {}

  /** Resolves once the broker acknowledged every record; rejects with a PublishError otherwise. */
  publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const away = this.options.unavailable?.() ?? null;
    if (away !== null) return Promise.reject(new PublishError('unavailable', `${away}; nothing was sent`));
    if (this.outstandingRecords + records.length > this.options.maxOutstandingRecords) {
      return Promise.reject(
        new PublishError('overloaded', `more than ${this.options.maxOutstandingRecords} records wait for Kafka`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = { records, bytes: sizeOf(records), resolve, reject, state: 'queued' };
      entry.timer = setTimeout(() => this.expire(entry), this.options.timeoutMs);
      this.queue.push(entry);
      this.outstandingRecords += records.length;
      this.pump();
    });
  }

  /** Refuses every caller still queued (not yet sent), for when Kafka is found to be away. */
  refuseQueued(reason: string): void {
    for (const entry of this.queue.splice(0)) {
      this.settle(entry, new PublishError('unavailable', `${reason}; nothing was sent`));
    }
    if (!this.inFlight) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves when nothing is queued or in flight: for a shutdown that loses nothing it accepted. */
  idle(): Promise<void> {
    if (!this.inFlight && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.inFlight) return;
    if (this.queue.length === 0) {
      this.idleWaiters.splice(0).forEach((wake) => wake());
      return;
    }
    const batch = this.takeBatch();
    const records = batch.flatMap((e) => e.records);
    this.inFlight = this.send(records).then(
      () => batch.forEach((e) => this.settle(e)),
      (error: unknown) => {
        const reason = this.classify(error);
        const message = `Kafka did not acknowledge the records: ${(error as Error).message ?? String(error)}`;
        batch.forEach((e) => this.settle(e, new PublishError(reason, message, { cause: error })));
      },
    );
    void this.inFlight.finally(() => {
      this.inFlight = undefined;
      this.pump();
    });
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && bytes + next.bytes > this.options.maxBatchBytes) break;
      this.queue.shift();
      next.state = 'in-flight';
      batch.push(next);
      bytes += next.bytes;
    }
    return batch;
  }

  private expire(entry: Entry): void {
    if (entry.state === 'queued') {
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.settle(
        entry,
        new PublishError(
          'timeout',
          `Kafka did not take the records within ${this.options.timeoutMs} ms; nothing was sent`,
        ),
      );
    } else if (entry.state === 'in-flight') {
      this.settle(
        entry,
        new PublishError('unacknowledged', `Kafka did not acknowledge the records within ${this.options.timeoutMs} ms`),
      );
    }
    if (this.queue.length === 0 && !this.inFlight) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  private settle(entry: Entry, error?: PublishError): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    this.outstandingRecords -= entry.records.length;
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve();
  }
}

function sizeOf(records: readonly OutgoingRecord[]): number {
  let bytes = 0;
  for (const r of records) {
    bytes += RECORD_OVERHEAD_BYTES + Buffer.byteLength(r.key) + r.value.length;
    for (const [name, value] of Object.entries(r.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * Reads chosen offset ranges of chosen partitions once, for commands that inspect topics (dead letters) rather
 * than consume them. kafkajs has no manual assignment, so a consumer joins a group (a throwaway one unless the
 * caller names one to commit in), seeks each partition to its range and pauses it at the range's end.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IHeaders, Kafka } from 'kafkajs';

export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  /** First offset to read. */
  readonly from: number;
  /** First offset not to read (the log end when reading to the end). */
  readonly to: number;
}

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** CreateTime of the record, in ms. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export interface PartitionReader {
  /** Calls `onRecord` for every record in the ranges, partition by partition in offset order. */
  read(ranges: readonly OffsetRange[], onRecord: (record: ReadRecord) => Promise<void> | void): Promise<void>;
  /** Commits offsets (with metadata) in the reader's group; only meaningful for a named group. */
  commit(offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; metadata: string }>): Promise<void>;
}

/** A partition that delivers nothing for this long while its range is unread is reported, not waited on forever. */
const STALL_MS = 30_000;

/**
 * Runs `use` with a reader over `topics`. With `groupId` undefined the reader's group is a throwaway one,
 * deleted afterwards.
 */
export async function withPartitionReader<T>(
  kafka: Kafka,
  topics: readonly string[],
  use: (reader: PartitionReader) => Promise<T>,
  groupId?: string,
): Promise<T> {
  const group = groupId ?? `ticketflow-cli-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  type Active = { range: OffsetRange; done: boolean; busy: boolean; lastSeen: number };
  const active = new Map<string, Active>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  let onRecord: ((record: ReadRecord) => Promise<void> | void) | null = null;
  let failure: unknown = null;

  const finish = (state: Active) => {
    state.done = true;
    consumer.pause([{ topic: state.range.topic, partitions: [state.range.partition] }]);
  };
  // Emitted for every fetched batch, including those holding only transaction markers, which never reach
  // eachBatch: a range ending in a marker is finished by its offset all the same.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const state = active.get(key(payload.topic, payload.partition));
    if (!state || state.done) return;
    state.lastSeen = Date.now();
    if (Number(payload.lastOffset) >= state.range.to - 1) finish(state);
  });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
        const state = active.get(key(batch.topic, batch.partition));
        if (!state || state.done || !onRecord) return;
        state.busy = true;
        try {
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            // The next fetch starts after the last resolved offset: unresolved, a range longer than one fetch
            // would be handed the same first batch for ever.
            resolveOffset(message.offset);
            if (offset < state.range.from || offset >= state.range.to) continue;
            await onRecord({
              topic: batch.topic,
              partition: batch.partition,
              offset,
              timestamp: Number(message.timestamp),
              key: message.key,
              value: message.value,
              headers: message.headers ?? {},
            });
            // A slow handler (a rate-limited redrive) must not cost the reader its place in the group.
            await heartbeat();
          }
        } catch (error) {
          failure = error;
        }
        state.busy = false;
        state.lastSeen = Date.now();
        if (failure) finish(state);
      },
    });
    await joined;
    consumer.pause(topics.map((topic) => ({ topic })));

    const reader: PartitionReader = {
      async read(ranges, handle) {
        active.clear();
        onRecord = handle;
        const now = Date.now();
        for (const range of ranges) {
          if (range.to <= range.from) continue;
          active.set(key(range.topic, range.partition), { range, done: false, busy: false, lastSeen: now });
          consumer.seek({ topic: range.topic, partition: range.partition, offset: String(range.from) });
          consumer.resume([{ topic: range.topic, partitions: [range.partition] }]);
        }
        while ([...active.values()].some((s) => !s.done)) {
          await sleep(100);
          for (const state of active.values()) {
            if (!state.done && !state.busy && Date.now() - state.lastSeen > STALL_MS) {
              failure ??= new Error(
                `no progress reading ${state.range.topic}[${state.range.partition}] for ${STALL_MS / 1000}s`,
              );
              finish(state);
            }
          }
        }
        onRecord = null;
        if (failure) throw failure;
      },
      async commit(offsets) {
        if (offsets.length === 0) return;
        await consumer.commitOffsets(
          offsets.map((o) => ({
            topic: o.topic,
            partition: o.partition,
            offset: String(o.offset),
            metadata: o.metadata,
          })),
        );
      },
    };
    return await use(reader);
  } finally {
    await consumer.disconnect();
    if (groupId === undefined) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    }
  }
}

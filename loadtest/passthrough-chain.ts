/**
 * The runtime's own cost: a chain of pass-through stages, each its own process and consumer group, measured
 * for throughput (a burst) and for end-to-end latency at a fixed rate. `loadtest/spine.ts` runs it.
 */
import type { ChildProcess } from 'node:child_process';
import type { InteractionReceived } from '../schemas/index.js';
import {
  collect,
  createTestTopics,
  exited,
  interaction,
  produceInteractions,
  spawnPassthrough,
} from '../processors/testing/kafka-kit.js';
import { percentile } from './stats.js';

export interface ChainResult {
  stages: number;
  /** Whether the stages ran batch handlers (`--batch`) or per-event ones. */
  batch: boolean;
  burst: { events: number; seconds: number; eventsPerSec: number; p50Ms: number; p99Ms: number };
  /** `rate` is the target; `achievedPerSec` counts events out of the last stage, first produce to last read. */
  steady: { rate: number; achievedPerSec: number; events: number; p50Ms: number; p99Ms: number };
}

const stamped = (i: number): InteractionReceived =>
  interaction(`org-${i % 24}`, `conv-${i % 480}`, `sent=${Date.now()}`);

const latencyOf = (event: InteractionReceived | undefined, receivedAt: number) =>
  receivedAt - Number(event!.body.slice('sent='.length));

export async function runPassthroughChain(
  options: { stages: number; burst: number; rate: number; seconds: number; batch?: boolean },
  log: (line: string) => void = console.log,
): Promise<ChainResult> {
  const suffixes = Array.from({ length: options.stages + 1 }, (_, i) => `hop${i}`);
  const topics = await createTestTopics([...suffixes, 'dlq'], 'InteractionReceived', 12);
  const names = topics.names;
  const children: ChildProcess[] = [];
  const arrivals: number[] = [];
  let lastArrivalAt = 0;
  const out = await collect<InteractionReceived>(names[options.stages]!, 'InteractionReceived');
  const originalPush = out.records.push.bind(out.records);
  out.records.push = (...items) => {
    const now = Date.now();
    lastArrivalAt = now;
    for (const item of items) arrivals.push(latencyOf(item.event, now));
    return originalPush(...items);
  };
  try {
    for (let i = 0; i < options.stages; i++) {
      children.push(
        spawnPassthrough({
          input: names[i]!,
          output: names[i + 1]!,
          deadLetter: names.at(-1)!,
          group: `${names[i]}.group`,
          batch: options.batch ?? false,
        }),
      );
    }
    log(
      `chain: ${options.stages} pass-through processes (${options.batch ? 'batch' : 'per-event'} handlers) started; ` +
        'warming up',
    );
    await produceInteractions(
      names[0]!,
      Array.from({ length: 200 }, (_, i) => stamped(i)),
    );
    await out.until((r) => r.length >= 200, 120_000);

    log(`chain: burst of ${options.burst} events`);
    arrivals.length = 0;
    const before = out.records.length;
    const started = Date.now();
    await produceInteractions(
      names[0]!,
      Array.from({ length: options.burst }, (_, i) => stamped(i)),
    );
    await out.until((r) => r.length >= before + options.burst, 300_000);
    const seconds = (Date.now() - started) / 1000;
    const burstLatency = [...arrivals].sort((a, b) => a - b);

    log(`chain: ${options.rate} events/s for ${options.seconds}s`);
    arrivals.length = 0;
    const steadyBefore = out.records.length;
    const total = options.rate * options.seconds;
    const tick = 100;
    const perTick = Math.max(1, Math.round((options.rate * tick) / 1000));
    let sent = 0;
    const steadyStart = Date.now();
    while (sent < total) {
      const batch = Array.from({ length: Math.min(perTick, total - sent) }, (_, i) => stamped(sent + i));
      await produceInteractions(names[0]!, batch);
      sent += batch.length;
      const due = steadyStart + (sent / options.rate) * 1000;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    await out.until((r) => r.length >= steadyBefore + total, 120_000);
    const steadyLatency = [...arrivals].sort((a, b) => a - b);
    const steadySeconds = (lastArrivalAt - steadyStart) / 1000;

    return {
      stages: options.stages,
      batch: options.batch ?? false,
      burst: {
        events: options.burst,
        seconds,
        eventsPerSec: options.burst / seconds,
        p50Ms: percentile(burstLatency, 50),
        p99Ms: percentile(burstLatency, 99),
      },
      steady: {
        rate: options.rate,
        achievedPerSec: total / steadySeconds,
        events: total,
        p50Ms: percentile(steadyLatency, 50),
        p99Ms: percentile(steadyLatency, 99),
      },
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map(exited));
    await out.stop();
    await topics.dispose();
  }
}

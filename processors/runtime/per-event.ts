import pLimit, { type LimitFunction } from 'p-limit';
import { DEFERRED, type Answer } from './settle.js';
import { ItemFailure, type BatchItem, type Envelope, type EventStage } from './stage.js';

type Handle<In extends Envelope, Out extends Envelope> = EventStage<In, Out>['handle'];

/**
 * Runs a per-event handler over a batch: each lane (conversation) in order, lanes side by side. A hot tenant's
 * partition keeps moving because its conversations run concurrently, while each conversation sees its events
 * in order; after a failure the rest of its lane is left for the next round.
 *
 * A handler that answers synchronously (classify, a pass-through) is simply called in a loop: no promise, no
 * scheduling per event. One that returns promises runs under one bound on in-flight work.
 */
export class PerEventRunner<In extends Envelope, Out extends Envelope> {
  private readonly limit: LimitFunction;
  private asynchronous = false;

  constructor(
    private readonly handle: Handle<In, Out>,
    concurrency: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  async run(items: readonly BatchItem<In>[], lanes: readonly string[]): Promise<Answer<Out>[]> {
    const answers = new Array<Answer<Out>>(items.length);
    const failedLanes = new Set<string>();
    if (this.asynchronous) return this.runInLanes(items, lanes, answers, 0, failedLanes);
    for (let i = 0; i < items.length; i++) {
      const lane = lanes[i]!;
      if (failedLanes.has(lane)) {
        answers[i] = DEFERRED;
        continue;
      }
      try {
        const result = this.handle(items[i]!.event, items[i]!.context);
        if (result instanceof Promise) {
          // Learnt on the first promise: this input and everything after it run in lanes, now and from now on.
          this.asynchronous = true;
          return this.runInLanes(items, lanes, answers, i, failedLanes, result);
        }
        answers[i] = result;
      } catch (error) {
        answers[i] = new ItemFailure(error);
        failedLanes.add(lane);
      }
    }
    return answers;
  }

  /** Runs the inputs from `from` on; `first`, if given, is the handler's promise for input `from`. */
  private async runInLanes(
    items: readonly BatchItem<In>[],
    lanes: readonly string[],
    answers: Answer<Out>[],
    from: number,
    failedLanes: ReadonlySet<string>,
    first?: Promise<readonly Out[]>,
  ): Promise<Answer<Out>[]> {
    const byLane = new Map<string, number[]>();
    for (let index = from; index < items.length; index++) {
      const lane = lanes[index]!;
      if (failedLanes.has(lane)) {
        answers[index] = DEFERRED;
        continue;
      }
      const indexes = byLane.get(lane);
      if (indexes) indexes.push(index);
      else byLane.set(lane, [index]);
    }
    await Promise.all(
      [...byLane.values()].map(async (indexes) => {
        for (const [k, index] of indexes.entries()) {
          const item = items[index]!;
          try {
            // The promise that revealed the handler asynchronous takes its place under the bound like any other.
            const started = index === from && first ? first : null;
            answers[index] = await this.limit(() => started ?? this.handle(item.event, item.context));
          } catch (error) {
            answers[index] = new ItemFailure(error);
            for (const later of indexes.slice(k + 1)) answers[later] = DEFERRED;
            return;
          }
        }
      }),
    );
    return answers;
  }
}

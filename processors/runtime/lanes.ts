import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Runs work concurrently across keys and strictly in order within a key. A hot tenant's partition keeps
 * moving because its conversations run side by side, while each conversation sees its events in order.
 * Concurrency across all lanes is bounded by one shared limit.
 */
export class Lanes {
  private readonly limit: LimitFunction;

  constructor(concurrency: number) {
    this.limit = pLimit(concurrency);
  }

  get active(): number {
    return this.limit.activeCount;
  }

  get pending(): number {
    return this.limit.pendingCount;
  }

  /** Runs `work(item)` for every item; results come back in the items' order. */
  async run<T, R>(items: readonly T[], keyOf: (item: T) => string, work: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    const byKey = new Map<string, number[]>();
    items.forEach((item, index) => {
      const key = keyOf(item);
      const lane = byKey.get(key);
      if (lane) lane.push(index);
      else byKey.set(key, [index]);
    });
    await Promise.all(
      [...byKey.values()].map(async (indexes) => {
        for (const index of indexes) {
          results[index] = await this.limit(() => work(items[index]!));
        }
      }),
    );
    return results;
  }
}

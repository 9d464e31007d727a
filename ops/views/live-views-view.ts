/**
 * The live views as a versioned view: version n is the set of keys whose org part ends in `%v<n>` (version 1:
 * no suffix), the pointer key names the version the live sink writes and the query API reads, and a switch is
 * one SET, which every process follows within a second (live-views-versions.ts). Checksums and drops walk the
 * keyspace with SCAN: tools only, never a request path.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Dependency } from '../../processors/runtime/dependency.js';
import { keyOrg, keyVersion, LIVE_VIEW_KEY_KINDS } from '../../processors/sinks/live-views.js';
import {
  addLiveViewsVersion,
  currentLiveViewsVersion,
  LIVE_VIEWS_POINTER_KEY,
  liveViewsVersions,
  removeLiveViewsVersion,
  setLiveViewsVersion,
} from '../../processors/sinks/live-views-versions.js';
import { liveViewsSink } from '../../processors/sinks/stages.js';
import type { VersionedView, ViewChecksum } from './view.js';

/** Every key of one kind in version n, in SCAN pages. */
async function* keysOf(redis: Redis, kind: string, version: number): AsyncGenerator<string[]> {
  for await (const page of redis.scanStream({ match: `tf:${kind}:*`, count: 1000 })) {
    const keys = (page as string[]).filter((key) => keyVersion(key) === version);
    if (keys.length > 0) yield keys;
  }
}

/**
 * Resolves once the client is connected: the processes' clients queue nothing while offline (they fail fast and
 * let a breaker decide), so a tool's first command would otherwise fail while the connection is still opening.
 */
async function connected(redis: Redis, withinMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new Error(`Redis not reachable within ${withinMs / 1000} s (${redis.status})`));
    }, withinMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}

export function liveViewsView(redis: Redis, dependency: Dependency): VersionedView {
  const when =
    <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await connected(redis);
      return operation(...args);
    };
  return {
    name: 'live-views',
    pointer: `the Redis key ${LIVE_VIEWS_POINTER_KEY}`,
    followWithinMs: 2000,
    current: when(() => currentLiveViewsVersion(redis)),
    versions: when(() => liveViewsVersions(redis)),
    location: (version) => `the Redis keys tf:<kind>:<org>${version === 1 ? '' : `%v${version}`}:…`,
    create: when((version: number) => addLiveViewsVersion(redis, version)),
    sink: (version) => liveViewsSink(redis, dependency, { rebuildVersion: version }),
    checksum: when(async (version: number) => {
      // Per org: the tickets' hashes (every field the lists and counters are built from, and the revision).
      const sums = new Map<string, { count: number; digest: Buffer }>();
      for await (const keys of keysOf(redis, 'ticket', version)) {
        const pipeline = redis.pipeline();
        for (const key of keys) pipeline.hgetall(key);
        const replies = (await pipeline.exec()) ?? [];
        keys.forEach((key, i) => {
          const [error, hash] = replies[i] ?? [new Error('no reply from Redis'), null];
          if (error) throw error;
          const fields = Object.entries(hash as Record<string, string>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          );
          const digest = createHash('sha1')
            .update(`${key.split(':').at(-1)}\n${JSON.stringify(fields)}`)
            .digest();
          const org = keyOrg(key)!;
          const sum = sums.get(org) ?? { count: 0, digest: Buffer.alloc(digest.length) };
          sum.count += 1;
          for (let b = 0; b < digest.length; b++) sum.digest[b]! ^= digest[b]!;
          sums.set(org, sum);
        });
      }
      return new Map(
        [...sums].map(([org, { count, digest }]) => [org, { count, digest: digest.toString('hex') }]),
      ) satisfies ViewChecksum;
    }),
    switchTo: when((version: number) => setLiveViewsVersion(redis, version)),
    drop: when(async (version: number) => {
      for (const kind of LIVE_VIEW_KEY_KINDS) {
        for await (const keys of keysOf(redis, kind, version)) await redis.unlink(...keys);
      }
      await removeLiveViewsVersion(redis, version);
    }),
  };
}

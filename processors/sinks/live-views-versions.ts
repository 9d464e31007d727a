/**
 * Versions of the live views, for blue/green rebuilds (`ticketflow views rebuild live-views`). Version n's keys
 * carry `%v<n>` after the org (live-views.ts); one Redis key names the version the live sink writes and the
 * query API reads, and a set lists the versions that exist. Both follow it through a `VersionPointer`, so a
 * switch reaches every process within a second without a round trip per request.
 */
import type { Redis } from 'ioredis';
import { VersionPointer } from './version-pointer.js';

export const LIVE_VIEWS_POINTER_KEY = 'tf:views:live-views:version';
export const LIVE_VIEWS_VERSIONS_KEY = 'tf:views:live-views:versions';

/** The version in use: the pointer's, or 1 before any rebuild switched. */
export async function currentLiveViewsVersion(redis: Redis): Promise<number> {
  const value = await redis.get(LIVE_VIEWS_POINTER_KEY);
  return value === null ? 1 : Number(value);
}

export async function setLiveViewsVersion(redis: Redis, version: number): Promise<void> {
  await redis.set(LIVE_VIEWS_POINTER_KEY, String(version));
}

/** Every version that exists; version 1 until a rebuild records others. */
export async function liveViewsVersions(redis: Redis): Promise<number[]> {
  const members = await redis.smembers(LIVE_VIEWS_VERSIONS_KEY);
  if (members.length === 0) return [1];
  return members
    .map(Number)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
}

/** Records version n, and version 1 beside it the first time, since version 1 exists without being recorded. */
export async function addLiveViewsVersion(redis: Redis, version: number): Promise<void> {
  const known = await redis.exists(LIVE_VIEWS_VERSIONS_KEY);
  await redis.sadd(LIVE_VIEWS_VERSIONS_KEY, ...(known ? [] : ['1']), String(version));
}

export async function removeLiveViewsVersion(redis: Redis, version: number): Promise<void> {
  const versions = await liveViewsVersions(redis);
  const left = versions.filter((v) => v !== version).map(String);
  const multi = redis.multi().del(LIVE_VIEWS_VERSIONS_KEY);
  // An empty set would read as "version 1 only"; a sentinel 0 keeps "none left" apart from it.
  await multi.sadd(LIVE_VIEWS_VERSIONS_KEY, ...(left.length > 0 ? left : ['0'])).exec();
}

/** The live views' version, as the live sink and the query API follow it. */
export const liveViewsPointer = (redis: Redis, refreshMs?: number): VersionPointer =>
  new VersionPointer(() => currentLiveViewsVersion(redis), refreshMs);

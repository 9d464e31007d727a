/**
 * A view that can be rebuilt blue/green: it exists in numbered versions, one of which readers use, and a new
 * version can be filled by its sink from the earliest retained events while the current one keeps serving.
 */
import type { AnyStage } from '../../processors/runtime/stage.js';
import type { SinkName } from '../../processors/sinks/stages.js';

/** What a version holds per org: how many tickets, and a digest of them that two equal versions share. */
export interface OrgSum {
  readonly count: number;
  readonly digest: string;
}

export type ViewChecksum = ReadonlyMap<string, OrgSum>;

export interface VersionedView {
  readonly name: SinkName;
  /** How readers find the current version (an alias, a pointer), for messages. */
  readonly pointer: string;
  /** The version readers use now. */
  current(): Promise<number>;
  /** Every version that exists, ascending. */
  versions(): Promise<number[]>;
  /** Where version `n` lives, for messages. */
  location(version: number): string;
  /** Makes an empty version `n`. */
  create(version: number): Promise<void>;
  /** A sink that fills version `n` and publishes nothing. */
  sink(version: number): AnyStage;
  checksum(version: number): Promise<ViewChecksum>;
  /** Points readers and the live sink at version `n`, in one atomic step. */
  switchTo(version: number): Promise<void>;
  drop(version: number): Promise<void>;
  /** How long after a switch the live sink may still write the previous version. */
  readonly followWithinMs: number;
}

/** Orgs whose count or digest differ between two checksums, with both sides. */
export function checksumDifferences(live: ViewChecksum, rebuilt: ViewChecksum) {
  const orgs = new Set([...live.keys(), ...rebuilt.keys()]);
  return [...orgs].sort().flatMap((org) => {
    const a = live.get(org);
    const b = rebuilt.get(org);
    return a?.count === b?.count && a?.digest === b?.digest ? [] : [{ org, live: a ?? null, rebuilt: b ?? null }];
  });
}

export function totalCount(checksum: ViewChecksum): number {
  let total = 0;
  for (const { count } of checksum.values()) total += count;
  return total;
}

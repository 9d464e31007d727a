/**
 * Every org's knowledge index in one process, fed by chunk changes: the shape the retrieve stage materializes
 * from the compacted chunks topic (every instance reads all of it, like a Kafka Streams global table) and then
 * searches without a network round trip. The topic's records map onto `KnowledgeChange` one to one: a chunk
 * with its embedding is an upsert; a chunk marked deleted, or a tombstone under its key, is a removal.
 */
import type { ChunkFields } from '../chunk-index.js';
import {
  KnowledgeIndex,
  type KnowledgeHit,
  type KnowledgeIndexOptions,
  type KnowledgeQuery,
} from './knowledge-index.js';

export type KnowledgeChange =
  | { kind: 'upsert'; orgId: string; chunk: ChunkFields; embedding: Float32Array | null }
  | { kind: 'remove'; orgId: string; chunkId: string };

export interface ApplySummary {
  added: number;
  replaced: number;
  removed: number;
  /** Upserts of an older document version than the one held, and removals of passages not held. */
  ignored: number;
}

export class KnowledgeBase {
  private readonly orgs = new Map<string, KnowledgeIndex>();

  constructor(private readonly options: KnowledgeIndexOptions) {}

  /** The org's index, or undefined for an org without passages. */
  org(orgId: string): KnowledgeIndex | undefined {
    return this.orgs.get(orgId);
  }

  get orgIds(): string[] {
    return [...this.orgs.keys()];
  }

  /** Applies changes in order (a consumed batch, say); vector changes reach FAISS at each org's next search. */
  apply(changes: Iterable<KnowledgeChange>): ApplySummary {
    const summary: ApplySummary = { added: 0, replaced: 0, removed: 0, ignored: 0 };
    for (const change of changes) {
      if (change.kind === 'upsert') {
        let index = this.orgs.get(change.orgId);
        if (!index) this.orgs.set(change.orgId, (index = new KnowledgeIndex(this.options)));
        const outcome = index.upsert(change.chunk, change.embedding);
        if (outcome === 'stale') summary.ignored++;
        else summary[outcome]++;
      } else {
        const index = this.orgs.get(change.orgId);
        if (index?.remove(change.chunkId)) {
          summary.removed++;
          if (index.size === 0) this.orgs.delete(change.orgId);
        } else {
          summary.ignored++;
        }
      }
    }
    return summary;
  }

  /** Searches one org's passages only; an org without any gets no hit. */
  search(orgId: string, query: KnowledgeQuery): KnowledgeHit[] {
    return this.orgs.get(orgId)?.search(query) ?? [];
  }
}

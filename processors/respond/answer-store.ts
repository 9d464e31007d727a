/**
 * Cached answers in Redis:
 *
 *   tf:answer:entry:<orgId>:<key>          the entry (JSON: org, draft, cited documents), expiring after the TTL
 *   tf:answer:cites:<orgId>:<documentId>   a set of the entry keys whose draft cites the document; it expires
 *                                          with the newest of them
 *
 * `<key>` is the hex SHA-256 of answer-key.ts. A changed or removed document deletes, in one script, every entry
 * in its set and the set itself. An entry written after that deletion but drafted from the old version sits under
 * a key no request computes any more (the key holds the document versions), and expires.
 */
import type { Redis } from 'ioredis';
import type { Draft } from '../../schemas/index.js';

export interface CachedAnswer {
  readonly orgId: string;
  readonly draft: Draft;
  readonly storedAt: number;
}

/** Where answers are kept; every method rejects when the store cannot answer. */
export interface AnswerStore {
  /** False while the store is known not to answer (not connected yet, reconnecting): calls would only fail. */
  isConnected?(): boolean;
  get(orgId: string, key: string): Promise<CachedAnswer | null>;
  put(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void>;
  remove(orgId: string, key: string): Promise<void>;
  /** Deletes every entry citing one of the documents; resolves to how many there were. */
  invalidateDocuments(orgId: string, documentIds: readonly string[]): Promise<number>;
}

const PREFIX = 'tf:answer:';
export const entryKey = (orgId: string, key: string) => `${PREFIX}entry:${orgId}:${key}`;
export const citesKey = (orgId: string, documentId: string) => `${PREFIX}cites:${orgId}:${documentId}`;

// KEYS: the documents' sets. Entry keys are read from the sets, so this suits one Redis, not a cluster.
const INVALIDATE_LUA = `
local removed = 0
for _, set in ipairs(KEYS) do
  local entries = redis.call('SMEMBERS', set)
  for _, entry in ipairs(entries) do removed = removed + redis.call('DEL', entry) end
  redis.call('DEL', set)
end
return removed
`;

type ScriptedRedis = Redis & { tfAnswerInvalidate(count: number, ...keys: string[]): Promise<number> };

export class RedisAnswerStore implements AnswerStore {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    if (!('tfAnswerInvalidate' in redis)) redis.defineCommand('tfAnswerInvalidate', { lua: INVALIDATE_LUA });
    this.redis = redis as ScriptedRedis;
  }

  isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  async get(orgId: string, key: string): Promise<CachedAnswer | null> {
    const raw = await this.redis.get(entryKey(orgId, key));
    return raw === null ? null : (JSON.parse(raw) as CachedAnswer);
  }

  async put(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
    const entry = entryKey(answer.orgId, key);
    const documents = [...new Set(answer.draft.citations.map((c) => c.documentId))];
    const transaction = this.redis.multi().set(entry, JSON.stringify(answer), 'EX', ttlSeconds);
    for (const documentId of documents) {
      const set = citesKey(answer.orgId, documentId);
      transaction.sadd(set, entry).expire(set, ttlSeconds);
    }
    const results = await transaction.exec();
    const failure = results?.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  async remove(orgId: string, key: string): Promise<void> {
    await this.redis.del(entryKey(orgId, key));
  }

  async invalidateDocuments(orgId: string, documentIds: readonly string[]): Promise<number> {
    if (documentIds.length === 0) return 0;
    const sets = [...new Set(documentIds)].map((id) => citesKey(orgId, id));
    return this.redis.tfAnswerInvalidate(sets.length, ...sets);
  }
}

/**
 * Record keys. Event topics are keyed by the org id alone, or by `<orgId>:<conversationId>` for an org spread over
 * partitions; entity (compacted) topics by `<orgId>:<entityId>`; see topology.ts for why. Building keys here keeps every producer's keys in the same shape, which matters
 * because a key spelled two ways is two keys: different partitions, and compaction never merges them.
 */

const SEPARATOR = ':';

function checkOrgId(orgId: string): void {
  if (orgId === '' || orgId.includes(SEPARATOR)) {
    throw new Error(`org id ${JSON.stringify(orgId)} must be non-empty and free of '${SEPARATOR}'`);
  }
}

export function orgKey(orgId: string): string {
  checkOrgId(orgId);
  return orgId;
}

export function entityKey(orgId: string, entityId: string): string {
  checkOrgId(orgId);
  if (entityId === '') throw new Error('entity id must be non-empty');
  return `${orgId}${SEPARATOR}${entityId}`;
}

/**
 * The key of an interaction's events: the org, or the org and conversation for an org spread over partitions.
 * Stages key their outputs with their input's key, so this is decided once, at ingest.
 */
export function interactionKey(orgId: string, conversationId: string, by: 'org' | 'conversation'): string {
  return by === 'org' ? orgKey(orgId) : entityKey(orgId, conversationId);
}

/** The org a key of either shape belongs to: everything before the first separator. */
export function orgOfKey(key: string): string {
  const at = key.indexOf(SEPARATOR);
  return at === -1 ? key : key.slice(0, at);
}

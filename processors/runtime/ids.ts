import { createHash } from 'node:crypto';

/**
 * A version-5-style UUID derived from the input event, the stage and the output's position. Reprocessing the
 * same input after a crash yields the same output ids, which is what lets sinks drop the duplicates.
 */
export function deriveEventId(inputEventId: string, stage: string, index: number): string {
  const hash = createHash('sha1').update(`${inputEventId}\u0000${stage}\u0000${index}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

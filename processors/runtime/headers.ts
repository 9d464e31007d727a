import type { IHeaders } from 'kafkajs';

/** Kafka header names the runtime reads and writes. */
export const HEADER = {
  correlationId: 'tf-correlation-id',
  errorClass: 'tf-error-class',
  errorMessage: 'tf-error-message',
  stage: 'tf-stage',
  originalTopic: 'tf-original-topic',
  originalPartition: 'tf-original-partition',
  originalOffset: 'tf-original-offset',
  attempts: 'tf-attempts',
  failedAt: 'tf-failed-at',
  /** How many times a dead letter was re-produced to its topic (`ticketflow dlq redrive`); kept across failures. */
  redriveCount: 'tf-redrive-count',
  /**
   * On a tombstone (null value), the version of the entity it deletes: the record it follows is compacted away,
   * and a reader applying the deletion needs the version to refuse it against a newer copy, as for any record.
   */
  entityVersion: 'tf-entity-version',
} as const;

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

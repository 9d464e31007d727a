/**
 * Names of topics and consumer groups. One function per kind of name, so the declaration cannot spell a name
 * in a way the checks and tools would not recognise.
 *
 *   event topic     <namespace>.<domain>.<event>.v<major>   tf.interactions.received.v1
 *   dead letters    <namespace>.dlq.<consumer>               tf.dlq.enrich
 *   consumer group  <namespace>.<consumer>                   tf.enrich
 *
 * The major version is part of an event topic's name because the schema registry checks compatibility per
 * topic (subject `<topic>-value`): an incompatible schema needs a new topic that consumers move to, while
 * compatible changes keep the name. Dead-letter topics have no version; they hold the failed input's
 * original bytes, of whatever type and version it was.
 */

const SEGMENT = '[a-z][a-z0-9-]*';
const DLQ_DOMAIN = 'dlq';

export function eventTopicName(namespace: string, domain: string, event: string, major = 1): string {
  return `${namespace}.${domain}.${event}.v${major}`;
}

export function deadLetterTopicName(namespace: string, consumer: string): string {
  return `${namespace}.${DLQ_DOMAIN}.${consumer}`;
}

export function consumerGroupId(namespace: string, consumer: string): string {
  return `${namespace}.${consumer}`;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function isEventTopicName(namespace: string, name: string): boolean {
  const match = new RegExp(`^${escapeRegExp(namespace)}\\.(${SEGMENT})\\.${SEGMENT}\\.v[1-9][0-9]*$`).exec(name);
  return match !== null && match[1] !== DLQ_DOMAIN;
}

export function isNodeName(name: string): boolean {
  return new RegExp(`^${SEGMENT}$`).test(name);
}

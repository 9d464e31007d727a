import type { TopicMessages } from 'kafkajs';

/**
 * The broker refuses a produce request whose record batch for one partition passes `message.max.bytes`
 * (1 MiB by default), so a large consumed batch is produced in several requests. Splitting keeps the order
 * of the messages, which is all per-key ordering needs when the requests are sent one after another.
 */
export function splitIntoRequests(topicMessages: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let size = 0;
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const bytes = sizeOf(message.value) + sizeOf(message.key) + 64;
      if (size > 0 && size + bytes > maxBytes) {
        requests.push(current);
        current = [];
        size = 0;
      }
      const last = current[current.length - 1];
      if (last?.topic === topic) last.messages.push(message);
      else current.push({ topic, messages: [message] });
      size += bytes;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function sizeOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

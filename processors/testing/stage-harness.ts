/**
 * Runs a stage's handler without Kafka, for unit tests: contexts like the runtime's (deterministic derived ids,
 * a clock the test sets), per-event and batch stages alike.
 */
import { deriveEventId } from '../runtime/ids.js';
import {
  ItemFailure,
  type BatchItem,
  type Envelope,
  type ItemResult,
  type Stage,
  type StageContext,
} from '../runtime/stage.js';

export function testContext(
  stage: { name: string; version: string },
  meta: Envelope['meta'],
  options: { attempt?: number; occurredAt?: number; topic?: string } = {},
): StageContext {
  return {
    stage: stage.name,
    attempt: options.attempt ?? 1,
    correlationId: 'test',
    topic: options.topic ?? 'test',
    debug: () => undefined,
    derive: (index = 0) => ({
      ...meta,
      eventId: deriveEventId(meta.eventId, stage.name, index),
      causationId: meta.eventId,
      occurredAt: options.occurredAt ?? meta.occurredAt + 20,
      producer: { stage: stage.name, version: stage.version },
    }),
  };
}

/** Answers for each event as the stage gives them; a per-event handler's throw becomes a failure. */
export async function runStage<In extends Envelope, Out extends Envelope>(
  stage: Stage<In, Out>,
  events: readonly In[],
  options: { attempt?: number; occurredAt?: number } = {},
): Promise<ItemResult<Out>[]> {
  const items: BatchItem<In>[] = events.map((event) => ({ event, context: testContext(stage, event.meta, options) }));
  if (stage.handleBatch) return [...(await stage.handleBatch(items))];
  const answers: ItemResult<Out>[] = [];
  for (const { event, context } of items) {
    try {
      answers.push(await stage.handle!(event, context));
    } catch (error) {
      answers.push(new ItemFailure(error));
    }
  }
  return answers;
}

/** The outputs of one event; throws what the stage failed it with. */
export async function handleOne<In extends Envelope, Out extends Envelope>(
  stage: Stage<In, Out>,
  event: In,
  options: { attempt?: number; occurredAt?: number } = {},
): Promise<readonly Out[]> {
  const [answer] = await runStage(stage, [event], options);
  if (answer instanceof ItemFailure) throw answer.error;
  return answer!;
}

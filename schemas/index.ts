/**
 * The contracts of ticketflow: event types generated from schemas/avro, and the catalog of their schemas.
 * Code that produces or consumes events imports from here, never from the files behind it.
 */
import { EventCatalog, loadEventCatalog } from './catalog.js';

export { EventCatalog, loadEventCatalog, type EventSchema } from './catalog.js';
export type { RecordSchema } from './avro-json.js';
export * from './generated/events.js';
export {
  registerEventSchemas,
  registerSchema,
  SchemaRegistrationError,
  valueSubject,
  type EventBinding,
  type RegisteredEventSchema,
} from './register.js';

let catalog: EventCatalog | undefined;

/** The catalog of schemas/avro, read once per process. */
export function eventCatalog(): EventCatalog {
  catalog ??= loadEventCatalog();
  return catalog;
}

/**
 * Registers the event schemas with the schema registry: each event's self-contained schema under its topic's
 * subject (TopicNameStrategy, `<topic>-value`), with the subject pinned to BACKWARD compatibility, so a new
 * version is accepted only if consumers built on it can still read what was written before.
 *
 * Which topic carries which event is declared in topics/, not here: callers pass the bindings.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RecordSchema } from './avro-json.js';
import type { EventCatalog } from './catalog.js';
import { nameFieldsInMessage } from './field-paths.js';
import type { EventName } from './generated/events.js';

export interface EventBinding {
  readonly topic: string;
  readonly eventName: EventName;
}

export interface RegisteredEventSchema extends EventBinding {
  readonly subject: string;
  readonly id: number;
}

export interface RegistryTarget {
  /** Base URL of the Confluent-compatible API (`loadConfig().schemaRegistry.url`). */
  readonly url: string;
  readonly registry?: SchemaRegistry;
}

/** The registry subject of a topic's values: Confluent's TopicNameStrategy. */
export const valueSubject = (topic: string): string => `${topic}-value`;

export const COMPATIBILITY_LEVEL = COMPATIBILITY.BACKWARD;

export class SchemaRegistrationError extends Error {
  constructor(
    readonly subject: string,
    readonly status: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SchemaRegistrationError';
  }
}

/** Registers every binding's schema; registering an unchanged schema again is a no-op that returns its id. */
export async function registerEventSchemas(
  bindings: readonly EventBinding[],
  catalog: EventCatalog,
  target: RegistryTarget,
): Promise<RegisteredEventSchema[]> {
  const registry = target.registry ?? new SchemaRegistry({ host: target.url, retry: { retries: 3 } });
  const registered: RegisteredEventSchema[] = [];
  for (const binding of checkBindings(bindings, catalog)) {
    const subject = valueSubject(binding.topic);
    const { schema } = catalog.get(binding.eventName);
    const id = await registerSchema(subject, schema, { url: target.url, registry });
    registered.push({ ...binding, subject, id });
  }
  return registered;
}

/**
 * Registers one schema under a subject held to BACKWARD compatibility, and returns its id. A refusal is a
 * SchemaRegistrationError naming the subject and carrying the registry's reason.
 */
export async function registerSchema(subject: string, schema: RecordSchema, target: RegistryTarget): Promise<number> {
  const registry = target.registry ?? new SchemaRegistry({ host: target.url, retry: { retries: 3 } });
  // Pinning the level first means the subject does not depend on whatever the server's global default is, and
  // satisfies the client, which refuses to register when the subject's level differs from the one it asks for.
  // Some registries keep no settings for a subject that has no versions yet; those get pinned right after.
  const pinnedFirst = await pinCompatibility(target.url, subject);
  let id: number;
  try {
    const result = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: COMPATIBILITY_LEVEL },
    );
    id = result.id;
  } catch (error) {
    const status = (error as { status?: number }).status;
    // Pointers in the registry's reason refer to the refused schema: name the fields they lead to.
    const reason = nameFieldsInMessage((error as Error).message, schema);
    throw new SchemaRegistrationError(
      subject,
      status,
      `schema ${schema.name} refused for subject ${subject}${status ? ` (HTTP ${status})` : ''}: ${reason}`,
      { cause: error },
    );
  }
  if (!pinnedFirst && !(await pinCompatibility(target.url, subject))) {
    throw new SchemaRegistrationError(subject, 404, `cannot set the compatibility of subject ${subject}`);
  }
  return id;
}

/** PUT /config/{subject}; false when the registry does not know the subject (yet). */
async function pinCompatibility(url: string, subject: string): Promise<boolean> {
  const endpoint = `${url.replace(/\/$/, '')}/config/${encodeURIComponent(subject)}`;
  const response = await fetch(endpoint, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: COMPATIBILITY_LEVEL }),
  }).catch((error: Error) => {
    // fetch only says "fetch failed"; the cause says why (refused, DNS, timeout).
    const reason = (error.cause as Error | undefined)?.message ?? error.message;
    throw new SchemaRegistrationError(subject, undefined, `cannot reach the schema registry at ${url}: ${reason}`, {
      cause: error,
    });
  });
  if (response.status === 404) return false;
  if (!response.ok) {
    throw new SchemaRegistrationError(
      subject,
      response.status,
      `cannot set compatibility ${COMPATIBILITY_LEVEL} on subject ${subject}: HTTP ${response.status} ${await response.text()}`,
    );
  }
  return true;
}

function checkBindings(bindings: readonly EventBinding[], catalog: EventCatalog): EventBinding[] {
  const byTopic = new Map<string, EventBinding>();
  for (const binding of bindings) {
    if (!catalog.has(binding.eventName)) {
      throw new Error(`topic ${binding.topic}: unknown event type ${binding.eventName}`);
    }
    const earlier = byTopic.get(binding.topic);
    // TopicNameStrategy allows one record type per topic: a second would have to evolve from the first.
    if (earlier && earlier.eventName !== binding.eventName) {
      throw new Error(`topic ${binding.topic} is bound to both ${earlier.eventName} and ${binding.eventName}`);
    }
    byTopic.set(binding.topic, binding);
  }
  return [...byTopic.values()];
}

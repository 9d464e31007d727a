import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { valueSubject, type RecordSchema } from '../../schemas/index.js';
import { OutputSchemaError, PoisonEventError } from './errors.js';

type Read = (body: Buffer) => unknown;

/**
 * Avro in Confluent's wire format (magic byte, schema id, body) through the schema registry. Writers use the
 * id registered for the topic's subject; readers decode with their own schema, so a consumer built on an
 * older schema keeps reading events written with a newer, compatible one.
 *
 * The registry is asked once per writer id and per output topic; from then on decoding and encoding are
 * synchronous calls on cached avsc types, so a batch of a thousand events costs no promise per event.
 * `prepare` and `writer` are the only asynchronous steps, and they only wait the first time.
 */
export class EventCodec {
  private readonly writers = new Map<string, Promise<Writer>>();
  private readonly readers = new WeakMap<RecordSchema, Map<number, Read>>();
  private readonly pending = new Map<string, Promise<Read>>();

  constructor(readonly registry: SchemaRegistry) {}

  static connect(url: string): EventCodec {
    return new EventCodec(new SchemaRegistry({ host: url, retry: { retries: 3 } }));
  }

  /**
   * Makes every writer schema of `buffers` decodable with `readerSchema` without waiting. Bytes that can never
   * decode are left for `decode` to refuse; an unreachable registry rejects, for the caller to wait out.
   */
  async prepare(buffers: Iterable<Buffer | null>, readerSchema: RecordSchema): Promise<void> {
    const missing = new Set<number>();
    const known = this.readersOf(readerSchema);
    for (const buffer of buffers) {
      const id = writerIdOf(buffer);
      if (id !== null && !known.has(id)) missing.add(id);
    }
    for (const id of missing) {
      try {
        known.set(id, await this.buildReader(id, readerSchema));
      } catch (error) {
        // An unknown id stays unknown: decode dead-letters the events that carry it.
        if (!(error instanceof PoisonEventError)) throw error;
      }
    }
  }

  /** Decodes bytes whose writer schema was prepared; throws `PoisonEventError` for bytes that never will. */
  decodePrepared<T>(buffer: Buffer | null, readerSchema: RecordSchema): T {
    const writerId = writerIdOf(buffer);
    if (writerId === null) {
      throw new PoisonEventError('value is not in the Confluent Avro wire format (missing magic byte 0)');
    }
    const read = this.readersOf(readerSchema).get(writerId);
    if (!read) throw new PoisonEventError(`schema id ${writerId} is unknown to the registry`);
    try {
      return read(buffer!.subarray(5)) as T;
    } catch (error) {
      throw new PoisonEventError(
        `cannot decode as ${readerSchema.name} (schema id ${writerId}): ${(error as Error).message}`,
      );
    }
  }

  /** Decodes one event, fetching its writer schema first if needed. For tools; the runtime prepares whole batches. */
  async decode<T>(buffer: Buffer | null, readerSchema: RecordSchema): Promise<T> {
    if (buffer) await this.prepare([buffer], readerSchema);
    return this.decodePrepared<T>(buffer, readerSchema);
  }

  /** The synchronous encoder of a topic's registered value schema; asks the registry the first time only. */
  writer(topic: string): Promise<Writer> {
    let writer = this.writers.get(topic);
    if (!writer) {
      writer = this.buildWriter(topic);
      this.writers.set(topic, writer);
      writer.catch(() => this.writers.delete(topic));
    }
    return writer;
  }

  async encode(topic: string, value: unknown): Promise<Buffer> {
    return (await this.writer(topic)).encode(value);
  }

  private readersOf(readerSchema: RecordSchema): Map<number, Read> {
    let readers = this.readers.get(readerSchema);
    if (!readers) this.readers.set(readerSchema, (readers = new Map()));
    return readers;
  }

  /** One registry request per writer id and reader, however many batches ask at once. */
  private buildReader(writerId: number, readerSchema: RecordSchema): Promise<Read> {
    const key = `${readerSchema.name}#${writerId}`;
    let reader = this.pending.get(key);
    if (!reader) {
      reader = this.resolveReader(writerId, readerSchema).finally(() => this.pending.delete(key));
      this.pending.set(key, reader);
    }
    return reader;
  }

  private async resolveReader(writerId: number, readerSchema: RecordSchema): Promise<Read> {
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(writerId)) as unknown as avro.Type;
    } catch (error) {
      if (isUnavailable(error)) throw error;
      throw new PoisonEventError(`schema id ${writerId} is unknown to the registry: ${(error as Error).message}`);
    }
    const reader = avro.Type.forSchema(readerSchema as avro.Schema);
    if (reader.equals(writer)) return (body) => reader.fromBuffer(body);
    const resolver = reader.createResolver(writer);
    return (body) => reader.fromBuffer(body, resolver);
  }

  private async buildWriter(topic: string): Promise<Writer> {
    const subject = valueSubject(topic);
    const id = await this.registry.getLatestSchemaId(subject);
    const type = (await this.registry.getSchema(id)) as unknown as avro.Type;
    return new Writer(topic, id, type);
  }
}

/** Encodes values of one topic with its registered schema, synchronously. */
export class Writer {
  private readonly header: Buffer;

  constructor(
    readonly topic: string,
    readonly schemaId: number,
    private readonly type: avro.Type,
  ) {
    this.header = Buffer.alloc(5);
    this.header.writeInt32BE(schemaId, 1);
  }

  encode(value: unknown): Buffer {
    let body: Buffer;
    try {
      body = this.type.toBuffer(value);
    } catch {
      const invalid: string[] = [];
      this.type.isValid(value, { errorHook: (path) => invalid.push(path.join('.') || '(root)') });
      throw new OutputSchemaError(
        `output for ${this.topic} does not fit its schema: invalid at ${invalid.join(', ') || '(unknown path)'}`,
      );
    }
    return Buffer.concat([this.header, body], 5 + body.length);
  }
}

function writerIdOf(buffer: Buffer | null): number | null {
  if (!buffer || buffer.length < 5 || buffer[0] !== 0) return null;
  return buffer.readInt32BE(1);
}

/** An unreachable or failing registry is worth waiting for; anything else about the bytes never will be. */
const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'];

/**
 * Whether the registry could not answer, as opposed to answering that it has no such schema. The registry
 * client reports a refused or broken connection as a response of status 400 whose message names the network
 * error; read as a refusal, a stage started while the registry was away dead-lettered every event it had to
 * look a schema up for.
 */
export function isUnavailable(error: unknown): boolean {
  const { status, code, message } = error as { status?: number; code?: string; message?: string };
  if (typeof code === 'string' && NETWORK_CODES.includes(code)) return true;
  if (typeof message === 'string' && NETWORK_CODES.some((c) => message.includes(c))) return true;
  if (typeof message === 'string' && /socket hang up|timed? ?out/i.test(message)) return true;
  return typeof status === 'number' && status >= 500;
}

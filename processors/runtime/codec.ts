import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { valueSubject, type RecordSchema } from '../../schemas/index.js';
import { OutputSchemaError, PoisonEventError } from './errors.js';

/**
 * Avro in Confluent's wire format (magic byte, schema id, body) through the schema registry. Writers use the
 * id registered for the topic's subject; readers decode with their own schema, so a consumer built on an
 * older schema keeps reading events written with a newer, compatible one.
 */
export class EventCodec {
  private readonly writerIds = new Map<string, Promise<number>>();
  private readonly readers = new WeakMap<RecordSchema, Map<number, Promise<(body: Buffer) => unknown>>>();

  constructor(readonly registry: SchemaRegistry) {}

  static connect(url: string): EventCodec {
    return new EventCodec(new SchemaRegistry({ host: url, retry: { retries: 3 } }));
  }

  async encode(topic: string, value: unknown): Promise<Buffer> {
    const id = await this.writerId(topic);
    try {
      return await this.registry.encode(id, value);
    } catch (error) {
      if (isUnavailable(error)) throw error;
      throw new OutputSchemaError(`output for ${topic} does not fit its schema: ${(error as Error).message}`);
    }
  }

  async decode<T>(buffer: Buffer | null, readerSchema: RecordSchema): Promise<T> {
    if (!buffer || buffer.length < 5 || buffer[0] !== 0) {
      throw new PoisonEventError('value is not in the Confluent Avro wire format (missing magic byte 0)');
    }
    const writerId = buffer.readInt32BE(1);
    const read = await this.readerFor(writerId, readerSchema);
    try {
      return read(buffer.subarray(5)) as T;
    } catch (error) {
      throw new PoisonEventError(
        `cannot decode as ${readerSchema.name} (schema id ${writerId}): ${(error as Error).message}`,
      );
    }
  }

  /**
   * The registry client would parse the reader schema and build a resolver on every call, which costs more
   * than the rest of a pass-through stage; both are built once per writer schema id and reader here.
   */
  private readerFor(writerId: number, readerSchema: RecordSchema): Promise<(body: Buffer) => unknown> {
    let readers = this.readers.get(readerSchema);
    if (!readers) this.readers.set(readerSchema, (readers = new Map()));
    let reader = readers.get(writerId);
    if (!reader) {
      reader = this.buildReader(writerId, readerSchema);
      readers.set(writerId, reader);
      reader.catch(() => readers.delete(writerId));
    }
    return reader;
  }

  private async buildReader(writerId: number, readerSchema: RecordSchema): Promise<(body: Buffer) => unknown> {
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

  private writerId(topic: string): Promise<number> {
    let id = this.writerIds.get(topic);
    if (!id) {
      id = this.registry.getLatestSchemaId(valueSubject(topic));
      this.writerIds.set(topic, id);
      id.catch(() => this.writerIds.delete(topic));
    }
    return id;
  }
}

/** An unreachable or failing registry is worth retrying; anything else about the bytes never will be. */
function isUnavailable(error: unknown): boolean {
  const { status, code } = error as { status?: number; code?: string };
  if (typeof status === 'number') return status >= 500;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'].includes(code);
}

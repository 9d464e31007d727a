/**
 * Source documents to KnowledgeDocument events: title, language, Markdown body, version and envelope. The
 * envelope's id is derived from org, document and version, so importing the same version twice produces
 * the same event and consumers drop the duplicate.
 */
import type { KnowledgeDocument } from '../../schemas/index.js';
import { deriveEventId } from '../../processors/runtime/ids.js';
import { htmlToText } from './html.js';
import { firstHeading, parseFrontMatter, parseList } from './markdown.js';
import type { SourceDocument } from './sources.js';

export const KB_IMPORT_PRODUCER = { stage: 'kb-import', version: '0.1.0' } as const;

export interface DocumentOptions {
  /** Language of documents that do not name theirs. */
  defaultLanguage: string;
  /** Time the events are stamped with (meta.occurredAt). */
  now: number;
}

const MAX_DOCUMENT_ID_BYTES = 256;

const LANGUAGE_TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

/** `EN-gb` → `en-GB`: one spelling per language, so the index's keyword filter matches. */
export function normalizeLanguageTag(tag: string, where: string): string {
  const trimmed = tag.trim();
  if (!LANGUAGE_TAG.test(trimmed)) throw new Error(`${where}: language ${JSON.stringify(tag)} is not a BCP 47 tag`);
  const [primary, ...rest] = trimmed.split('-');
  return [
    primary!.toLowerCase(),
    ...rest.map((part) =>
      part.length === 2
        ? part.toUpperCase()
        : part.length === 4
          ? part[0]!.toUpperCase() + part.slice(1).toLowerCase()
          : part.toLowerCase(),
    ),
  ].join('-');
}

interface Parsed {
  title: string | null;
  body: string;
  fields: Record<string, string>;
}

function parseContent(source: SourceDocument): Parsed {
  switch (source.format) {
    case 'markdown': {
      const { fields, body } = parseFrontMatter(source.content);
      return { title: fields.title || firstHeading(body), body: body.trim(), fields };
    }
    case 'html': {
      const { title, text } = htmlToText(source.content);
      return { title, body: text, fields: {} };
    }
    case 'text':
      return { title: null, body: source.content.replace(/\r\n?/g, '\n').trim(), fields: {} };
  }
}

/** The id of a document version's event: the same version imported twice is the same event. */
export function documentEventId(orgId: string, documentId: string, version: number): string {
  return deriveEventId(`${orgId}\u0000${documentId}\u0000${version}`, KB_IMPORT_PRODUCER.stage, 0);
}

/** The same document at another version, under that version's event id. */
export function withVersion(doc: KnowledgeDocument, version: number): KnowledgeDocument {
  return { ...doc, version, meta: { ...doc.meta, eventId: documentEventId(doc.meta.orgId, doc.documentId, version) } };
}

export function toKnowledgeDocument(
  orgId: string,
  source: SourceDocument,
  options: DocumentOptions,
): KnowledgeDocument {
  return readKnowledgeDocument(orgId, source, options).document;
}

/**
 * The KnowledgeDocument of a source, and whether the source gave its version (front matter or JSON `version`)
 * rather than leaving it to the file's modification time.
 */
export function readKnowledgeDocument(
  orgId: string,
  source: SourceDocument,
  options: DocumentOptions,
): { document: KnowledgeDocument; versionGiven: boolean } {
  const where = `document ${source.documentId}`;
  // Index ids are `<org>:<chunkId>` and Elasticsearch caps ids at 512 bytes.
  if (Buffer.byteLength(source.documentId) > MAX_DOCUMENT_ID_BYTES) {
    throw new Error(`${where}: id longer than ${MAX_DOCUMENT_ID_BYTES} bytes`);
  }
  const parsed = parseContent(source);
  const { fields } = parsed;
  const versionGiven = fields.version !== undefined || source.version !== undefined;
  const version = fields.version !== undefined ? Number(fields.version) : (source.version ?? source.updatedAt);
  if (!Number.isSafeInteger(version) || version < 0)
    throw new Error(`${where}: version must be a non-negative integer`);
  const uri = fields.url || source.uri || null;
  const document: KnowledgeDocument = {
    meta: {
      eventId: documentEventId(orgId, source.documentId, version),
      orgId,
      // Knowledge events belong to no conversation or ticket and carry their document id instead (EventMeta).
      conversationId: source.documentId,
      ticketId: source.documentId,
      causationId: null,
      occurredAt: options.now,
      producer: { ...KB_IMPORT_PRODUCER },
    },
    documentId: source.documentId,
    version,
    updatedAt: source.updatedAt,
    deleted: false,
    title: (source.title || parsed.title || source.fallbackTitle).trim(),
    source: { kind: uri ? 'HELP_CENTER' : 'UPLOAD', uri },
    language: normalizeLanguageTag(fields.language || fields.lang || source.language || options.defaultLanguage, where),
    body: parsed.body,
    tags: fields.tags !== undefined ? parseList(fields.tags) : [...(source.tags ?? [])],
  };
  return { document, versionGiven };
}

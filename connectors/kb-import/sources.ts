/**
 * Reading an org's knowledge base from disk: a folder of Markdown, HTML and text files (recursively, in a
 * stable order) or a JSON-lines file with one document per line. Produces source documents; turning them
 * into KnowledgeDocuments is documents.ts's job.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export type SourceFormat = 'markdown' | 'html' | 'text';

export interface SourceDocument {
  /** Unique within the org and stable across imports: the relative path, or the JSON line's id. */
  documentId: string;
  format: SourceFormat;
  content: string;
  /** Title to use when the content names none. */
  fallbackTitle: string;
  /** When the source last changed, in epoch milliseconds. */
  updatedAt: number;
  title?: string;
  language?: string;
  tags?: string[];
  uri?: string | null;
  version?: number;
}

const FORMATS: Record<string, SourceFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};
const JSON_LINES = new Set(['.jsonl', '.ndjson']);

/** `Billing/Refund Policy.md` → `billing/refund-policy`: readable, stable and safe in keys and ids. */
export function documentIdFromPath(relativePath: string): string {
  const withoutExt = relativePath.slice(0, relativePath.length - path.extname(relativePath).length);
  return withoutExt
    .split(path.sep)
    .join('/')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9/_-]+/g, '-')
    .replace(/-*\/-*/g, '/')
    .replace(/^[-/]+|[-/]+$/g, '');
}

/** `refund-policy.md` → `Refund policy`. */
export function titleFromFileName(fileName: string): string {
  const words = path.basename(fileName, path.extname(fileName)).replace(/[-_]+/g, ' ').trim();
  return words === '' ? fileName : words[0]!.toUpperCase() + words.slice(1);
}

/** Documents under a folder, or in one file (a document, or JSON lines). */
export async function readSources(target: string): Promise<SourceDocument[]> {
  const info = await stat(target);
  if (info.isDirectory()) return readFolder(target);
  const ext = path.extname(target).toLowerCase();
  if (JSON_LINES.has(ext)) return parseJsonLines(await readFile(target, 'utf8'), target, info.mtimeMs);
  const format = FORMATS[ext];
  if (!format) throw new Error(`${target}: not a Markdown, HTML, text or JSON-lines file`);
  return [await readDocumentFile(target, path.basename(target), format)];
}

async function readFolder(root: string): Promise<SourceDocument[]> {
  const files = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && FORMATS[path.extname(entry.name).toLowerCase()] !== undefined)
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    // Hidden files and folders are editor and VCS leftovers, not articles.
    .filter((relative) => !relative.split(path.sep).some((part) => part.startsWith('.')))
    .sort();
  const documents = await Promise.all(
    files.map((relative) =>
      readDocumentFile(path.join(root, relative), relative, FORMATS[path.extname(relative).toLowerCase()]!),
    ),
  );
  const seen = new Map<string, string>();
  for (const [i, doc] of documents.entries()) {
    const other = seen.get(doc.documentId);
    if (other) throw new Error(`${other} and ${files[i]} both map to document id ${doc.documentId}; rename one`);
    seen.set(doc.documentId, files[i]!);
  }
  return documents;
}

async function readDocumentFile(file: string, relative: string, format: SourceFormat): Promise<SourceDocument> {
  const [content, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
  const documentId = documentIdFromPath(relative);
  if (documentId === '') throw new Error(`${file}: no usable document id in its name`);
  return {
    documentId,
    format,
    content,
    fallbackTitle: titleFromFileName(relative),
    updatedAt: Math.floor(info.mtimeMs),
  };
}

/**
 * One JSON object per line: `id` and one of `body` (Markdown), `html` or `text` are required; `title`,
 * `language`, `tags`, `url`, `version` and `updatedAt` (epoch ms or ISO 8601) are optional.
 */
export function parseJsonLines(content: string, name: string, defaultUpdatedAt: number): SourceDocument[] {
  const documents: SourceDocument[] = [];
  const seen = new Set<string>();
  content.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${name}:${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new Error(`${where}: not JSON (${(error as Error).message})`);
    }
    const doc = toSourceDocument(record, where, Math.floor(defaultUpdatedAt));
    if (seen.has(doc.documentId)) throw new Error(`${where}: document id ${doc.documentId} appears twice`);
    seen.add(doc.documentId);
    documents.push(doc);
  });
  return documents;
}

function toSourceDocument(record: unknown, where: string, defaultUpdatedAt: number): SourceDocument {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw new Error(`${where}: not an object`);
  const r = record as Record<string, unknown>;
  const str = (key: string): string | undefined => {
    const value = r[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new Error(`${where}: ${key} must be a string`);
    return value;
  };
  const id = str('id')?.trim();
  if (!id) throw new Error(`${where}: id is required`);
  const [format, content] =
    str('html') !== undefined
      ? (['html', str('html')!] as const)
      : str('text') !== undefined
        ? (['text', str('text')!] as const)
        : (['markdown', str('body')] as const);
  if (content === undefined) throw new Error(`${where}: one of body, html or text is required`);
  const tags = r.tags;
  if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))) {
    throw new Error(`${where}: tags must be an array of strings`);
  }
  const version = r.version;
  if (version !== undefined && (!Number.isSafeInteger(version) || (version as number) < 0)) {
    throw new Error(`${where}: version must be a non-negative integer`);
  }
  return {
    documentId: id,
    format,
    content,
    fallbackTitle: id,
    updatedAt: parseTime(r.updatedAt, where) ?? defaultUpdatedAt,
    title: str('title'),
    language: str('language'),
    tags: tags as string[] | undefined,
    uri: str('url') ?? null,
    version: version as number | undefined,
  };
}

function parseTime(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`${where}: updatedAt must be epoch milliseconds or an ISO 8601 time`);
  return Math.floor(ms);
}

/**
 * Cuts a document's Markdown body into retrievable chunks of about 500–800 characters. Cuts fall at headings
 * when a chunk is big enough, otherwise between paragraphs, and inside a paragraph only between sentences,
 * so every chunk reads on its own and a draft can quote it. A chunk cut for size starts with the last
 * sentence of the one before (a small overlap), so a statement split across the cut is whole somewhere.
 * Pure and deterministic: the same document always gives the same chunks under the same ids.
 */
import type { KnowledgeDocument } from '../../schemas/index.js';
import { chunkIdOf, type ChunkFields } from '../retrieve/chunk-index.js';
import { splitSentences } from '../respond/sentences.js';

export interface ChunkOptions {
  /** A chunk is closed at the next heading once it has this many characters. */
  minChars: number;
  /** A chunk never grows past this, unless a single sentence is longer (then it is cut at a space). */
  maxChars: number;
  /** Longest sentence carried over from one chunk to the next. */
  overlapChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { minChars: 500, maxChars: 800, overlapChars: 160 };

export type ChunkableDocument = Pick<
  KnowledgeDocument,
  'documentId' | 'version' | 'updatedAt' | 'title' | 'language' | 'body' | 'tags'
> & { source: Pick<KnowledgeDocument['source'], 'uri'> };

interface Piece {
  text: string;
  heading: boolean;
  /** Heading path in effect, e.g. "Returns > Refund times"; null before the first heading. */
  section: string | null;
  /** Pieces of the same paragraph join with `joiner`, others with a blank line. */
  paragraph: number;
  /** A space between sentences of a paragraph, a line break between lines of a list. */
  joiner: ' ' | '\n';
}

const ATX_HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const LIST_ITEM = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+/;

/** Headings, paragraphs and list blocks of a Markdown body, in order, with the heading path of each. */
function readBlocks(body: string): Piece[] {
  const blocks: Piece[] = [];
  const headings: string[] = [];
  let lines: string[] = [];
  let paragraph = 0;
  let inFence = false;
  const section = () => (headings.length > 0 ? headings.filter((h) => h !== '').join(' > ') : null);
  const flush = () => {
    const text = lines.join('\n').trim();
    if (text !== '') blocks.push({ text, heading: false, section: section(), paragraph: paragraph++, joiner: ' ' });
    lines = [];
  };
  for (const line of body.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : ATX_HEADING.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      headings.length = Math.min(headings.length, level - 1);
      while (headings.length < level - 1) headings.push('');
      headings.push(heading[2]!.trim());
      blocks.push({ text: line.trim(), heading: true, section: section(), paragraph: paragraph++, joiner: ' ' });
    } else if (line.trim() === '' && !inFence) {
      flush();
    } else {
      lines.push(line);
    }
  }
  flush();
  return blocks;
}

/** A sentence longer than `max` cut at spaces; the one case where a cut falls inside a sentence. */
function cutLongText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const at = space > max / 2 ? space : max;
    parts.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

/**
 * Blocks longer than `max` as one piece per sentence (per line for lists), so the packer can fill chunks
 * sentence by sentence and repeat the last one in the next chunk.
 */
function splitOversized(block: Piece, max: number): Piece[] {
  if (block.heading || block.text.length <= max) return [block];
  // A list is cut between items; hard-wrapped prose between sentences, like any other paragraph.
  const isList = block.text.split('\n').some((line) => LIST_ITEM.test(line));
  const units = isList ? block.text.split('\n') : splitSentences(block.text);
  return units
    .flatMap((u) => cutLongText(u, max))
    .map((text, i) => ({ ...block, text, joiner: i === 0 || !isList ? ' ' : '\n' }));
}

function joinPieces(pieces: readonly Piece[]): string {
  let text = '';
  pieces.forEach((piece, i) => {
    const previous = pieces[i - 1];
    if (previous === undefined) text = piece.text;
    else text += `${previous.paragraph === piece.paragraph ? piece.joiner : '\n\n'}${piece.text}`;
  });
  return text;
}

/** The last sentence of a chunk, when short enough to repeat at the start of the next one. */
function overlapOf(pieces: readonly Piece[], maxChars: number): Piece | null {
  const last = pieces[pieces.length - 1];
  if (!last || last.heading) return null;
  const lastLine = last.text.slice(last.text.lastIndexOf('\n') + 1);
  // The last item of a list, else the last sentence of the paragraph (which may span wrapped lines).
  const sentence = LIST_ITEM.test(lastLine) ? lastLine : splitSentences(last.text).pop();
  return sentence && sentence.length <= maxChars ? { ...last, text: sentence } : null;
}

export interface CutChunk {
  text: string;
  section: string | null;
}

/** The chunk texts and sections of a Markdown body, in order. */
export function cutBody(body: string, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): CutChunk[] {
  const pieces = readBlocks(body).flatMap((b) => splitOversized(b, options.maxChars));
  const chunks: CutChunk[] = [];
  let current: Piece[] = [];
  // Leading pieces of `current` repeated from the previous chunk; a chunk of nothing else is not emitted.
  let repeated = 0;

  const close = (overlap: boolean) => {
    let end = current.length;
    // A heading belongs with the text under it, so one ending a chunk moves to the next.
    while (end > repeated && current[end - 1]!.heading) end--;
    const kept = current.slice(0, end);
    const headings = current.slice(end);
    const firstOwn = kept.slice(repeated).find((p) => !p.heading);
    if (firstOwn) chunks.push({ text: joinPieces(kept), section: firstOwn.section });
    const seed = overlap && headings.length === 0 ? overlapOf(kept, options.overlapChars) : null;
    current = seed ? [seed] : headings;
    repeated = seed ? 1 : 0;
  };

  for (const piece of pieces) {
    if (current.slice(repeated).some((p) => !p.heading)) {
      const length = joinPieces(current).length;
      const overflows = length + 2 + piece.text.length > options.maxChars;
      if (piece.heading && (overflows || length >= options.minChars)) {
        close(false);
      } else if (overflows) {
        close(true);
        // An overlap that would itself push the piece over the limit is dropped.
        if (joinPieces([...current, piece]).length > options.maxChars) [current, repeated] = [[], 0];
      }
    }
    current.push(piece);
  }
  close(false);
  return chunks;
}

/** The chunks of one document version, with their stable ids and everything the index needs. */
export function chunkDocument(doc: ChunkableDocument, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): ChunkFields[] {
  const cut = cutBody(doc.body, options);
  return cut.map((chunk, chunkIndex) => ({
    chunkId: chunkIdOf(doc.documentId, chunkIndex),
    documentId: doc.documentId,
    documentVersion: doc.version,
    chunkIndex,
    chunkCount: cut.length,
    updatedAt: doc.updatedAt,
    title: doc.title,
    section: chunk.section,
    text: chunk.text,
    language: doc.language,
    sourceUri: doc.source.uri,
    tags: [...doc.tags],
  }));
}

/**
 * Sentences and draftable units of knowledge-base text, always as exact substrings of it: a draft quotes
 * them, and the chunker cuts on them, so neither may change a character inside a unit.
 */

/** Words whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'etc',
  'vs',
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'approx',
  'incl',
  'min',
  'max',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

/** A full stop, question or exclamation mark (with closing quotes or brackets) and the space after it. */
const BOUNDARY = /[.!?…]+["'”’)\]]*\s+(?=["'“‘([]?[\p{Lu}\p{N}])/gu;

/** Sentences of one paragraph, trimmed, in order; each an exact substring of the paragraph. */
export function splitSentences(paragraph: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of paragraph.matchAll(BOUNDARY)) {
    const end = match.index + match[0].trimEnd().length;
    const candidate = paragraph.slice(start, end);
    const lastWord = /([\p{L}.]+)\.+["'”’)\]]*$/u.exec(candidate)?.[1]?.toLowerCase() ?? '';
    // "Dr. Smith", "e.g. Visa", "J. Doe": a period after an abbreviation or an initial is not an ending.
    if (ABBREVIATIONS.has(lastWord) || /^\p{L}$/u.test(lastWord)) continue;
    const sentence = candidate.trim();
    if (sentence !== '') sentences.push(sentence);
    start = match.index + match[0].length;
  }
  const rest = paragraph.slice(start).trim();
  if (rest !== '') sentences.push(rest);
  return sentences;
}

export interface DraftUnit {
  /** Verbatim text of the unit, without list markers. */
  text: string;
  /** True for a list item: it reads as part of a list, so it follows the line introducing it. */
  listItem: boolean;
  /** True when the unit introduces what follows (ends with a colon). */
  introducesList: boolean;
  /** Text of the heading the unit is under in the chunk; null when none precedes it there. */
  heading: string | null;
}

const LIST_MARKER = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+/;

/**
 * The pieces of a chunk a draft can quote: sentences of paragraphs and whole list items. Markdown headings
 * are left out, because a heading alone is no answer, and so are fenced code blocks.
 */
export function draftUnits(text: string): DraftUnit[] {
  const units: DraftUnit[] = [];
  let inFence = false;
  let heading: string | null = null;
  const paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    for (const sentence of splitSentences(paragraph.join('\n'))) {
      units.push({ text: sentence, listItem: false, introducesList: sentence.endsWith(':'), heading });
    }
    paragraph.length = 0;
  };
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      flush();
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    const headingLine = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (headingLine) {
      flush();
      heading = headingLine[1]!;
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const marker = LIST_MARKER.exec(line);
    if (marker) {
      flush();
      const item = line.slice(marker[0].length).trim();
      if (item !== '') units.push({ text: item, listItem: true, introducesList: item.endsWith(':'), heading });
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return units;
}

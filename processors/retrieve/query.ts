/**
 * The text the knowledge base is searched with (Grounding.query), built from the redacted message and the
 * intent. Only redacted text is used: the raw message never leaves the received topic.
 */
import type { Classification, Enrichment } from '../../schemas/index.js';

/** Placeholders such as [EMAIL] or [CARD]: they say what was removed, not what the customer asks about. */
const PLACEHOLDER = /\[[A-Z][A-Z_]*\]/g;

/** Long enough for any real question; longer texts are mostly quoted history and signatures. */
export const DEFAULT_MAX_QUERY_CHARS = 1000;

/** The text with redaction placeholders removed and runs of spaces collapsed, line breaks kept. */
export function withoutPlaceholders(text: string): string {
  return text
    .replace(PLACEHOLDER, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .trim();
}

/** `lost_or_stolen_card` → `lost or stolen card`; unknown intents add nothing. */
export function intentWords(classification: Classification): string {
  if (classification.outOfScope || classification.intent === '' || classification.intent === 'unknown') return '';
  return classification.intent.replace(/[._?-]+/g, ' ').trim();
}

export function buildRetrievalQuery(
  enrichment: Pick<Enrichment, 'redactedSubject' | 'redactedBody'>,
  classification: Classification,
  maxChars = DEFAULT_MAX_QUERY_CHARS,
): string {
  const parts = [intentWords(classification), enrichment.redactedSubject ?? '', enrichment.redactedBody];
  const text = parts
    .map((p) => withoutPlaceholders(p).replace(/\s+/g, ' '))
    .filter((p) => p !== '')
    .join(' ');
  return truncateAtWord(text, maxChars);
}

export function truncateAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return (space > maxChars / 2 ? cut.slice(0, space) : cut).trim();
}

/**
 * The key of a cached answer: everything a draft depends on, hashed.
 *
 * - the org, first, so no two orgs can share a key (the stored entry also names its org, checked on read);
 * - the language (lower-cased tag) and the intent the classifier gave;
 * - the question, normalized (`normalizeQuestion`) so that the same question typed differently meets the same answer;
 * - the knowledge-base version the draft is grounded on: the retrieved passages in rank order, each as its chunk
 *   id, document id and document version. A changed document has a new version, a removed one is no longer
 *   retrieved, a new one that ranks among them changes the list: each makes the key miss, so an answer is only
 *   ever served for exactly the passages it was drafted from, whatever became of the explicit invalidation;
 * - how those passages were found (their scores mean different things, and the draft's confidence reads them);
 * - the generator underneath, so an answer of one tier is never served as another's.
 *
 * Scores are left out: BM25 statistics move with every document of the org, and a key that followed them would
 * miss on any import. The question is the redacted text (respond gets nothing else: past enrich, events carry
 * only redacted text), and it enters Redis only as part of a SHA-256.
 */
import { createHash } from 'node:crypto';
import type { DraftRequest } from './generator.js';

/** Bumped when what a key covers, or the stored entry's shape, changes: old entries then simply miss. */
export const ANSWER_KEY_FORMAT = 1;

/** Punctuation and symbols that carry no meaning in a question; currency signs (\p{Sc}) are not among them. */
const NOISE = /[\p{P}\p{Sk}\p{So}\p{Sm}]+/gu;
const DIGIT = /\p{Nd}/u;

/**
 * The question as the cache compares it: Unicode compatibility forms folded (NFKC: full-width letters, ligatures),
 * lower case, punctuation and symbols dropped, runs of white space made one space, trimmed. Digits are kept, and
 * so is a single punctuation mark between two digits (`25.50`, `1,000`, `12/03`), since amounts and dates change
 * the answer; currency signs are kept for the same reason. Accents are kept: in Spanish they change words.
 */
export function normalizeQuestion(question: string): string {
  const text = question.normalize('NFKC').toLowerCase();
  return text
    .replace(NOISE, (run: string, offset: number) => {
      const between = DIGIT.test(text[offset - 1] ?? '') && DIGIT.test(text[offset + run.length] ?? '');
      return between && [...run].length === 1 ? run : ' ';
    })
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The hex SHA-256 a request's answer is stored under, for drafts by the generator named `generator`. */
export function answerKeyOf(request: DraftRequest, generator: string): string {
  const material = [
    ANSWER_KEY_FORMAT,
    request.orgId,
    request.language.toLowerCase(),
    request.classification.intent,
    normalizeQuestion(request.question),
    request.passages.map((p) => [p.chunkId, p.documentId, p.documentVersion]),
    request.retrievalMethod ?? 'LEXICAL',
    generator,
  ];
  // JSON keeps the parts apart: no question text can make two different requests spell the same material.
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

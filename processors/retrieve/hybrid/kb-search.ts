/**
 * Knowledge-base search as people and programs ask it (`GET /v1/kb/search`, `ticketflow kb search`): questions of
 * one org answered by the same in-process hybrid retrieval the retrieve stage grounds interactions with, at most
 * k hits from distinct documents, best first, each the best passage of its document.
 */
import type { HybridRetriever } from './retriever.js';

export interface KbSearchHit {
  documentId: string;
  chunkId: string;
  /** Fused score (a sum of 1/(k + rank) over the lexical and vector lists); higher is better. */
  score: number;
  title: string;
  /** The passage. */
  text: string;
  sourceUri: string | null;
}

export interface KbSearchOptions {
  /** Hits at most, each from its own document. */
  k: number;
  /** Only passages in this language (BCP 47, matched on its primary subtag); every language when absent. */
  language?: string;
}

/** Maximum k: a page of answers to read, not an export of the knowledge base. */
export const MAX_KB_SEARCH_K = 50;

/** One answer per question, in the questions' order; a blank question has no hit (and costs no embedding). */
export async function searchKnowledgeBase(
  retriever: HybridRetriever,
  orgId: string,
  questions: readonly string[],
  options: KbSearchOptions,
): Promise<KbSearchHit[][]> {
  const asked = questions.flatMap((q, i) => (q.trim() === '' ? [] : [i]));
  const found = await retriever.searchMany(
    asked.map((i) => ({ orgId, query: questions[i]!, k: options.k, language: options.language })),
  );
  const answers: KbSearchHit[][] = questions.map(() => []);
  asked.forEach((at, n) => {
    answers[at] = found[n]!.map(({ chunk, score }) => ({
      documentId: chunk.documentId,
      chunkId: chunk.chunkId,
      score,
      title: chunk.title,
      text: chunk.text,
      sourceUri: chunk.sourceUri,
    }));
  });
  return answers;
}

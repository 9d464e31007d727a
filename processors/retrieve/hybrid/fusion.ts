/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009) at the document level: each ranked list of
 * passages is read as a ranking of documents (a document placed where its first passage is), and a document
 * scores the sum over lists of weight / (k + rank). Ranks, not scores, are fused, because BM25 scores and
 * cosines live on scales that mean nothing to each other.
 */

export interface FusionParams {
  /** Damps the lead of the first ranks: small k lets one list's top hit win, large k rewards agreement. */
  k: number;
  /** Weight of the lexical (BM25) list. */
  lexicalWeight: number;
  /** Weight of the vector list. */
  vectorWeight: number;
}

export const DEFAULT_FUSION: FusionParams = { k: 60, lexicalWeight: 1, vectorWeight: 1 };

export interface RankedPassage {
  slot: number;
  documentId: string;
}

export interface FusedDocument {
  documentId: string;
  score: number;
  /** The document's passage to show: the one the lists placed best together. */
  slot: number;
  /** Where the document stood in each list, from 1; null when a list did not have it. */
  ranks: Array<number | null>;
}

/** Documents of the fused ranking, best first; ties go to the document id, so the order is stable. */
export function fuseDocuments(
  lists: ReadonlyArray<readonly RankedPassage[]>,
  weights: readonly number[],
  k: number,
): FusedDocument[] {
  const documents = new Map<string, FusedDocument>();
  // The same fusion over passages picks each document's passage.
  const passageScore = new Map<number, number>();
  lists.forEach((list, l) => {
    const weight = weights[l] ?? 1;
    let documentRank = 0;
    list.forEach((passage, i) => {
      passageScore.set(passage.slot, (passageScore.get(passage.slot) ?? 0) + weight / (k + i + 1));
      let doc = documents.get(passage.documentId);
      if (!doc) {
        doc = { documentId: passage.documentId, score: 0, slot: passage.slot, ranks: lists.map(() => null) };
        documents.set(passage.documentId, doc);
      }
      if (doc.ranks[l] === null) {
        documentRank++;
        doc.ranks[l] = documentRank;
        doc.score += weight / (k + documentRank);
      }
    });
  });
  for (const list of lists) {
    for (const passage of list) {
      const doc = documents.get(passage.documentId)!;
      const best = passageScore.get(doc.slot)!;
      const mine = passageScore.get(passage.slot)!;
      if (mine > best || (mine === best && passage.slot < doc.slot)) doc.slot = passage.slot;
    }
  }
  return [...documents.values()].sort(
    (a, b) => b.score - a.score || (a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : 0),
  );
}

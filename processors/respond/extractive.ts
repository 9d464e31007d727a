/**
 * The default draft generator: quotes the retrieved sentences that best overlap the customer's question,
 * between a fixed greeting and closing, and cites every passage it quotes. It never writes a sentence of
 * its own, so it cannot state a fact the knowledge base does not; when nothing retrieved overlaps enough,
 * it drafts the holding reply instead.
 *
 * Relevance is term overlap (terms.ts: lower case, no filler words, plurals folded) weighted by how rare a
 * term is among the candidate sentences, so "refund" counts for more than "order" in a shop's articles. A
 * term found only in the article title or the heading above a sentence counts half: the sentence is
 * about that topic without naming it. Confidence multiplies three things, so any one being weak keeps it
 * low: coverage (how much of the question the quoted sentences address), evidence (a question matched on
 * a single word is a guess) and retrieval strength (the top BM25 score, saturated; for hybrid retrieval, the
 * top fused score as a share of the best a fusion can give: first in both lists).
 */
import type { Citation, Draft, Passage, RetrievalMethod } from '../../schemas/index.js';
import { DEFAULT_FUSION } from '../retrieve/hybrid/fusion.js';
import { contentTerms } from '../retrieve/terms.js';
import { holdingDraft, type DraftGenerator, type DraftRequest } from './generator.js';
import { draftUnits } from './sentences.js';
import { templatesFor, wrapReply } from './templates.js';

export const EXTRACTIVE_VERSION = 'extractive@1';

export interface ExtractiveOptions {
  /** Most sentences quoted; a sentence introducing a list brings its items along. */
  maxSentences: number;
  /** Passages scoring below this (raw BM25) are never quoted. */
  minPassageScore: number;
  /** Passages scoring below this share of the top score are never quoted: they matched on side words. */
  minRelativeScore: number;
  /** Below this confidence the holding reply is drafted instead. */
  minConfidence: number;
  /** BM25 score at which retrieval strength counts as 0.5; it saturates towards 1 above. */
  scorePivot: number;
  /** Matched question terms (title and heading matches counting half) needed for full evidence. */
  evidenceTerms: number;
  /** Items of a list quoted after the sentence introducing it. */
  maxListItems: number;
}

export const DEFAULT_EXTRACTIVE_OPTIONS: ExtractiveOptions = {
  maxSentences: 3,
  minPassageScore: 1,
  minRelativeScore: 0.3,
  minConfidence: 0.35,
  scorePivot: 6,
  evidenceTerms: 2,
  maxListItems: 6,
};

interface Candidate {
  passage: number;
  unit: number;
  text: string;
  listItem: boolean;
  introducesList: boolean;
  terms: ReadonlySet<string>;
  /** Terms of the article title and the heading above the unit. */
  context: ReadonlySet<string>;
  score: number;
}

export interface Extraction {
  /** The quoted units, grouped by passage, in draft order. */
  groups: Array<{ passage: Passage; units: Array<{ text: string; listItem: boolean }> }>;
  /** Weighted share of the question's terms the quoted units address, 0 to 1. */
  coverage: number;
  /** How many question terms were matched, relative to `evidenceTerms`, 0 to 1. */
  evidence: number;
  /** Saturated top retrieval score, 0 to 1. */
  strength: number;
  /** coverage × evidence × (0.5 + 0.5 × strength). */
  confidence: number;
}

function termWeights(question: readonly string[], candidates: readonly Candidate[]): Map<string, number> {
  const weights = new Map<string, number>();
  for (const term of question) {
    const df = candidates.filter((c) => c.terms.has(term)).length;
    // A term found in no sentence says nothing about which sentence to pick, only that coverage is partial.
    weights.set(term, df === 0 ? 1 : 1 + Math.log(candidates.length / df));
  }
  return weights;
}

type Unit = Omit<Candidate, 'passage' | 'score'>;

/**
 * A passage's sentences with their terms. The same few knowledge-base passages answer most questions, so each is
 * split and analysed once and kept, the most recently used last, up to a bound.
 */
const unitsByPassage = new Map<string, readonly Unit[]>();
const UNITS_KEPT = 2000;

function unitsOf(passage: Passage, language: string): readonly Unit[] {
  const key = `${language}\u0000${passage.title}\u0000${passage.text}`;
  let units = unitsByPassage.get(key);
  if (units) {
    unitsByPassage.delete(key);
  } else {
    units = draftUnits(passage.text).map((unit, u) => ({
      unit: u,
      text: unit.text,
      listItem: unit.listItem,
      introducesList: unit.introducesList,
      terms: new Set(contentTerms(unit.text, language)),
      context: new Set(contentTerms(`${passage.title}\n${unit.heading ?? ''}`, language)),
    }));
    if (unitsByPassage.size >= UNITS_KEPT) unitsByPassage.delete(unitsByPassage.keys().next().value!);
  }
  unitsByPassage.set(key, units);
  return units;
}

/**
 * Score of a document placed first by both lists of the hybrid retrieval: fused scores are sums of
 * weight / (k + rank), so none is higher.
 */
const BEST_FUSED_SCORE = (DEFAULT_FUSION.lexicalWeight + DEFAULT_FUSION.vectorWeight) / (DEFAULT_FUSION.k + 1);

/** Fused scores are ranks in disguise, not match strengths: the BM25 floor and pivot do not apply to them. */
const isFused = (method: RetrievalMethod) => method === 'HYBRID';

/** Retrieval strength, 0 to 1, read on the scale of the method that scored the passages. */
export function retrievalStrength(topScore: number, method: RetrievalMethod, options: ExtractiveOptions): number {
  if (isFused(method)) return Math.min(1, topScore / BEST_FUSED_SCORE);
  return topScore / (topScore + options.scorePivot);
}

function candidatesOf(
  passages: readonly Passage[],
  language: string,
  method: RetrievalMethod,
  options: ExtractiveOptions,
): Candidate[] {
  const topScore = Math.max(...passages.map((p) => p.score));
  const seen = new Set<string>();
  const floor = isFused(method) ? 0 : options.minPassageScore;
  return passages.flatMap((passage, p) => {
    if (passage.score < floor || passage.score < options.minRelativeScore * topScore) return [];
    return unitsOf(passage, language).flatMap((unit) => {
      // Chunks overlap and articles repeat themselves: quote each sentence once.
      if (seen.has(unit.text)) return [];
      seen.add(unit.text);
      return [{ ...unit, passage: p, score: 0 }];
    });
  });
}

/** Credit of a question term over some units: 1 when a unit names it, 0.5 when only their context does. */
function creditOf(term: string, units: readonly Candidate[]): number {
  if (units.some((u) => u.terms.has(term))) return 1;
  return units.some((u) => u.context.has(term)) ? 0.5 : 0;
}

function credits(asked: readonly string[], units: readonly Candidate[]): Map<string, number> {
  return new Map(asked.map((t) => [t, creditOf(t, units)]));
}

/** The sentences to quote for a question, or null when the passages do not address it well enough. */
export function extract(
  question: string,
  language: string,
  passages: readonly Passage[],
  options: ExtractiveOptions = DEFAULT_EXTRACTIVE_OPTIONS,
  method: RetrievalMethod = 'LEXICAL',
): Extraction | null {
  const asked = [...new Set(contentTerms(question, language))];
  if (asked.length === 0 || passages.length === 0) return null;
  const candidates = candidatesOf(passages, language, method, options);
  if (candidates.length === 0) return null;
  const weights = termWeights(asked, candidates);
  const topScore = Math.max(...passages.map((p) => p.score));
  for (const c of candidates) {
    const relevance = asked.reduce((sum, t) => sum + weights.get(t)! * creditOf(t, [c]), 0);
    // Between equally relevant sentences, the better-ranked passage wins.
    c.score = relevance * (0.75 + (0.25 * passages[c.passage]!.score) / topScore);
  }
  // A sentence sharing no word with the question is never quoted, whatever its heading says.
  const ranked = candidates
    .filter((c) => asked.some((t) => c.terms.has(t)))
    .sort((a, b) => b.score - a.score || a.passage - b.passage || a.unit - b.unit);
  const best = ranked[0];
  if (!best) return null;

  const picked: Candidate[] = [];
  const covered = new Set<string>();
  for (const c of ranked) {
    if (picked.length >= options.maxSentences) break;
    if (picked.includes(c)) continue;
    const addsTerms = asked.some((t) => c.terms.has(t) && !covered.has(t));
    // Later sentences must add something asked about, or be as relevant as the best one.
    if (picked.length > 0 && !((addsTerms && c.score >= 0.3 * best.score) || c.score >= 0.9 * best.score)) continue;
    picked.push(c);
    if (c.introducesList) picked.push(...listItemsAfter(c, candidates, options.maxListItems));
    for (const t of c.terms) covered.add(t);
  }
  const units = uniqueInOrder(picked);

  const credit = credits(asked, units);
  const total = asked.reduce((sum, t) => sum + weights.get(t)!, 0);
  const coverage = asked.reduce((sum, t) => sum + weights.get(t)! * credit.get(t)!, 0) / total;
  const matched = [...credit.values()].reduce((sum, c) => sum + c, 0);
  const evidence = Math.min(1, matched / options.evidenceTerms);
  const strength = retrievalStrength(topScore, method, options);
  const confidence = coverage * evidence * (0.5 + 0.5 * strength);
  if (confidence < options.minConfidence) return null;
  return { groups: groupByPassage(units, passages), coverage, evidence, strength, confidence };
}

function listItemsAfter(intro: Candidate, candidates: readonly Candidate[], max: number): Candidate[] {
  const items: Candidate[] = [];
  const start = candidates.indexOf(intro) + 1;
  for (const c of candidates.slice(start)) {
    if (c.passage !== intro.passage || !c.listItem || items.length >= max) break;
    items.push(c);
  }
  return items;
}

/** Units in reading order: passages by rank, sentences as they appear in their passage. */
function uniqueInOrder(units: readonly Candidate[]): Candidate[] {
  return [...new Set(units)].sort((a, b) => a.passage - b.passage || a.unit - b.unit);
}

function groupByPassage(units: readonly Candidate[], passages: readonly Passage[]): Extraction['groups'] {
  const groups: Extraction['groups'] = [];
  for (const u of units) {
    const last = groups[groups.length - 1];
    const unit = { text: u.text, listItem: u.listItem };
    if (last && last.passage === passages[u.passage]) last.units.push(unit);
    else groups.push({ passage: passages[u.passage]!, units: [unit] });
  }
  return groups;
}

/** Sentences of a passage run on as a paragraph; list items go on lines of their own, and a paragraph after them. */
export function renderGroup(units: ReadonlyArray<{ text: string; listItem: boolean }>): string {
  return units
    .map((u, i) => {
      if (u.listItem) return `${i === 0 ? '' : '\n'}- ${u.text}`;
      return i === 0 ? u.text : `${units[i - 1]!.listItem ? '\n\n' : ' '}${u.text}`;
    })
    .join('');
}

export function citationOf(passage: Passage): Citation {
  return {
    chunkId: passage.chunkId,
    documentId: passage.documentId,
    documentVersion: passage.documentVersion,
    title: passage.title,
    sourceUri: passage.sourceUri,
  };
}

export function extractiveGenerator(options: Partial<ExtractiveOptions> = {}): DraftGenerator {
  const settings = { ...DEFAULT_EXTRACTIVE_OPTIONS, ...options };
  return {
    name: 'extractive',
    draft(request: DraftRequest): Draft {
      const extraction = extract(
        request.question,
        request.language,
        request.passages,
        settings,
        request.retrievalMethod ?? 'LEXICAL',
      );
      if (!extraction) return holdingDraft(request.language);
      const { language, templates } = templatesFor(request.language);
      const body = extraction.groups.map((g) => renderGroup(g.units)).join('\n\n');
      return {
        text: wrapReply(templates, body),
        language,
        citations: extraction.groups.map((g) => citationOf(g.passage)),
        confidence: Math.round(extraction.confidence * 1000) / 1000,
        holding: false,
        generator: { kind: 'EXTRACTIVE', model: null, version: EXTRACTIVE_VERSION },
        attempts: [],
      };
    },
  };
}

/**
 * A FAQ-style retrieval set built at bench time from CLINC150 (Larson et al., 2019, CC BY 3.0), read from the
 * shared datasets and never copied into the project: one article per intent, titled from the intent's name and
 * written from a few of its training utterances (the ways customers ask it), under its domain as a tag; the
 * questions are the intent's validation utterances, which paraphrase those asks in other words. Each question
 * has exactly one right article, so recall and MRR are measured at the document level.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CLINC150 } from '../../processors/classify/datasets.js';
import type { ChunkFields } from '../../processors/retrieve/chunk-index.js';

export interface FaqQuestion {
  text: string;
  /** The article that answers it. */
  documentId: string;
}

export interface FaqSet {
  articles: ChunkFields[];
  /** Questions tuning may look at. */
  dev: FaqQuestion[];
  /** Questions only the final figures are measured on. */
  test: FaqQuestion[];
  /** Every training utterance of each article's intent, by article: material for synthetic passages. */
  utterances: Map<string, string[]>;
}

export interface FaqSetOptions {
  file?: string;
  /** Training utterances an article is written from. */
  examplesPerArticle?: number;
  /** Every n-th validation utterance of an intent goes to dev, the rest to test. */
  devEvery?: number;
}

/** `report_lost_card` → `Report lost card`. */
export function titleOf(intent: string): string {
  const words = intent.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const sentence = (text: string) => {
  const t = text.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.?!]$/.test(t) ? '' : '?'}`;
};

const documentIdOf = (intent: string) => `faq-${intent.replace(/_/g, '-')}`;

/** An English article of one passage, as both evaluation sets build theirs. */
export function singlePassageArticle(documentId: string, title: string, text: string, tag: string): ChunkFields {
  return {
    chunkId: `${documentId}#0`,
    documentId,
    documentVersion: 1,
    chunkIndex: 0,
    chunkCount: 1,
    updatedAt: 0,
    title,
    section: null,
    text,
    language: 'en',
    sourceUri: null,
    tags: [tag],
  };
}

export function articleOf(intent: string, domain: string, examples: readonly string[]): ChunkFields {
  return singlePassageArticle(documentIdOf(intent), titleOf(intent), examples.map(sentence).join('\n'), domain);
}

export function buildFaqSet(options: FaqSetOptions = {}): FaqSet {
  const file = options.file ?? DEFAULT_CLINC150;
  const examples = options.examplesPerArticle ?? 10;
  const devEvery = options.devEvery ?? 3;
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Array<[string, string]>>;
  const domains = JSON.parse(readFileSync(path.join(path.dirname(file), 'domains.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  const domainOf = new Map(Object.entries(domains).flatMap(([d, intents]) => intents.map((i) => [i, d] as const)));
  const byIntent = (split: string) => {
    const out = new Map<string, string[]>();
    for (const [text, intent] of data[split] ?? []) {
      if (!domainOf.has(intent)) continue;
      out.set(intent, [...(out.get(intent) ?? []), text]);
    }
    return out;
  };
  const train = byIntent('train');
  const articles = [...train].map(([intent, texts]) =>
    articleOf(intent, domainOf.get(intent)!, texts.slice(0, examples)),
  );
  const dev: FaqQuestion[] = [];
  const test: FaqQuestion[] = [];
  for (const [intent, texts] of byIntent('val')) {
    const documentId = documentIdOf(intent);
    texts.forEach((text, i) => (i % devEvery === 0 ? dev : test).push({ text, documentId }));
  }
  const utterances = new Map([...train].map(([intent, texts]) => [documentIdOf(intent), texts]));
  return { articles, dev, test, utterances };
}

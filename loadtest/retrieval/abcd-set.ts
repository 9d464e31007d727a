/**
 * A second, smaller retrieval check on real policy text: the ABCD agent guidelines (Chen et al., NAACL 2021, MIT),
 * read from the shared datasets at bench time and never copied, one article per subflow (55), against one
 * customer question per subflow written for this project (abcd-questions.json), none of them tuned on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../config/index.js';
import { subflowSection, type AbcdSubflow } from '../../connectors/kb-import/abcd.js';
import type { ChunkFields } from '../../processors/retrieve/chunk-index.js';
import { singlePassageArticle, type FaqQuestion } from './faq-set.js';

export const DEFAULT_ABCD = path.resolve(repoRoot, '../shared/datasets/abcd/guidelines.json');
const QUESTIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'abcd-questions.json');

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const documentIdOf = (flow: string, subflow: string) => `abcd-${slug(flow)}-${slug(subflow)}`;

export interface AbcdSet {
  articles: ChunkFields[];
  questions: FaqQuestion[];
}

export function buildAbcdSet(file: string = DEFAULT_ABCD): AbcdSet {
  const guidelines = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    { subflows?: Record<string, AbcdSubflow> }
  >;
  const articles = Object.entries(guidelines).flatMap(([flow, content]) =>
    Object.entries(content.subflows ?? {}).map(([name, subflow]) =>
      singlePassageArticle(
        documentIdOf(flow, name),
        `${flow}: ${name}`,
        // The section's own heading is the title already.
        subflowSection(name, subflow).split('\n').slice(1).join('\n').trim(),
        slug(flow),
      ),
    ),
  );
  const written = JSON.parse(readFileSync(QUESTIONS, 'utf8')) as Array<[string, string, string]>;
  const known = new Set(articles.map((a) => a.documentId));
  const questions = written.map(([flow, subflow, text]) => {
    const documentId = documentIdOf(flow, subflow);
    if (!known.has(documentId))
      throw new Error(`abcd-questions.json names ${flow} > ${subflow}, not in the guidelines`);
    return { text, documentId };
  });
  return { articles, questions };
}

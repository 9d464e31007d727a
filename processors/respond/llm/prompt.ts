/**
 * What a model is shown for a draft. Passages and the question are data, never instructions: each sits between
 * markers the model is told about, and any marker-like text inside them is defused first, so a customer message
 * or an article saying "ignore previous instructions" stays text to answer from, not a new prompt.
 */
import type { Passage } from '../../../schemas/index.js';
import { baseLanguage } from '../../retrieve/terms.js';
import type { DraftRequest } from '../generator.js';

/** Bumped whenever the instructions or the layout below change, so drafts can be compared per prompt. */
export const PROMPT_VERSION = 'grounded-prompt@1';

/** Most passages shown: the retrieved ones are best first, and a small model's context is short. */
export const MAX_PROMPT_PASSAGES = 4;
/** Characters of a passage shown; a chunk is a few sentences, so this only cuts pathological ones. */
const MAX_PASSAGE_CHARS = 1200;
const MAX_QUESTION_CHARS = 1500;

const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  en: 'English',
  es: 'Spanish',
  fr: 'French',
  de: 'German',
  pt: 'Portuguese',
  it: 'Italian',
  nl: 'Dutch',
};

export function languageName(language: string): string {
  return LANGUAGE_NAMES[baseLanguage(language)] ?? 'English';
}

/** A passage as the model sees it: a short id of the prompt's own (P1, P2…) that its citations name. */
export interface PromptPassage {
  id: string;
  passage: Passage;
  title: string;
  text: string;
}

export interface DraftPrompt {
  language: string;
  languageName: string;
  question: string;
  passages: PromptPassage[];
}

/**
 * Marker-like text in data is broken up: `<<<`/`>>>` delimit data blocks, and `[P1]`-style tags are the citation
 * syntax of the line format; a passage must not be able to open a block or cite on the model's behalf.
 */
export function defused(text: string): string {
  return (
    text
      .replace(/<{3,}|>{3,}/g, (m) => m.split('').join(' '))
      .replace(/\[(P\d+)\]/gi, '($1)')
      // Control characters could hide text from a reader of the prompt; none belongs in a support message.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, ' ')
  );
}

export function draftPrompt(request: DraftRequest): DraftPrompt {
  const passages = request.passages.slice(0, MAX_PROMPT_PASSAGES).map((passage, i) => ({
    id: `P${i + 1}`,
    passage,
    title: defused(passage.title).slice(0, 200),
    text: defused(passage.text).slice(0, MAX_PASSAGE_CHARS),
  }));
  return {
    language: baseLanguage(request.language),
    languageName: languageName(request.language),
    question: defused(request.question).slice(0, MAX_QUESTION_CHARS),
    passages,
  };
}

/** The passages as one data block, each headed by its id. */
export function passageBlock(prompt: DraftPrompt): string {
  return prompt.passages.map((p) => `[${p.id}] ${p.title}: ${p.text.replace(/\s+/g, ' ')}`).join('\n');
}

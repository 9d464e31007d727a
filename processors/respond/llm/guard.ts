/**
 * The grounding guard: a model's answer becomes a draft only if every sentence cites passages that were
 * retrieved and says nothing those passages do not hold. What it checks, cheaply and without a second model:
 * - every sentence cites at least one passage, and only ids the prompt showed;
 * - every number, amount, URL and e-mail address in a sentence appears in the passages it cites (these are the
 *   facts a wrong answer costs most on: a refund of 50 instead of 5, a made-up link);
 * - most of a sentence's content words appear in its cited passages (a paraphrase keeps the nouns);
 * - no sentence repeats instruction-like text ("ignore previous instructions"), which would mean injected text
 *   steered the model.
 * Anything else is the next tier's job; the extractive tier quotes, so it needs no guard.
 */
import type { Citation, Draft, RetrievalMethod } from '../../../schemas/index.js';
import { contentTerms } from '../../retrieve/terms.js';
import { citationOf, DEFAULT_EXTRACTIVE_OPTIONS, retrievalStrength } from '../extractive.js';
import { templatesFor, wrapReply } from '../templates.js';
import type { ModelAnswer } from './answer.js';
import type { DraftPrompt, PromptPassage } from './prompt.js';

export interface GuardOptions {
  /** Share of a sentence's content words its cited passages must contain. */
  minTermSupport: number;
}

export const DEFAULT_GUARD_OPTIONS: GuardOptions = { minTermSupport: 0.6 };

export type GuardVerdict =
  { ok: true; support: number } | { ok: false; outcome: 'REFUSED' | 'MALFORMED' | 'UNGROUNDED'; reason: string };

const URL_OR_EMAIL = /\b(?:https?:\/\/[^\s)\]]+|www\.[^\s)\]]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/gi;
const NUMBER = /\d+(?:[.,]\d+)*/g;
const INSTRUCTION_LIKE =
  /\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompt|rules)\b|\bsystem prompt\b|\binstrucciones (?:anteriores|previas)\b/i;
const REFUSAL_LIKE =
  /^(?:i(?:'m| am) sorry|sorry, i|i can(?:no|')t (?:help|answer|assist)|as an ai\b|lo siento, no puedo|no puedo (?:ayudar|responder))/i;

/** Digits only, so 1,000 and 1000 (or 10,00 € and 10.00) compare equal. */
const digitsOf = (n: string) => n.replace(/[.,]/g, '');
const trimUrl = (u: string) => u.toLowerCase().replace(/[.,;:!?]+$/, '');

function factsOf(text: string): { numbers: string[]; links: string[] } {
  const links = [...text.matchAll(URL_OR_EMAIL)].map((m) => trimUrl(m[0]));
  const withoutLinks = text.replace(URL_OR_EMAIL, ' ');
  return { numbers: [...withoutLinks.matchAll(NUMBER)].map((m) => digitsOf(m[0])), links };
}

export function checkAnswer(
  answer: Pick<ModelAnswer, 'sentences' | 'refused'>,
  prompt: DraftPrompt,
  options: GuardOptions = DEFAULT_GUARD_OPTIONS,
): GuardVerdict {
  if (answer.refused) return { ok: false, outcome: 'REFUSED', reason: 'the model said the passages do not answer' };
  if (answer.sentences.length === 0) return { ok: false, outcome: 'MALFORMED', reason: 'no sentence' };
  const byId = new Map(prompt.passages.map((p) => [p.id, p]));
  let support = 1;
  for (const [i, sentence] of answer.sentences.entries()) {
    const where = `sentence ${i + 1}`;
    if (sentence.text === '') return { ok: false, outcome: 'MALFORMED', reason: `${where} is empty` };
    if (REFUSAL_LIKE.test(sentence.text)) {
      return { ok: false, outcome: 'REFUSED', reason: `${where} declines: ${sentence.text.slice(0, 60)}` };
    }
    if (sentence.citations.length === 0) return ungrounded(`${where} cites nothing`);
    const cited: PromptPassage[] = [];
    for (const id of sentence.citations) {
      const passage = byId.get(id);
      if (!passage) return ungrounded(`${where} cites ${id}, which was not retrieved`);
      cited.push(passage);
    }
    if (INSTRUCTION_LIKE.test(sentence.text)) return ungrounded(`${where} repeats instruction-like text`);
    const source = cited.map((p) => `${p.title}\n${p.text}`).join('\n');
    const known = factsOf(source);
    const { numbers, links } = factsOf(sentence.text);
    const number = numbers.find((n) => !known.numbers.includes(n));
    if (number !== undefined) return ungrounded(`${where} states ${number}, which its passages do not`);
    const link = links.find((l) => !known.links.some((k) => k.startsWith(l) || l.startsWith(k)));
    if (link !== undefined) return ungrounded(`${where} gives ${link}, which its passages do not`);
    const terms = new Set(contentTerms(sentence.text, prompt.language));
    if (terms.size > 0) {
      const sourceTerms = new Set(contentTerms(source, prompt.language));
      const share = [...terms].filter((t) => sourceTerms.has(t)).length / terms.size;
      if (share < options.minTermSupport) {
        return ungrounded(`${where}: ${Math.round(share * 100)}% of its words are in its passages`);
      }
      support = Math.min(support, share);
    }
  }
  return { ok: true, support };
}

function ungrounded(reason: string): GuardVerdict {
  return { ok: false, outcome: 'UNGROUNDED', reason };
}

/**
 * The draft of a guarded answer: the sentences between the fixed greeting and closing, citing each passage in
 * order of first use. Confidence is the weakest sentence's word support times retrieval strength (as the
 * extractive generator reads it), so a well-supported answer from weak passages still stays below auto-reply.
 */
export function draftFromAnswer(
  answer: Pick<ModelAnswer, 'sentences'>,
  prompt: DraftPrompt,
  support: number,
  generator: { model: string; version: string },
  method: RetrievalMethod = 'LEXICAL',
): Draft {
  const { language, templates } = templatesFor(prompt.language);
  const byId = new Map(prompt.passages.map((p) => [p.id, p]));
  const citations: Citation[] = [];
  const seen = new Set<string>();
  for (const id of answer.sentences.flatMap((s) => s.citations)) {
    const passage = byId.get(id)!.passage;
    if (seen.has(passage.chunkId)) continue;
    seen.add(passage.chunkId);
    citations.push(citationOf(passage));
  }
  const topScore = Math.max(...prompt.passages.map((p) => p.passage.score));
  const strength = retrievalStrength(topScore, method, DEFAULT_EXTRACTIVE_OPTIONS);
  const body = answer.sentences.map((s) => s.text).join(' ');
  return {
    text: wrapReply(templates, body),
    language,
    citations,
    confidence: Math.round(support * (0.5 + 0.5 * strength) * 1000) / 1000,
    holding: false,
    generator: { kind: 'LLM', model: generator.model, version: generator.version },
    attempts: [],
  };
}

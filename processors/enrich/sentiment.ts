/**
 * Sentiment of a customer's message in [-1, 1] with a label, from a lexicon per language
 * (sentiment/lexicon.ts) with the rules that matter most in short messages, after VADER (Hutto and Gilbert,
 * 2014): negation flips and weakens the first sentiment word it reaches within three words ("not happy"),
 * boosters and dampeners scale the next one ("very slow", "a bit slow"), a contrast makes what follows it
 * weigh more than what came before ("thanks, but it is still broken"), capitals and exclamation marks add
 * emphasis. The sum is squashed into [-1, 1] the way VADER does, so one strong word reads about -0.6 and more
 * words push toward the ends.
 *
 * Languages without a lexicon get UNKNOWN rather than a score read with another language's words.
 */
import type { Sentiment, SentimentLabel } from '../../schemas/index.js';
import { LEXICONS, type Lexicon } from './sentiment/lexicon.js';
import { sentencesOf, type Token } from './sentiment/tokens.js';

export const SENTIMENT_LANGUAGES: readonly string[] = Object.keys(LEXICONS);

const NEGATION_SCALE = -0.74;
const NEGATION_REACH = 3;
const BOOST = 1.3;
const DAMPEN = 0.7;
const BEFORE_CONTRAST = 0.5;
const AFTER_CONTRAST = 1.5;
const EXCLAMATION_EMPHASIS = 0.292;
const MAX_EXCLAMATIONS = 4;
/** VADER's normalisation constant: the raw sum at which the score reaches about ±0.5 is √15 / √3 ≈ 2.2. */
const ALPHA = 15;
const MAX_PHRASE_WORDS = 4;
/** Scores within this of 0 are NEUTRAL. */
const NEUTRAL_BAND = 0.2;
/** Positive and negative parts each at least this large, and the smaller at least half the larger, are MIXED. */
const MIXED_MIN_PART = 1.5;
const MIXED_MIN_RATIO = 0.5;

export function scoreSentiment(text: string, language: string): Sentiment {
  const lexicon = LEXICONS[language];
  if (!lexicon) return { score: 0, label: 'UNKNOWN' };
  const contributions = sentencesOf(text).flatMap((tokens) => scoreSentence(tokens, lexicon));
  let sum = contributions.reduce((a, b) => a + b, 0);
  const positive = contributions.filter((c) => c > 0).reduce((a, b) => a + b, 0);
  const negative = -contributions.filter((c) => c < 0).reduce((a, b) => a + b, 0);
  if (sum !== 0) {
    const exclamations = Math.min(MAX_EXCLAMATIONS, (text.match(/!/g) ?? []).length);
    sum += Math.sign(sum) * exclamations * EXCLAMATION_EMPHASIS;
  }
  const score = round(sum / Math.sqrt(sum * sum + ALPHA));
  return { score, label: labelOf(score, positive, negative) };
}

function labelOf(score: number, positive: number, negative: number): SentimentLabel {
  const smaller = Math.min(positive, negative);
  if (smaller >= MIXED_MIN_PART && smaller >= MIXED_MIN_RATIO * Math.max(positive, negative)) return 'MIXED';
  if (score >= NEUTRAL_BAND) return 'POSITIVE';
  if (score <= -NEUTRAL_BAND) return 'NEGATIVE';
  return 'NEUTRAL';
}

/** The weighted valence of each sentiment word or phrase of one sentence. */
function scoreSentence(tokens: readonly Token[], lexicon: Lexicon): number[] {
  const words = tokens.map((t) => t.word);
  const consumed = new Set<number>();
  const usedNegators = new Set<number>();
  const found: Array<{ index: number; value: number }> = [];
  let i = 0;
  while (i < words.length) {
    const match = longestPhrase(words, i, lexicon);
    if (!match) {
      i++;
      continue;
    }
    let value = match.valence;
    const before = (k: number) => (i - k >= 0 && !consumed.has(i - k) ? words[i - k] : undefined);
    if (lexicon.boosters.includes(before(1) ?? '') || lexicon.boosters.includes(before(2) ?? '')) value *= BOOST;
    else if (lexicon.dampeners.includes(before(1) ?? '') || lexicon.dampeners.includes(before(2) ?? ''))
      value *= DAMPEN;
    const negator = findNegator(words, i, lexicon, consumed, usedNegators);
    if (negator !== undefined) {
      usedNegators.add(negator);
      const boosted = words.slice(negator + 1, i).some((w) => lexicon.boosters.includes(w));
      value *= lexicon.neverSo.includes(words[negator]!) && boosted ? BOOST : NEGATION_SCALE;
    }
    if (tokens.slice(i, i + match.length).some((t) => t.shouted)) value *= BOOST;
    found.push({ index: i, value });
    for (let k = i; k < i + match.length; k++) consumed.add(k);
    i += match.length;
  }
  const contrast = lastIndexWhere(words, (w) => lexicon.contrasts.includes(w));
  if (contrast < 0) return found.map((f) => f.value);
  return found.map((f) => f.value * (f.index < contrast ? BEFORE_CONTRAST : AFTER_CONTRAST));
}

function longestPhrase(words: readonly string[], start: number, lexicon: Lexicon) {
  for (let length = Math.min(MAX_PHRASE_WORDS, words.length - start); length >= 1; length--) {
    const valence = lexicon.valences[words.slice(start, start + length).join(' ')];
    if (valence !== undefined) return { valence, length };
  }
  return undefined;
}

/** The nearest negator within reach that no phrase took and no earlier word used. */
function findNegator(
  words: readonly string[],
  at: number,
  lexicon: Lexicon,
  consumed: ReadonlySet<number>,
  used: ReadonlySet<number>,
): number | undefined {
  for (let k = at - 1; k >= Math.max(0, at - NEGATION_REACH); k--) {
    if (consumed.has(k)) return undefined;
    if (!used.has(k) && lexicon.negators.includes(words[k]!)) return k;
  }
  return undefined;
}

function lastIndexWhere(words: readonly string[], predicate: (word: string) => boolean): number {
  for (let k = words.length - 1; k >= 0; k--) if (predicate(words[k]!)) return k;
  return -1;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

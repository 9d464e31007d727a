import { MARKER_LETTERS, STOPWORDS } from './stopwords.js';

export interface LatinGuess {
  readonly language: string;
  readonly confidence: number;
}

const WORDS_OF = new Map(Object.entries(STOPWORDS).map(([language, words]) => [language, new Set(words)]));
const MARKER_WEIGHT = 0.5;
/** The share of a text's words that are function words of its language, in ordinary prose. */
const TYPICAL_COVERAGE = 0.35;
/** How much each point of lead over the runner-up multiplies the odds of the best language being right. */
const ODDS_PER_POINT = 3;

/**
 * Scores each language by the function words and marker letters it has in the text. Confidence combines the
 * odds the lead over the runner-up gives (a tie is a coin toss, 0.5) with how much of the text the best
 * language explains: a text where few words are function words of any of these is probably in another one.
 */
export function guessLatin(words: readonly string[], text: string): LatinGuess | undefined {
  const wordHits = new Map<string, number>();
  for (const word of words) {
    for (const [language, set] of WORDS_OF)
      if (set.has(word)) wordHits.set(language, (wordHits.get(language) ?? 0) + 1);
  }
  const scores = new Map(wordHits);
  for (const char of text.toLowerCase()) {
    for (const language of MARKER_LETTERS[char] ?? [])
      scores.set(language, (scores.get(language) ?? 0) + MARKER_WEIGHT);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best) return undefined;
  const lead = best[1] - (second?.[1] ?? 0);
  const odds = 1 - 1 / (1 + ODDS_PER_POINT ** lead);
  // Marker letters point to a language but are not words of it: a Finnish text is full of ä.
  const coverage = Math.min(1, (wordHits.get(best[0]) ?? 0) / words.length / TYPICAL_COVERAGE);
  return { language: best[0], confidence: round(odds * coverage) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

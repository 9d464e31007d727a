/** One sentence's words, lower-cased, with whether each was written in capitals for emphasis. */
export interface Token {
  readonly word: string;
  readonly shouted: boolean;
}

const SENTENCE_END = /[.!?;\n]+/;
const WORD = /[\p{L}\p{N}']+/gu;

/**
 * Splits text into sentences of words. English "n't" becomes "not" so that it negates like the full form, and
 * elisions are split off ("n'est" → n, est; "l'appli" → l, appli) so the word after them is found in the
 * lexicon. A word counts as shouted when it is in capitals and the text as a whole is not.
 */
export function sentencesOf(text: string): Token[][] {
  const normalised = text.replace(/[\u2018\u2019\u02BC]/g, "'");
  const allCaps = normalised === normalised.toUpperCase();
  return normalised
    .split(SENTENCE_END)
    .map((sentence) => (sentence.match(WORD) ?? []).flatMap((raw) => wordsOf(raw, allCaps)))
    .filter((tokens) => tokens.length > 0);
}

function wordsOf(raw: string, allCaps: boolean): Token[] {
  const shouted = !allCaps && raw.length >= 3 && raw === raw.toUpperCase() && raw !== raw.toLowerCase();
  const lower = raw.toLowerCase();
  const parts = lower === 'cannot' ? ['can', 'not'] : lower.endsWith("n't") ? [lower.slice(0, -3), 'not'] : [lower];
  return parts
    .flatMap((part) => part.split("'"))
    .filter((word) => word !== '')
    .map((word) => ({ word, shouted }));
}

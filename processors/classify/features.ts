/**
 * Text to terms: the one definition shared by training and inference, so that a model never sees at serving
 * time a term spelled differently from the one it learned.
 *
 * Word uni/bigrams carry the phrasing of an intent ("top up", "exchange rate"); character n-grams inside
 * word boundaries make the model robust to the typos, inflections and run-together words of real tickets.
 */

export interface FeatureConfig {
  /** Word n-grams of orders 1..wordMaxN. */
  readonly wordMaxN: number;
  /** Character n-grams of orders charMinN..charMaxN, taken inside each space-padded word. */
  readonly charMinN: number;
  readonly charMaxN: number;
  /** Map every digit to 0, so that "2 weeks" and "3 weeks" share their terms. */
  readonly collapseDigits: boolean;
}

const TOKEN = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*|[$£€¥]/gu;

export function normalizeText(text: string, config: FeatureConfig): string {
  let out = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'");
  if (config.collapseDigits) out = out.replace(/\p{Nd}/gu, '0');
  return out;
}

export function tokenize(text: string, config: FeatureConfig): string[] {
  return normalizeText(text, config).match(TOKEN) ?? [];
}

/** Calls `emit` once per occurrence of each term; repeated terms are emitted repeatedly (term frequency). */
export function forEachTerm(text: string, config: FeatureConfig, emit: (term: string) => void): void {
  const tokens = tokenize(text, config);
  for (let n = 1; n <= config.wordMaxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      emit(n === 1 ? `w:${tokens[i]}` : `w:${tokens.slice(i, i + n).join(' ')}`);
    }
  }
  for (const token of tokens) {
    const padded = ` ${token} `;
    for (let n = config.charMinN; n <= config.charMaxN; n++) {
      for (let i = 0; i + n <= padded.length; i++) emit(`c:${padded.slice(i, i + n)}`);
    }
  }
}

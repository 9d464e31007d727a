/**
 * Languages told by their writing system alone. A script used by one language settles the question; a script
 * shared by several names its most used language, with less confidence, and a letter only one of them has
 * (Ukrainian і, Persian پ) overrides that.
 */
export interface ScriptGuess {
  readonly language: string;
  readonly confidence: number;
}

interface ScriptRule {
  readonly script: RegExp;
  readonly language: string;
  readonly confidence: number;
  readonly variants?: ReadonlyArray<{ readonly letters: RegExp; readonly language: string }>;
}

const RULES: readonly ScriptRule[] = [
  // Kana before Han: Japanese writes both, Chinese never writes kana.
  { script: /[\p{Script=Hiragana}\p{Script=Katakana}]/gu, language: 'ja', confidence: 0.95 },
  { script: /\p{Script=Hangul}/gu, language: 'ko', confidence: 0.95 },
  { script: /\p{Script=Han}/gu, language: 'zh', confidence: 0.8 },
  { script: /\p{Script=Greek}/gu, language: 'el', confidence: 0.95 },
  { script: /\p{Script=Hebrew}/gu, language: 'he', confidence: 0.9 },
  { script: /\p{Script=Thai}/gu, language: 'th', confidence: 0.95 },
  { script: /\p{Script=Devanagari}/gu, language: 'hi', confidence: 0.7 },
  {
    script: /\p{Script=Cyrillic}/gu,
    language: 'ru',
    confidence: 0.7,
    variants: [
      { letters: /ў/iu, language: 'be' },
      { letters: /[ієїґ]/iu, language: 'uk' },
    ],
  },
  {
    script: /\p{Script=Arabic}/gu,
    language: 'ar',
    confidence: 0.7,
    variants: [
      { letters: /[ٹڈڑںےھ]/u, language: 'ur' },
      { letters: /[پچژگکی]/u, language: 'fa' },
    ],
  },
];

/** The language of the script most of the letters are in, when it is not Latin; undefined otherwise. */
export function guessFromScript(text: string, minLetters: number): ScriptGuess | undefined {
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  if (letters === 0) return undefined;
  const kana = (text.match(RULES[0]!.script) ?? []).length;
  for (const rule of RULES) {
    let count = (text.match(rule.script) ?? []).length;
    // Japanese text is mostly Han with some kana; count both toward Japanese once kana appear at all.
    if (rule.language === 'ja' && kana > 0) count += (text.match(/\p{Script=Han}/gu) ?? []).length;
    if (count < minLetters || count * 2 < letters) continue;
    const variant = rule.variants?.find((v) => v.letters.test(text));
    return variant
      ? { language: variant.language, confidence: rule.confidence }
      : { language: rule.language, confidence: rule.confidence };
  }
  return undefined;
}

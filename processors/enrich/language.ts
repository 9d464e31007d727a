/**
 * The language of a message, as an ISO 639-1 code with a confidence. Non-Latin scripts are told by their
 * script; Latin-script text by its function words (language/stopwords.ts), which covers en, fr, de, es, it,
 * pt, nl, sv and pl. Below a few words there is not enough text to tell, and the locale the channel reported
 * is the better guess; it is also preferred over a weak detection it contradicts.
 */
import { guessLatin } from './language/latin.js';
import { guessFromScript } from './language/script.js';

export interface DetectedLanguage {
  /** ISO 639-1, or `und` when neither the text nor the hint tells. */
  readonly language: string;
  /** From 0 to 1. */
  readonly confidence: number;
}

export const UNDETERMINED: DetectedLanguage = { language: 'und', confidence: 0 };

/** Fewer words than this is a greeting or a fragment, not evidence. */
const MIN_WORDS = 3;
/** The same for scripts without spaces between words, counted in letters. */
const MIN_SCRIPT_LETTERS = 4;
/** Below this a detection is a guess, and the channel's locale is taken instead when there is one. */
const MIN_CONFIDENCE = 0.6;
/** Without a hint, a weak detection is still reported down to this; below it the language is undetermined. */
const MIN_GUESS_CONFIDENCE = 0.3;
/** What a channel-reported locale is worth on its own: a setting, often the browser's, not the text's. */
const HINT_CONFIDENCE = 0.5;

/** Placeholders left by redaction, links and addresses say nothing about the language. */
const NOISE = /\[[A-Z_]+\]|\b(?:https?:\/\/|www\.)\S+/g;

export function detectLanguage(text: string, localeHint: string | null): DetectedLanguage {
  const hint = hintLanguage(localeHint);
  const detected = detect(text.replace(NOISE, ' '));
  if (!detected) return hint ? { language: hint, confidence: HINT_CONFIDENCE } : UNDETERMINED;
  if (hint === detected.language) {
    // Two independent signals agreeing.
    return { language: hint, confidence: round(1 - (1 - detected.confidence) * (1 - HINT_CONFIDENCE)) };
  }
  if (detected.confidence >= MIN_CONFIDENCE) return detected;
  if (hint) return { language: hint, confidence: HINT_CONFIDENCE };
  return detected.confidence >= MIN_GUESS_CONFIDENCE ? detected : UNDETERMINED;
}

function detect(text: string): DetectedLanguage | undefined {
  const script = guessFromScript(text, MIN_SCRIPT_LETTERS);
  if (script) return script;
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (words.length < MIN_WORDS) return undefined;
  return guessLatin(words, text);
}

/** The primary language subtag of a BCP 47 tag (pt-BR → pt), or undefined when there is none. */
export function hintLanguage(localeHint: string | null): string | undefined {
  const primary = localeHint?.trim().split(/[-_]/)[0]?.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) && primary !== 'und' ? primary : undefined;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

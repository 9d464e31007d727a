import { luhnValid } from './checksums.js';
import { digitsOf, groupsOf, leftmostLongest, type Finding, type Span } from './spans.js';

/** ISO/IEC 7812 card numbers are 13 to 19 digits; shorter or longer runs are something else. */
const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/**
 * Digit groups joined by single spaces or hyphens. Not after a letter (part of an id), `+` (an international
 * phone number), or `.`, `,`, `/` (decimals, versions, paths).
 */
const RUN = /(?<![\p{L}\p{N}+.,/-])\d+(?:[ -]\d+)*/gu;
const GROUP = /\d+/g;
/** 1 234 567 890 123: an amount with thousands separators, never how a card is written. */
const THOUSANDS = /^\d{1,3}(?: \d{3})+$/;

/** Card numbers whose Luhn check digit is right; a number that fails it stays. */
export function findCards(text: string): Finding[] {
  const found: Finding[] = [];
  for (const run of text.matchAll(RUN)) {
    const groups = groupsOf(text, run.index, run.index + run[0].length, GROUP);
    // A last group glued to a word or followed by decimals is not a whole number.
    const after = text.slice(run.index + run[0].length, run.index + run[0].length + 2);
    if (/^(?:\p{L}|[.,]\d)/u.test(after)) groups.pop();
    const spans = leftmostLongest(
      groups,
      (group) => group.end - group.start,
      MAX_DIGITS,
      (span, digits) => digits >= MIN_DIGITS && isCardNumber(text, span),
    );
    found.push(...spans.map((span) => ({ ...span, redact: true })));
  }
  return found;
}

function isCardNumber(text: string, span: Span): boolean {
  const written = text.slice(span.start, span.end);
  const digits = digitsOf(written);
  return (
    // Cards are printed in groups of two digits or more; a lone digit belongs to a list of numbers.
    !/(?:^|[ -])\d(?:[ -]|$)/.test(written) &&
    // No card network issues numbers starting with 0 (ISO/IEC 7812 industry 0 is reserved).
    digits[0] !== '0' &&
    !THOUSANDS.test(written) &&
    luhnValid(digits)
  );
}

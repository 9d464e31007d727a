import { ibanChecksumValid } from './checksums.js';
import type { Finding } from './spans.js';

/**
 * IBAN length per country, from the SWIFT IBAN registry. Knowing the length is what finds where an IBAN ends
 * in running text ("DE89 3704 0044 0532 0130 00 and ..."), since it is printed in groups of four whose last
 * one is shorter.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31,
  MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
  SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
}; // prettier-ignore

/** Bounds of any IBAN, for countries missing from the table (the registry grows). */
const MIN_LENGTH = 15;
const MAX_LENGTH = 34;

/** Where an IBAN may start: a country code and two check digits, not glued to a preceding word. */
const START = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}/gu;
const ALNUM = /[A-Za-z0-9]/;

/**
 * IBANs written compactly or in groups separated by single spaces, in either case. One whose length fits its
 * country but whose check digits are wrong is reported with `redact: false`, so it stays whole rather than
 * having its digit groups taken for a phone number.
 */
export function findIbans(text: string): Finding[] {
  const found: Finding[] = [];
  let resumeAt = 0;
  for (const match of text.matchAll(START)) {
    if (match.index < resumeAt) continue;
    const country = match[0].slice(0, 2).toUpperCase();
    const expected = IBAN_LENGTHS[country];
    const ends = groupEnds(text, match.index);
    const candidates = ends.filter(({ length }) =>
      expected === undefined ? length >= MIN_LENGTH && length <= MAX_LENGTH : length === expected,
    );
    // Longest first: with the table there is one candidate; without it, the longest valid one is the IBAN.
    const valid = candidates.reverse().find(({ compact }) => ibanChecksumValid(compact));
    if (valid) {
      found.push({ start: match.index, end: valid.end, redact: true });
      resumeAt = valid.end;
    } else if (expected !== undefined && candidates.length > 0) {
      found.push({ start: match.index, end: candidates[0]!.end, redact: false });
      resumeAt = candidates[0]!.end;
    }
  }
  return found;
}

/** Each point from `start` where a group of letters and digits ends, with the compact text up to it. */
function groupEnds(text: string, start: number): Array<{ end: number; length: number; compact: string }> {
  const ends: Array<{ end: number; length: number; compact: string }> = [];
  let compact = '';
  let i = start;
  while (i < text.length && compact.length <= MAX_LENGTH) {
    const char = text[i]!;
    if (ALNUM.test(char)) {
      compact += char.toUpperCase();
      i++;
      continue;
    }
    ends.push({ end: i, length: compact.length, compact });
    // One space may separate groups; anything else ends the IBAN.
    if (char !== ' ' || !ALNUM.test(text[i + 1] ?? '')) break;
    i++;
  }
  if (i === text.length && compact.length <= MAX_LENGTH) ends.push({ end: i, length: compact.length, compact });
  return ends;
}

import { digitsOf, groupsOf, leftmostLongest, type Finding, type Span } from './spans.js';

/**
 * Phone numbers in international form (+33 6 12 34 56 78, 0044 20 7946 0958) and the national forms most
 * seen at a support desk: a trunk 0 (020 7946 0958, 06 12 34 56 78, 030/1234567), North American
 * ((415) 555-2671, 1-800-555-0199), and grouped numbers without a trunk prefix (612 34 56 78). The rules
 * lean on structure rather than on digit counts alone, because the numbers a support message is full of are
 * order numbers, dates, amounts and times, and redacting those would cost agents more than it protects:
 *
 * - at least 9 digits for national forms, which no date reaches (2025-01-15, 15.01.2025);
 * - not a number grouped in thousands (1 234 567), not followed by a currency;
 * - not right after an identifier cue (order, invoice, ref, #, Bestellnummer, commande ...) unless a phone cue
 *   (call, phone, mobile, Telefon, portable ...) came later, and any 7 to 15 digits after a phone cue.
 */

/** E.164 allows 15 digits; national forms have fewer than that but never fewer than 7 (with a cue). */
const MAX_DIGITS = 15;
const MIN_DIGITS = 7;

/** Digits with the punctuation numbers are written with; a single space or tab may separate groups. */
const RUN = /[+(]?\d(?:[\d()./-]|[ \t](?=[+(\d]))*/g;
const GROUP = /[^ \t]+/g;

const NANP = /^(?:1[ .-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[ .-]?[2-9]\d{2}[ .-]\d{4}$/;
const THOUSANDS = /^\d{1,3}(?:([ .,])\d{3})(?:\1\d{3})*$/;
/** A date with a four-digit year at the start: 2025-01-15 10..., 15.01.2025 10... */
const LEADING_DATE = /^(?:\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{4})(?!\d)/;
const CURRENCY_BEFORE = /(?:\p{Sc}|\b(?:EUR|USD|GBP|CHF|CAD|AUD|JPY))[ \t]?$/u;
const CURRENCY_AFTER = /^[ \t]?(?:\p{Sc}|(?:EUR|USD|GBP|CHF|CAD|AUD|JPY)\b)/u;

const PHONE_CUE =
  /(?:phone|\btel\b|\btél\b|mobile|\bcell|\bcall|\bring\b|\btext\b|\bsms\b|whatsapp|\bfax\b|my number|reach me|téléphone|portable|appele[rz]|joindre|mon numéro|telefon|\bhandy|mobil|rufnummer|anrufen|erreichbar|meine nummer|teléfono|telefono|móvil|movil|llám|llamar|mi número)/giu;
const ID_CUE =
  /(?:\border|\binvoice|\bref\b|\breference|\bticket|tracking|\bcase\b|booking|transaction|receipt|\baccount|\bacct|contract|\bserial|\bsku\b|\bid\b|\bno\.|\bnr\b|n[°º]|#|commande|facture|référence|dossier|bestell|rechnung|kunden|vertrag|auftrag|pedido|factura|referencia)/giu;
const CUE_WINDOW = 40;

export function findPhones(text: string): Finding[] {
  const cues = new Cues(text);
  const found: Finding[] = [];
  for (const run of text.matchAll(RUN)) {
    const start = run.index;
    const end = start + run[0].replace(/[^\d)]+$/, '').length;
    const amount =
      CURRENCY_BEFORE.test(text.slice(Math.max(0, start - 5), start)) || CURRENCY_AFTER.test(text.slice(end, end + 5));
    if (amount || gluedBefore(text, start)) continue;
    const groups = groupsOf(text, start, end, GROUP);
    if (/[\p{L}\p{N}]/u.test(text[end] ?? '')) groups.pop();
    const spans = leftmostLongest(
      groups,
      (group) => digitsOf(text.slice(group.start, group.end)).length,
      MAX_DIGITS + 2,
      (span, digits) => digits >= MIN_DIGITS && isPhoneNumber(text, span, cues),
    );
    found.push(...spans.map((span) => ({ ...span, redact: true })));
  }
  return found;
}

/** Part of a word, an id (#123, ABC-123), a path or a decimal (3.14), rather than a number of its own. */
function gluedBefore(text: string, index: number): boolean {
  const before = text[index - 1] ?? '';
  if (/[\p{L}\p{N}_@#/=+\-\p{Sc}]/u.test(before)) return true;
  return /[.,]/.test(before) && /\d/.test(text[index - 2] ?? '');
}

function isPhoneNumber(text: string, span: Span, cues: Cues): boolean {
  const written = text.slice(span.start, span.end);
  const digits = digitsOf(written);
  if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS + 2 || !balancedParentheses(written)) return false;
  const groups = written.split(/[ \t./()-]+/).filter((g) => g !== '');
  // A country code (+33 6 ...), a trunk (0 ...) or a leading 1 (1-800-...) may stand alone; more lone digits
  // make a list of small numbers (0 10 20 30 40), which has the digits but not the shape.
  if (groups.filter((g) => g.length === 1).length > 2) return false;
  if (/^\(?\+/.test(written)) return digits.length <= MAX_DIGITS && digits[0] !== '0';
  if (LEADING_DATE.test(written)) return false;
  const cue = cues.lastBefore(span.start);
  if (cue === 'id') return false;
  if (/^00[1-9]/.test(digits)) return digits.length - 2 >= MIN_DIGITS;
  if (digits.length > MAX_DIGITS) return false;
  if (cue === 'phone') return true;
  if (digits.length > 12 || THOUSANDS.test(written)) return false;
  if (groups.length > 5 || groups.slice(1).some((g) => g.length < 2)) return false;
  if (digits[0] === '0') return digits[1] !== '0' && digits.length >= 9;
  if (NANP.test(written)) return true;
  return groupedWithoutTrunk(written, groups, digits);
}

/** 612 34 56 78, 91 123 45 67: three or more groups of 2 to 4 digits with one kind of separator. */
function groupedWithoutTrunk(written: string, groups: string[], digits: string): boolean {
  const separators = new Set(written.match(/[^\d]/g) ?? []);
  return (
    digits.length >= 9 &&
    digits.length <= 11 &&
    groups.length >= 3 &&
    separators.size === 1 &&
    groups.every((g) => g.length >= 2 && g.length <= 4)
  );
}

function balancedParentheses(written: string): boolean {
  let depth = 0;
  for (const char of written) {
    if (char === '(') depth++;
    else if (char === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Where phone and identifier cues are in the text, found once rather than once per candidate. */
class Cues {
  private readonly phone: number[];
  private readonly id: number[];

  constructor(text: string) {
    this.phone = [...text.matchAll(PHONE_CUE)].map((m) => m.index);
    this.id = [...text.matchAll(ID_CUE)].map((m) => m.index);
  }

  /** Which kind of cue comes last in the window before `position`, if any. */
  lastBefore(position: number): 'phone' | 'id' | undefined {
    const from = position - CUE_WINDOW;
    const phone = lastBetween(this.phone, from, position);
    const id = lastBetween(this.id, from, position);
    if (phone < 0 && id < 0) return undefined;
    return phone > id ? 'phone' : 'id';
  }
}

/** The largest of the sorted `positions` in [from, to), or -1. */
function lastBetween(positions: readonly number[], from: number, to: number): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (positions[mid]! < to) low = mid + 1;
    else high = mid;
  }
  const last = positions[low - 1];
  return last !== undefined && last >= from ? last : -1;
}

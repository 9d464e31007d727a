/**
 * Redaction of the personal data that support messages carry most: email addresses, phone numbers, payment
 * card numbers and IBANs, each replaced by a typed placeholder ([EMAIL], [PHONE], [CARD], [IBAN]) so that
 * later stages still know what was there.
 *
 * Detectors run one after another on the text the previous ones left, most specific first: an email may hold
 * digits, an IBAN holds a run of digits a card or phone detector would take a piece of, and a card number is
 * long enough to pass for a phone number. Text a detector recognised but refused (an IBAN with wrong check
 * digits) is set aside until the end, so no later detector redacts a piece of it.
 */
import type { PiiKind } from '../../schemas/index.js';
import { findCards } from './pii/card.js';
import { findEmails } from './pii/email.js';
import { findIbans } from './pii/iban.js';
import { findPhones } from './pii/phone.js';
import type { Finding } from './pii/spans.js';

export interface Redaction {
  readonly text: string;
  /** Each kind found, once, in the order of PII_KINDS_FOUND. */
  readonly kinds: PiiKind[];
}

/** What a text holds that every detector needs some of, counted once per text. */
interface Shape {
  readonly digits: number;
  readonly at: boolean;
}

interface Detector {
  readonly kind: PiiKind;
  readonly placeholder: string;
  /**
   * False when the text cannot hold this kind at all. Most messages hold no email and too few digits for a card
   * or a phone number, and the detectors' patterns cost far more than this look.
   */
  possible(shape: Shape, text: string): boolean;
  find(text: string): Finding[];
}

const DETECTORS: readonly Detector[] = [
  { kind: 'EMAIL', placeholder: '[EMAIL]', possible: (s) => s.at, find: findEmails },
  // A country code and two check digits start every IBAN.
  {
    kind: 'IBAN',
    placeholder: '[IBAN]',
    possible: (s, t) => s.digits >= 2 && /[A-Za-z]{2}\d{2}/.test(t),
    find: findIbans,
  },
  { kind: 'PAYMENT_CARD', placeholder: '[CARD]', possible: (s) => s.digits >= 13, find: findCards },
  { kind: 'PHONE', placeholder: '[PHONE]', possible: (s) => s.digits >= 7, find: findPhones },
];

function shapeOf(text: string): Shape {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits += 1;
  }
  return { digits, at: text.includes('@') };
}

/** The order kinds are reported in: fixed, so equal texts give equal events. */
export const PII_KINDS_FOUND: readonly PiiKind[] = ['EMAIL', 'PHONE', 'PAYMENT_CARD', 'IBAN'];

/**
 * Private-use characters stand in for text set aside: they hold no letter, digit or punctuation any detector
 * looks for, and cannot come from a channel that sends plain text.
 */
const KEPT_MARK = '\uE000';
const KEPT_FIRST = 0xe100;
const KEPT_LAST = 0xf8ff;

export function redactPii(text: string): Redaction {
  const found = new Set<PiiKind>();
  const kept: string[] = [];
  // A text that already holds the mark could not be restored unambiguously; it goes without the protection.
  const canKeep = !text.includes(KEPT_MARK);
  let current = text;
  // Redaction only removes what the detectors look for, so the original's shape bounds every later text's.
  const shape = shapeOf(text);
  for (const detector of DETECTORS) {
    if (!detector.possible(shape, text)) continue;
    const findings = detector.find(current);
    if (findings.some((f) => f.redact)) found.add(detector.kind);
    current = replaceFindings(current, findings, (finding) => {
      if (finding.redact) return detector.placeholder;
      const original = current.slice(finding.start, finding.end);
      // Past the private-use range, refused text is simply not protected from later detectors.
      if (!canKeep || KEPT_FIRST + kept.length > KEPT_LAST) return original;
      kept.push(original);
      return KEPT_MARK + String.fromCharCode(KEPT_FIRST + kept.length - 1);
    });
  }
  if (kept.length > 0) {
    current = current.replace(
      /\uE000([\uE100-\uF8FF])/g,
      (_, index: string) => kept[index.charCodeAt(0) - KEPT_FIRST]!,
    );
  }
  return { text: current, kinds: PII_KINDS_FOUND.filter((kind) => found.has(kind)) };
}

/** The kinds found across several texts of one message (subject, body, file names), in PII_KINDS_FOUND order. */
export function kindsAcross(redactions: ReadonlyArray<Redaction | null>): PiiKind[] {
  const found = new Set(redactions.flatMap((r) => r?.kinds ?? []));
  return PII_KINDS_FOUND.filter((kind) => found.has(kind));
}

function replaceFindings(text: string, findings: Finding[], replacement: (finding: Finding) => string): string {
  if (findings.length === 0) return text;
  const ordered = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const finding of ordered) {
    if (finding.start < at) continue;
    out += text.slice(at, finding.start) + replacement(finding);
    at = finding.end;
  }
  return out + text.slice(at);
}

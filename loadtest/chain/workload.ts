/**
 * The benchmark's interactions, generated from a seed: which org, customer, channel and language each comes
 * from, what it is about (an intent, or nothing a bank handles), how long it is, and what personal data it
 * carries. Each interaction depends only on the seed, its phase and its index, so a run is reproducible and
 * a phase can be generated in any order.
 */
import { mulberry32, shuffle } from '../../processors/classify/prng.js';
import { INTENTS, OUT_OF_SCOPE, type IntentTemplates, type Language } from './intents.js';
import type { OrgProfile } from './orgs.js';
import {
  AMOUNT_FORMATS,
  COMPLAINTS,
  CONTEXT,
  FIRST_NAMES,
  GREETINGS,
  IBAN_FORMATS,
  LAST_NAMES,
  LOCALES,
  MERCHANTS,
  PHONE_FORMATS,
  PII_SENTENCES,
  SIGN_OFFS,
  SLOTS,
  type PiiKind,
} from './phrases.js';

export type Channel = 'CHAT' | 'EMAIL' | 'WEB_FORM' | 'SMS' | 'SOCIAL' | 'WEBHOOK';
export type Length = 'short' | 'medium' | 'long';

/** The body of `POST /v1/interactions`. */
export interface InteractionRequest {
  conversationId: string;
  channel: Channel;
  customer: { customerId: string };
  subject?: string;
  body: string;
  localeHint?: string;
  attachments?: Array<{ attachmentId: string; fileName: string; contentType: string; sizeBytes: number }>;
}

export interface BenchInteraction {
  /** Conversation id and correlation id: `<phase>-<index>`. */
  readonly id: string;
  readonly org: number;
  readonly language: Language;
  /** What it was written about; null when no bank intent fits. */
  readonly intent: string | null;
  readonly length: Length;
  readonly pii: readonly PiiKind[];
  readonly upset: boolean;
  readonly request: InteractionRequest;
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function weighted<T>(random: Random, entries: ReadonlyArray<readonly [T, number]>): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return entries.at(-1)![0];
}

/** FNV-1a, to derive one PRNG seed per interaction from the run's seed, the phase and the index. */
function hash(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    h ^= char.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const CHANNELS: ReadonlyArray<readonly [Channel, number]> = [
  ['CHAT', 0.5],
  ['EMAIL', 0.28],
  ['WEB_FORM', 0.1],
  ['SMS', 0.06],
  ['SOCIAL', 0.04],
  ['WEBHOOK', 0.02],
];

const LENGTHS: Readonly<Record<Channel, ReadonlyArray<readonly [Length, number]>>> = {
  CHAT: [
    ['short', 0.6],
    ['medium', 0.35],
    ['long', 0.05],
  ],
  EMAIL: [
    ['short', 0.15],
    ['medium', 0.45],
    ['long', 0.4],
  ],
  WEB_FORM: [
    ['short', 0.3],
    ['medium', 0.45],
    ['long', 0.25],
  ],
  SMS: [['short', 1]],
  SOCIAL: [
    ['short', 0.8],
    ['medium', 0.2],
  ],
  WEBHOOK: [
    ['short', 0.5],
    ['medium', 0.5],
  ],
};

/** Common problems are written about more often: weight 1/(rank+3)^0.8 in the order of intents.ts. */
const INTENT_WEIGHT = new Map(INTENTS.map((t, i) => [t, 1 / Math.pow(i + 3, 0.8)]));
const OUT_OF_SCOPE_SHARE = 0.04;
const UPSET_SHARE = 0.1;
const PII_SHARE = 0.25;

function luhnCardNumber(random: Random): string {
  const digits = [4, ...Array.from({ length: 14 }, () => Math.floor(random() * 10))];
  // The check digit makes the Luhn sum of all 16 a multiple of 10: the shape real card numbers have.
  const sum = digits
    .slice()
    .reverse()
    .reduce((acc, d, i) => acc + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  const all = [...digits, (10 - (sum % 10)) % 10].join('');
  return random() < 0.6 ? all.replace(/(\d{4})(?=\d)/g, '$1 ') : all;
}

/** An IBAN with correct check digits (ISO 13616: mod 97 of the rearranged number is 1). */
export function iban(random: Random, country: string, bbanPattern: string): string {
  const bban = bbanPattern.replace(/[xX]/g, (c) =>
    c === 'x' ? String(Math.floor(random() * 10)) : String.fromCharCode(65 + Math.floor(random() * 26)),
  );
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

function fill(template: string, random: Random, language: Language, person: { first: string; last: string }) {
  const slots = SLOTS[language];
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    switch (slot) {
      case 'amount': {
        const cents = random() < 0.6 ? `.${String(Math.floor(random() * 100)).padStart(2, '0')}` : '';
        const value = `${Math.floor(5 + Math.pow(random(), 2) * 2500)}${cents}`;
        return pick(random, AMOUNT_FORMATS[language])(value);
      }
      case 'merchant':
        return pick(random, MERCHANTS);
      case 'years':
        return String(2 + Math.floor(random() * 15));
      case 'email': {
        const local = `${person.first}.${person.last}`
          .normalize('NFD')
          .replace(/[^A-Za-z.]/g, '')
          .toLowerCase();
        return `${local}${Math.floor(random() * 100)}@${pick(random, ['example.com', 'example.org', 'example.net'])}`;
      }
      case 'phone':
        return pick(random, PHONE_FORMATS[language]).replace(/x/g, () => String(Math.floor(random() * 10)));
      case 'card':
        return luhnCardNumber(random);
      case 'iban': {
        const { country, bban } = IBAN_FORMATS[language];
        return iban(random, country, bban);
      }
      default: {
        const values = slots[slot] ?? SLOTS.en[slot];
        if (!values) throw new Error(`no values for slot {${slot}} in ${language}`);
        return pick(random, values);
      }
    }
  });
}

function intentFor(random: Random, language: Language): IntentTemplates | null {
  if (random() < OUT_OF_SCOPE_SHARE) return null;
  const written = INTENTS.filter((t) => t.texts[language]);
  return weighted(
    random,
    written.map((t) => [t, INTENT_WEIGHT.get(t)!] as const),
  );
}

export interface WorkloadOptions {
  readonly seed: number;
  readonly orgs: readonly OrgProfile[];
}

export class Workload {
  private readonly orgWeights: ReadonlyArray<readonly [number, number]>;

  constructor(private readonly options: WorkloadOptions) {
    this.orgWeights = options.orgs.map((o, i) => [i, o.share] as const);
  }

  /** The `index`th interaction of `phase`. */
  interaction(phase: string, index: number): BenchInteraction {
    const random = mulberry32(hash(this.options.seed, phase, index));
    const orgIndex = weighted(random, this.orgWeights);
    const org = this.options.orgs[orgIndex]!;
    const language = weighted(
      random,
      Object.entries(org.languages).map(([l, w]) => [l as Language, w] as const),
    );
    const channel = weighted(random, CHANNELS);
    const length = weighted(random, LENGTHS[channel]);
    const templates = intentFor(random, language);
    const person = { first: pick(random, FIRST_NAMES[language]), last: pick(random, LAST_NAMES[language]) };
    const text = (template: string) => fill(template, random, language, person);

    const outOfScope = OUT_OF_SCOPE[language] ?? OUT_OF_SCOPE.en;
    const core = text(templates ? pick(random, templates.texts[language]!) : pick(random, outOfScope));
    const upset = templates !== null && random() < UPSET_SHARE;
    const pii: PiiKind[] = [];
    if (random() < PII_SHARE) pii.push(pick(random, ['email', 'phone', 'card', 'iban'] as const));
    if (length === 'long' && random() < 0.3) pii.push('phone');
    const piiSentences = [...new Set(pii)].map((kind) => text(pick(random, PII_SENTENCES[language][kind])));

    const body = this.body({ random, text, language, length, channel, core, upset, piiSentences, person });
    const subjects = templates?.subjects[language] ?? templates?.subjects.en;
    const subject =
      channel === 'EMAIL' || (channel === 'WEB_FORM' && random() < 0.7)
        ? subjects
          ? `${random() < 0.1 ? 'Re: ' : ''}${upset && random() < 0.4 ? pick(random, subjects).toUpperCase() : pick(random, subjects)}`
          : pick(random, ['Question', 'Hello', 'Quick question'])
        : undefined;
    const localeHint =
      channel === 'CHAT' || channel === 'WEB_FORM' || channel === 'SOCIAL'
        ? random() < 0.8
          ? pick(random, LOCALES[language])
          : undefined
        : undefined;
    const unknown = random() < org.unknownSenders;
    // Zipf-like: a few customers write much more often than most.
    const customerId = unknown
      ? `visitor-${Math.floor(random() * 1_000_000)}`
      : `cust-${1 + Math.floor(Math.pow(random(), 2) * org.customers)}`;
    const attachments =
      channel === 'EMAIL' && random() < 0.08
        ? [
            {
              attachmentId: 'a1',
              ...pick(random, [
                { fileName: 'statement.pdf', contentType: 'application/pdf' },
                { fileName: 'screenshot.png', contentType: 'image/png' },
                { fileName: `receipt-${person.last.toLowerCase()}.jpg`, contentType: 'image/jpeg' },
              ]),
              sizeBytes: 20_000 + Math.floor(random() * 2_000_000),
            },
          ]
        : undefined;
    const id = `${phase}-${index}`;
    return {
      id,
      org: orgIndex,
      language,
      intent: templates?.intent ?? null,
      length,
      pii,
      upset,
      request: {
        conversationId: id,
        channel,
        customer: { customerId },
        ...(subject !== undefined ? { subject } : {}),
        body,
        ...(localeHint !== undefined ? { localeHint } : {}),
        ...(attachments ? { attachments } : {}),
      },
    };
  }

  private body(p: {
    random: Random;
    text: (template: string) => string;
    language: Language;
    length: Length;
    channel: Channel;
    core: string;
    upset: boolean;
    piiSentences: string[];
    person: { first: string; last: string };
  }): string {
    const { random, text, language } = p;
    const complaint = p.upset ? [pick(random, COMPLAINTS[language])] : [];
    // Drawn without replacement, so a long message never repeats itself.
    const pool = shuffle([...CONTEXT[language]], random);
    const context = (n: number) => pool.splice(0, n).map(text);
    if (p.length === 'short') {
      const line = [p.core, ...complaint, ...p.piiSentences].join(' ');
      // People type short messages carelessly: no capital, no final full stop.
      return p.channel === 'SMS' || (p.channel === 'CHAT' && random() < 0.3)
        ? line.charAt(0).toLowerCase() + line.slice(1).replace(/\.$/, '')
        : line;
    }
    const greeting = pick(random, GREETINGS[language]);
    const signOff = pick(random, SIGN_OFFS[language]);
    const name = random() < 0.5 ? p.person.first : `${p.person.first} ${p.person.last}`;
    if (p.length === 'medium') {
      return [greeting, [p.core, ...context(1), ...complaint, ...p.piiSentences].join(' '), `${signOff} ${name}`].join(
        '\n',
      );
    }
    const paragraphs = [
      [p.core, ...context(2)].join(' '),
      [...context(2 + Math.floor(random() * 2)), ...complaint].join(' '),
      ...(random() < 0.5 ? [context(2).join(' ')] : []),
      p.piiSentences.join(' '),
    ].filter((paragraph) => paragraph !== '');
    return [greeting, '', ...paragraphs.flatMap((paragraph) => [paragraph, '']), signOff, name].join('\n');
  }
}

/**
 * The benchmark's organizations: one hot org carrying a chosen share of the load and smaller ones sharing the
 * rest unevenly, each with its own languages, customers, SLA policies and routing settings, as tenants of a
 * support platform differ. Pure description; seed-orgs.ts writes it to the stores.
 */
import type { Language } from './intents.js';

export type Tier = 'FREE' | 'STANDARD' | 'PREMIUM' | 'ENTERPRISE';

export interface OrgProfile {
  /** Unique per run: `bench-<run>-<slug>`. */
  readonly id: string;
  readonly name: string;
  /** Share of all interactions, summing to 1 over the orgs. */
  readonly share: number;
  readonly hot: boolean;
  readonly languages: Readonly<Partial<Record<Language, number>>>;
  /** Customers in PostgreSQL: `cust-1` … `cust-<n>`. */
  readonly customers: number;
  /** Share of interactions from senders the org does not know. */
  readonly unknownSenders: number;
  readonly route: {
    readonly autoReplyIntents: readonly string[];
    readonly threshold?: number;
    readonly queueLanguages: readonly string[];
  };
}

interface Template extends Omit<OrgProfile, 'id' | 'share' | 'hot' | 'customers'> {
  readonly slug: string;
  /** Customers per 1 % of the load. */
  readonly customersPerPercent: number;
}

/** The hot org first; the others in decreasing order of load. */
const TEMPLATES: readonly Template[] = [
  {
    slug: 'northwind',
    name: 'Northwind Bank',
    languages: { en: 0.82, es: 0.1, fr: 0.04, de: 0.04 },
    customersPerPercent: 60,
    unknownSenders: 0.05,
    route: {
      autoReplyIntents: ['lost_or_stolen_card', 'passcode_forgotten', 'declined_card_payment', 'request_refund'],
      queueLanguages: ['en', 'es'],
    },
  },
  {
    slug: 'iberia',
    name: 'Iberia Pay',
    languages: { es: 0.6, en: 0.35, pt: 0.05 },
    customersPerPercent: 40,
    unknownSenders: 0.08,
    route: {
      autoReplyIntents: ['passcode_forgotten', 'card_arrival', 'activate_my_card'],
      threshold: 0.7,
      queueLanguages: ['es', 'en'],
    },
  },
  {
    slug: 'rhein',
    name: 'Rhein Direkt',
    languages: { en: 0.6, de: 0.35, fr: 0.05 },
    customersPerPercent: 40,
    unknownSenders: 0.04,
    route: { autoReplyIntents: [], queueLanguages: ['en', 'de'] },
  },
  {
    slug: 'lusitania',
    name: 'Lusitania Card',
    languages: { en: 0.6, pt: 0.3, es: 0.1 },
    customersPerPercent: 40,
    unknownSenders: 0.06,
    route: { autoReplyIntents: ['card_delivery_estimate', 'change_pin'], queueLanguages: ['en', 'pt', 'es'] },
  },
  {
    slug: 'contoso',
    name: 'Contoso Money',
    languages: { en: 0.9, it: 0.05, fr: 0.05 },
    customersPerPercent: 40,
    unknownSenders: 0.1,
    route: { autoReplyIntents: ['top_up_limits', 'exchange_rate', 'passcode_forgotten'], queueLanguages: ['en'] },
  },
  {
    slug: 'fabrikam',
    name: 'Fabrikam Credit',
    languages: { en: 0.75, es: 0.15, it: 0.1 },
    customersPerPercent: 40,
    unknownSenders: 0.05,
    route: { autoReplyIntents: ['Refund_not_showing_up', 'request_refund'], queueLanguages: ['en', 'es', 'it'] },
  },
];

export const MAX_ORGS = TEMPLATES.length;

/**
 * `count` orgs for run `runId`: the first is hot with `hotShare` of the load, the others share the rest with
 * weights 1, 1/2, 1/3…, so no two carry the same load.
 */
export function benchOrgs(runId: string, count: number, hotShare: number): OrgProfile[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_ORGS) {
    throw new Error(`orgs must be an integer from 1 to ${MAX_ORGS}, got ${count}`);
  }
  if (!(hotShare > 0 && hotShare <= 1) || (count === 1 && hotShare !== 1)) {
    throw new Error(`hot share must be in (0, 1], and 1 with a single org; got ${hotShare}`);
  }
  const rest = TEMPLATES.slice(1, count).map((_, i) => 1 / (i + 1));
  const restTotal = rest.reduce((a, b) => a + b, 0);
  return TEMPLATES.slice(0, count).map(({ slug, customersPerPercent, ...template }, i) => {
    const share = i === 0 ? hotShare : ((1 - hotShare) * rest[i - 1]!) / restTotal;
    return {
      ...template,
      id: `bench-${runId}-${slug}`,
      share,
      hot: i === 0 && count > 1,
      customers: Math.max(20, Math.round(share * 100 * customersPerPercent)),
    };
  });
}

/** A customer's tier and SLA policy, spread as a retail bank's are: most standard, a few enterprise. */
export function customerTier(index: number): { tier: Tier; plan: string | null; policy: string | null } {
  const bucket = (index * 37) % 100;
  if (bucket < 25) return { tier: 'FREE', plan: null, policy: null };
  if (bucket < 72) return { tier: 'STANDARD', plan: 'basic', policy: null };
  if (bucket < 93) return { tier: 'PREMIUM', plan: 'plus-monthly', policy: 'premium' };
  return { tier: 'ENTERPRISE', plan: 'business-annual', policy: 'enterprise' };
}

/** First-response minutes per priority P1..P4; the first is each org's default. */
export const SLA_POLICIES = [
  { id: 'standard', name: 'Standard', minutes: [60, 240, 480, 1440], isDefault: true },
  { id: 'premium', name: 'Premium', minutes: [15, 60, 240, 480], isDefault: false },
  { id: 'enterprise', name: 'Enterprise', minutes: [5, 30, 120, 240], isDefault: false },
] as const;

/**
 * Ticket priority, P1 (drop everything) to P4 (answer when convenient), from four signals. A pure rule
 * function rather than a model: support leads must be able to read, predict and argue with it, and every
 * decision carries the reasons that produced it.
 *
 * The rules, in order:
 *  1. Base level from the intent: security risks (lost, stolen or compromised cards, payments the customer
 *     does not recognise) are P1; money that is stuck, missing or wrongly taken, or a customer who cannot
 *     pay or get in, is P2; other problems are P3; questions about how things work are P4. An unknown or
 *     out-of-scope intent is P3, because a human has to read it to route it.
 *  2. Escalations, one level each: an urgency cue in the text ("urgent", "asap", "right now", three or more
 *     "!", ...) unless the text says it is not urgent; sentiment of -0.5 or worse; an enterprise customer;
 *     a business customer with a problem (not a question). A free-tier customer's P3/P4 ticket with nothing
 *     urgent about it drops one level. The net change is at most two levels up, so that a how-to question
 *     never becomes P1 on tone and tier alone.
 *  3. A security cue in the text ("fraud", "stolen", "hacked", "unauthorised", "I didn't make this
 *     payment", ...) makes the ticket P1 whatever the intent, because a fraud report the classifier
 *     misread is the costliest mistake this function can make.
 */

export type Priority = 'P1' | 'P2' | 'P3' | 'P4';
export type CustomerTier = 'enterprise' | 'business' | 'standard' | 'free';

export interface PriorityInput {
  /** Predicted intent; undefined when there is none. */
  intent?: string;
  /** True when the classifier was not confident enough to trust `intent`. */
  outOfScope?: boolean;
  /** Sentiment in [-1, 1], negative worse; undefined or not finite means unknown. */
  sentiment?: number;
  /** Customer tier; anything unrecognised is treated as standard. */
  tier?: string;
  /** The customer's text, for urgency and security cues. */
  text?: string;
}

export interface PriorityDecision {
  priority: Priority;
  /** Why, in the order the rules applied; never empty. */
  reasons: string[];
}

type Level = 1 | 2 | 3 | 4;

const SECURITY_INTENTS = new Set([
  'lost_or_stolen_card',
  'compromised_card',
  'lost_or_stolen_phone',
  'card_payment_not_recognised',
  'cash_withdrawal_not_recognised',
  'direct_debit_payment_not_recognised',
]);

const BLOCKED_MONEY_INTENTS = new Set([
  'card_swallowed',
  'declined_card_payment',
  'declined_cash_withdrawal',
  'declined_transfer',
  'failed_transfer',
  'transfer_not_received_by_recipient',
  'wrong_amount_of_cash_received',
  'transaction_charged_twice',
  'pin_blocked',
  'passcode_forgotten',
  'card_not_working',
  'cancel_transfer',
  'Refund_not_showing_up',
  'balance_not_updated_after_bank_transfer',
  'balance_not_updated_after_cheque_or_cash_deposit',
  'top_up_failed',
  'top_up_reverted',
  'unable_to_verify_identity',
]);

const PROBLEM_INTENTS = new Set([
  'beneficiary_not_allowed',
  'card_arrival',
  'card_payment_fee_charged',
  'card_payment_wrong_exchange_rate',
  'cash_withdrawal_charge',
  'contactless_not_working',
  'extra_charge_on_statement',
  'pending_card_payment',
  'pending_cash_withdrawal',
  'pending_top_up',
  'pending_transfer',
  'request_refund',
  'reverted_card_payment?',
  'terminate_account',
  'transfer_fee_charged',
  'virtual_card_not_working',
  'wrong_exchange_rate_for_cash_withdrawal',
  'exchange_charge',
]);

/**
 * Every other BANKING77 intent is a question about how something works (age_limit, exchange_rate,
 * top_up_limits, ...). Listed so that an intent nobody has placed is noticed rather than silently P4.
 */
const QUESTION_INTENTS = new Set([
  'activate_my_card',
  'age_limit',
  'apple_pay_or_google_pay',
  'atm_support',
  'automatic_top_up',
  'card_about_to_expire',
  'card_acceptance',
  'card_delivery_estimate',
  'card_linking',
  'change_pin',
  'country_support',
  'disposable_card_limits',
  'edit_personal_details',
  'exchange_rate',
  'exchange_via_app',
  'fiat_currency_support',
  'get_disposable_virtual_card',
  'get_physical_card',
  'getting_spare_card',
  'getting_virtual_card',
  'order_physical_card',
  'receiving_money',
  'supported_cards_and_currencies',
  'top_up_by_bank_transfer_charge',
  'top_up_by_card_charge',
  'top_up_by_cash_or_cheque',
  'top_up_limits',
  'topping_up_by_card',
  'transfer_into_account',
  'transfer_timing',
  'verify_my_identity',
  'verify_source_of_funds',
  'verify_top_up',
  'visa_or_mastercard',
  'why_verify_identity',
]);

/** All intents the rules place, for tests that check the model's classes are all covered. */
export const PLACED_INTENTS: ReadonlySet<string> = new Set([
  ...SECURITY_INTENTS,
  ...BLOCKED_MONEY_INTENTS,
  ...PROBLEM_INTENTS,
  ...QUESTION_INTENTS,
]);

const SECURITY_CUES: readonly [RegExp, string][] = [
  [/\bfraud\w*/, 'fraud'],
  [/\bstolen\b|\bstole\b|\bsteal\w*/, 'stolen'],
  [/\bhack(ed|er|ers|ing)?\b/, 'hacked'],
  [/\bscam\w*/, 'scam'],
  [/\bphish\w*/, 'phishing'],
  [/\bunauthori[sz]ed\b/, 'unauthorised'],
  [/\bidentity theft\b/, 'identity theft'],
  [
    /\b(didn't|did not|didnt|never) (make|made|authori[sz]e|authori[sz]ed|do|did)\b/,
    'payment not made by the customer',
  ],
  [/\b(don't|do not|dont) recogni[sz]e\b/, 'payment not recognised'],
];

const URGENCY_CUES: readonly [RegExp, string][] = [
  [/\burgent(ly)?\b/, 'urgent'],
  [/\basap\b|\ba\.s\.a\.p\b|\bas soon as possible\b/, 'asap'],
  [/\bimmediately\b/, 'immediately'],
  [/\bright (now|away)\b/, 'right now'],
  [/\bemergency\b/, 'emergency'],
];

const NOT_URGENT = /\b(not|isn't|isnt|no) (urgent|rush|hurry)\b/;

const TIERS: ReadonlySet<string> = new Set<CustomerTier>(['enterprise', 'business', 'standard', 'free']);

const MAX_ESCALATION = 2;
const NEGATIVE_SENTIMENT = -0.5;
const EXCLAMATIONS = 3;

export function normalizeTier(tier: string | undefined): CustomerTier {
  const t = (tier ?? '').trim().toLowerCase();
  return TIERS.has(t) ? (t as CustomerTier) : 'standard';
}

export function intentBase(intent: string | undefined, outOfScope = false): { level: Level; reason: string } {
  if (intent === undefined || intent === '' || outOfScope) {
    return { level: 3, reason: 'no confident intent: needs a human to route it (P3)' };
  }
  if (SECURITY_INTENTS.has(intent)) return { level: 1, reason: `intent ${intent} is a security risk (P1)` };
  if (BLOCKED_MONEY_INTENTS.has(intent)) {
    return { level: 2, reason: `intent ${intent}: money is stuck or the customer is blocked (P2)` };
  }
  if (PROBLEM_INTENTS.has(intent)) return { level: 3, reason: `intent ${intent} is a problem report (P3)` };
  if (QUESTION_INTENTS.has(intent)) return { level: 4, reason: `intent ${intent} is a question (P4)` };
  return { level: 3, reason: `intent ${intent} is not in the priority table (P3)` };
}

export function decidePriority(input: PriorityInput): PriorityDecision {
  const text = (input.text ?? '').toLowerCase().replace(/[\u2018\u2019]/g, "'");
  const base = intentBase(input.intent, input.outOfScope);
  const reasons = [base.reason];
  let steps = 0;

  const notUrgent = NOT_URGENT.test(text);
  const urgency = URGENCY_CUES.filter(([re]) => re.test(text)).map(([, label]) => label);
  const bangs = (text.match(/!/g) ?? []).length;
  if (notUrgent && (urgency.length > 0 || bangs >= EXCLAMATIONS)) {
    reasons.push('text says it is not urgent: urgency cues ignored');
  } else if (urgency.length > 0 || bangs >= EXCLAMATIONS) {
    const cues = urgency.map((u) => `"${u}"`);
    if (bangs >= EXCLAMATIONS) cues.push(`${bangs} exclamation marks`);
    reasons.push(`urgency cue in text: ${cues.join(', ')} (+1)`);
    steps++;
  }

  const sentiment = input.sentiment;
  if (sentiment !== undefined && Number.isFinite(sentiment) && sentiment <= NEGATIVE_SENTIMENT) {
    reasons.push(`very negative sentiment ${Math.max(-1, sentiment).toFixed(2)} (+1)`);
    steps++;
  }

  const tier = normalizeTier(input.tier);
  if (input.tier !== undefined && tier === 'standard' && input.tier.trim().toLowerCase() !== 'standard') {
    reasons.push(`unknown tier ${JSON.stringify(input.tier)} treated as standard`);
  }
  if (tier === 'enterprise' || (tier === 'business' && base.level <= 3)) {
    reasons.push(`${tier} customer (+1)`);
    steps++;
  } else if (tier === 'free' && base.level >= 3 && steps === 0) {
    reasons.push('free tier, nothing urgent (-1)');
    steps--;
  }

  if (steps > MAX_ESCALATION) {
    reasons.push(`escalation capped at ${MAX_ESCALATION} levels`);
    steps = MAX_ESCALATION;
  }
  let level = clampLevel(base.level - steps);
  const security = SECURITY_CUES.filter(([re]) => re.test(text)).map(([, label]) => label);
  if (security.length > 0) {
    reasons.push(`security cue in text: ${security.map((s) => `"${s}"`).join(', ')} (P1)`);
    level = 1;
  }
  return { priority: `P${level}` as Priority, reasons };
}

function clampLevel(n: number): Level {
  return Math.min(4, Math.max(1, n)) as Level;
}

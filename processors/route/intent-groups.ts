/**
 * Which team's queue an intent belongs to. Every BANKING77 intent (the shipped classifier's classes) is
 * placed explicitly, so a new class nobody placed is caught by a test rather than silently sent to the
 * general queue. Orgs with their own dotted taxonomy (billing.refund) are placed by the first segment.
 */

export type IntentGroup = 'cards' | 'payments' | 'account' | 'transfers' | 'general';

const GROUPS: Readonly<Record<Exclude<IntentGroup, 'general'>, readonly string[]>> = {
  // The physical or virtual card itself: getting, activating, losing, blocking, using it.
  cards: [
    'activate_my_card',
    'apple_pay_or_google_pay',
    'atm_support',
    'card_about_to_expire',
    'card_acceptance',
    'card_arrival',
    'card_delivery_estimate',
    'card_linking',
    'card_not_working',
    'card_swallowed',
    'change_pin',
    'compromised_card',
    'contactless_not_working',
    'disposable_card_limits',
    'get_disposable_virtual_card',
    'get_physical_card',
    'getting_spare_card',
    'getting_virtual_card',
    'lost_or_stolen_card',
    'order_physical_card',
    'pin_blocked',
    'virtual_card_not_working',
    'visa_or_mastercard',
  ],
  // Money leaving by card, cash or direct debit, and money loaded by top-up: charges, refunds, disputes.
  payments: [
    'Refund_not_showing_up',
    'automatic_top_up',
    'card_payment_fee_charged',
    'card_payment_not_recognised',
    'card_payment_wrong_exchange_rate',
    'cash_withdrawal_charge',
    'cash_withdrawal_not_recognised',
    'declined_card_payment',
    'declined_cash_withdrawal',
    'direct_debit_payment_not_recognised',
    'extra_charge_on_statement',
    'pending_card_payment',
    'pending_cash_withdrawal',
    'pending_top_up',
    'request_refund',
    'reverted_card_payment?',
    'top_up_by_bank_transfer_charge',
    'top_up_by_card_charge',
    'top_up_by_cash_or_cheque',
    'top_up_failed',
    'top_up_limits',
    'top_up_reverted',
    'topping_up_by_card',
    'transaction_charged_twice',
    'verify_top_up',
    'wrong_amount_of_cash_received',
    'wrong_exchange_rate_for_cash_withdrawal',
  ],
  // Money moved between accounts, in or out, and balances that depend on it.
  transfers: [
    'balance_not_updated_after_bank_transfer',
    'balance_not_updated_after_cheque_or_cash_deposit',
    'beneficiary_not_allowed',
    'cancel_transfer',
    'declined_transfer',
    'failed_transfer',
    'pending_transfer',
    'receiving_money',
    'transfer_fee_charged',
    'transfer_into_account',
    'transfer_not_received_by_recipient',
    'transfer_timing',
  ],
  // Identity, access and the account's life cycle.
  account: [
    'age_limit',
    'edit_personal_details',
    'lost_or_stolen_phone',
    'passcode_forgotten',
    'terminate_account',
    'unable_to_verify_identity',
    'verify_my_identity',
    'verify_source_of_funds',
    'why_verify_identity',
  ],
};

/** Currencies, countries and other product questions no specialist team owns. */
const GENERAL = [
  'country_support',
  'exchange_charge',
  'exchange_rate',
  'exchange_via_app',
  'fiat_currency_support',
  'supported_cards_and_currencies',
];

export const BANKING77_GROUPS: ReadonlyMap<string, IntentGroup> = new Map([
  ...Object.entries(GROUPS).flatMap(([group, intents]) => intents.map((i) => [i, group as IntentGroup] as const)),
  ...GENERAL.map((i) => [i, 'general' as const] as const),
]);

/** First segments of dotted intents, for orgs whose taxonomy is not BANKING77's. */
const PREFIX_GROUPS: ReadonlyMap<string, IntentGroup> = new Map([
  ['card', 'cards'],
  ['cards', 'cards'],
  ['billing', 'payments'],
  ['payment', 'payments'],
  ['payments', 'payments'],
  ['refund', 'payments'],
  ['transfer', 'transfers'],
  ['transfers', 'transfers'],
  ['account', 'account'],
  ['login', 'account'],
  ['security', 'account'],
]);

/**
 * The group of an intent: the org's own mapping first (exact intent, then its first dotted segment), then
 * BANKING77's, then the default prefixes, then general.
 */
export function intentGroup(intent: string, overrides: Readonly<Record<string, string>> = {}): string {
  const prefix = intent.split('.')[0] ?? intent;
  // Own keys only: an intent named like an Object.prototype member must not find a function.
  const own = (key: string) => (Object.hasOwn(overrides, key) ? overrides[key] : undefined);
  return (
    own(intent) ?? own(prefix) ?? BANKING77_GROUPS.get(intent) ?? PREFIX_GROUPS.get(prefix.toLowerCase()) ?? 'general'
  );
}

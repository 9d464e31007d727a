/**
 * What customers of a retail bank write to support, by intent, written for this benchmark. Intent names are
 * the classifier's (BANKING77 labels), so a test can check that the generated texts mean what they claim.
 * `{slot}` marks a value the generator fills in the message's language (slots.ts); a template without slots
 * stays varied through greetings, context, PII and length added around it (workload.ts).
 */

export type Language = 'en' | 'es' | 'fr' | 'de' | 'pt' | 'it';

export interface IntentTemplates {
  readonly intent: string;
  /** One-line descriptions of the problem; the first language is English, others where written. */
  readonly texts: Partial<Record<Language, readonly string[]>> & { readonly en: readonly string[] };
  /** Email subject lines. */
  readonly subjects: Partial<Record<Language, readonly string[]>> & { readonly en: readonly string[] };
}

const t = (
  intent: string,
  en: string[],
  subjects: string[],
  more: Partial<Record<Exclude<Language, 'en'>, string[]>> = {},
  moreSubjects: Partial<Record<Exclude<Language, 'en'>, string[]>> = {},
): IntentTemplates => ({ intent, texts: { en, ...more }, subjects: { en: subjects, ...moreSubjects } });

export const INTENTS: readonly IntentTemplates[] = [
  t(
    'lost_or_stolen_card',
    [
      'I think I lost my card {when}, can you block it please?',
      'My wallet was stolen in {city} with my debit card in it. How do I freeze the card and get a new one?',
      'I cannot find my card anywhere since {when}. Please cancel it before someone uses it.',
    ],
    ['Lost card', 'Card stolen', 'Please block my card'],
    {
      es: [
        'He perdido mi tarjeta {when}, ¿podéis bloquearla por favor?',
        'Me han robado la cartera en {city} con la tarjeta dentro. ¿Cómo la bloqueo y pido una nueva?',
      ],
      fr: ['J’ai perdu ma carte bancaire {when}, pouvez-vous la bloquer ?'],
      de: ['Ich habe meine Karte {when} verloren. Bitte sperren Sie sie sofort.'],
    },
    { es: ['Tarjeta perdida', 'Robo de tarjeta'], fr: ['Carte perdue'], de: ['Karte verloren'] },
  ),
  t(
    'passcode_forgotten',
    [
      'I forgot my password and cannot log in to the app.',
      'How do I reset my passcode? I have tried three times and the app keeps saying it is wrong.',
      'I changed phones and now I do not remember the passcode for my account.',
    ],
    ['Password reset', 'Cannot log in', 'Forgot my passcode'],
    {
      es: [
        'He olvidado mi contraseña y no puedo entrar en la aplicación.',
        '¿Cómo restablezco la contraseña? La app dice que es incorrecta.',
      ],
      pt: ['Esqueci a minha senha e não consigo entrar na aplicação.'],
    },
    { es: ['Contraseña olvidada'], pt: ['Senha esquecida'] },
  ),
  t(
    'declined_card_payment',
    [
      'My card was declined at {merchant} even though I have money in my account.',
      'Why does my card keep getting declined? I tried to pay {amount} at {merchant} and it failed twice.',
      'Card payment refused today at {merchant}. The balance is fine, what is going on?',
    ],
    ['Card declined', 'Payment refused', 'Why was my card declined?'],
    {
      es: [
        'Me han rechazado la tarjeta en {merchant} y tengo saldo suficiente.',
        '¿Por qué rechazan mi tarjeta? Intenté pagar {amount} y falló.',
      ],
      it: ['La mia carta è stata rifiutata da {merchant} anche se ho soldi sul conto.'],
    },
    { es: ['Tarjeta rechazada'], it: ['Carta rifiutata'] },
  ),
  t(
    'request_refund',
    [
      'I would like a refund for an order from {merchant}, the item never arrived.',
      'How can I get my money back for a purchase of {amount}? The seller is not answering.',
      'I want to request a refund for a payment I made {when}.',
    ],
    ['Refund request', 'I want my money back', 'Refund for my order'],
    {
      es: [
        'Quiero pedir un reembolso de una compra en {merchant}, nunca me llegó el pedido.',
        '¿Cómo puedo recuperar los {amount} que pagué {when}?',
      ],
      fr: ['Je voudrais être remboursé pour un achat chez {merchant} qui n’est jamais arrivé.'],
    },
    { es: ['Solicitud de reembolso'], fr: ['Demande de remboursement'] },
  ),
  t(
    'Refund_not_showing_up',
    [
      '{merchant} says they refunded me {when} but the money is still not in my account.',
      'Where is my refund? The shop confirmed it a week ago and I see nothing.',
      'A refund of {amount} was promised but it has not appeared on my statement.',
    ],
    ['Refund still missing', 'Refund not received', 'Where is my refund?'],
    {
      es: [
        '{merchant} dice que me devolvió el dinero {when} pero no aparece en mi cuenta.',
        'Todavía no veo el reembolso de {amount} en mi extracto.',
      ],
    },
    { es: ['Reembolso no recibido'] },
  ),
  t(
    'card_arrival',
    [
      'I ordered a new card {days} ago and it still has not arrived.',
      'When will my card come? It has been {days} and nothing in the post.',
      'My replacement card never showed up. Can you check where it is?',
    ],
    ['Card not arrived', 'Still waiting for my card'],
    {
      es: ['Pedí una tarjeta nueva hace {days} y todavía no ha llegado.'],
      de: ['Ich habe vor {days} eine neue Karte bestellt und sie ist noch nicht angekommen.'],
    },
    { es: ['La tarjeta no ha llegado'], de: ['Karte nicht angekommen'] },
  ),
  t(
    'card_delivery_estimate',
    [
      'How long does it take for a new card to be delivered to {country}?',
      'What is the delivery time for a card? I need it before I travel.',
    ],
    ['Card delivery time'],
    { es: ['¿Cuánto tarda en llegar una tarjeta nueva a {country}?'] },
    { es: ['Plazo de entrega de la tarjeta'] },
  ),
  t(
    'activate_my_card',
    [
      'My new card arrived today, how do I activate it?',
      'I received the card but I cannot find where to activate it in the app.',
    ],
    ['Activate card', 'How to activate my new card'],
    { es: ['Me ha llegado la tarjeta nueva, ¿cómo la activo?'] },
    { es: ['Activar tarjeta'] },
  ),
  t(
    'card_swallowed',
    [
      'The cash machine at {atm} kept my card. What should I do now?',
      'An ATM swallowed my card {when} and I have no other way to pay.',
    ],
    ['ATM kept my card'],
    { es: ['El cajero de {atm} se ha tragado mi tarjeta. ¿Qué hago?'] },
    { es: ['El cajero se quedó con mi tarjeta'] },
  ),
  t(
    'declined_cash_withdrawal',
    [
      'I tried to withdraw {amount} at {atm} and it was declined.',
      'The ATM would not let me take out cash, it said the transaction was refused.',
    ],
    ['Cash withdrawal declined'],
  ),
  t(
    'wrong_amount_of_cash_received',
    [
      'I asked the ATM for {amount} but it gave me less and my balance went down by the full amount.',
      'The cash machine only gave me part of the money I withdrew {when}.',
    ],
    ['Wrong amount of cash'],
    { es: ['Saqué {amount} del cajero pero me dio menos dinero.'] },
  ),
  t(
    'cash_withdrawal_charge',
    [
      'Why was I charged a fee for taking cash out at {atm}?',
      'There is a charge on my account for an ATM withdrawal, I thought it was free.',
    ],
    ['ATM fee'],
  ),
  t(
    'pin_blocked',
    [
      'I typed the wrong PIN three times and now my card is blocked. How do I unblock it?',
      'My PIN is locked after too many attempts, please help.',
    ],
    ['PIN blocked'],
    { es: ['Puse mal el PIN tres veces y ahora la tarjeta está bloqueada.'] },
    { es: ['PIN bloqueado'] },
  ),
  t(
    'change_pin',
    ['How can I change the PIN of my card?', 'I want to set a new PIN, where do I do that?'],
    ['Change PIN'],
    { fr: ['Comment puis-je changer le code PIN de ma carte ?'] },
  ),
  t(
    'contactless_not_working',
    [
      'Contactless stopped working on my card, I have to insert it every time.',
      'Tap to pay does not work anymore at {merchant}. Is my card broken?',
    ],
    ['Contactless not working'],
  ),
  t(
    'card_not_working',
    ['My card does not work anywhere since {when}.', 'The card is not working in shops or online, it just fails.'],
    ['Card not working'],
    { es: ['Mi tarjeta no funciona en ningún sitio desde {when}.'] },
  ),
  t(
    'compromised_card',
    [
      'I think someone copied my card details, there are payments I did not make.',
      'I got a text saying my card was used in {country}. I have never been there. Is my card compromised?',
    ],
    ['Suspicious activity on my card', 'Fraud on my card'],
    { es: ['Creo que alguien ha copiado los datos de mi tarjeta, hay pagos que no hice.'] },
    { es: ['Posible fraude'] },
  ),
  t(
    'card_payment_not_recognised',
    [
      'There is a payment of {amount} to {merchant} on my statement that I do not recognise.',
      'I do not know what this card payment is, I never shopped at {merchant}.',
    ],
    ['Unknown payment', 'Payment I did not make'],
    {
      es: ['Hay un cargo de {amount} de {merchant} que no reconozco.'],
      de: ['Auf meinem Konto ist eine Zahlung über {amount} an {merchant}, die ich nicht kenne.'],
    },
    { es: ['Cargo desconocido'], de: ['Unbekannte Zahlung'] },
  ),
  t(
    'transaction_charged_twice',
    [
      'I was charged twice for the same order at {merchant}. Can you refund one of them?',
      'The same payment of {amount} was taken two times from my account.',
      'Duplicate transaction today, {merchant} took the money twice.',
    ],
    ['Charged twice', 'Duplicate charge', 'Double payment'],
    {
      es: ['Me han cobrado dos veces la misma compra en {merchant}.'],
      pt: ['Fui cobrado duas vezes pela mesma compra em {merchant}.'],
    },
    { es: ['Cobro duplicado'], pt: ['Cobrança duplicada'] },
  ),
  t(
    'pending_card_payment',
    [
      'A card payment to {merchant} has been pending for {days}. When will it go through?',
      'Why is my payment of {amount} still pending?',
    ],
    ['Pending payment'],
  ),
  t(
    'reverted_card_payment?',
    [
      'My payment at {merchant} was reverted and the money came back, but I did want to pay.',
      'Why did a card payment I made {when} get reversed?',
    ],
    ['Payment reversed'],
  ),
  t(
    'card_payment_fee_charged',
    [
      'I was charged an extra fee for paying by card at {merchant}, why?',
      'There is a fee on my card payment of {amount}. I did not expect any fee.',
    ],
    ['Fee on card payment'],
  ),
  t(
    'card_payment_wrong_exchange_rate',
    [
      'I paid in {currency} with my card and the exchange rate you used is wrong.',
      'The rate on my card payment abroad does not match the rate in the app.',
    ],
    ['Wrong exchange rate'],
    { fr: ['J’ai payé en {currency} et le taux de change appliqué est faux.'] },
  ),
  t(
    'exchange_rate',
    ['What exchange rate do you use when I pay in {currency}?', 'How is the exchange rate calculated for {currency}?'],
    ['Exchange rate question'],
    { es: ['¿Qué tipo de cambio usáis para pagos en {currency}?'] },
  ),
  t(
    'transfer_not_received_by_recipient',
    [
      'I sent {amount} to {person} {when} and they still have not received it.',
      'My transfer shows as completed but the recipient says nothing arrived.',
      'The money I transferred to my landlord has not reached him yet.',
    ],
    ['Transfer not received', 'Recipient did not get my transfer'],
    {
      es: ['Envié {amount} a {person} {when} y todavía no lo ha recibido.'],
      it: ['Ho mandato {amount} a {person} {when} ma non li ha ancora ricevuti.'],
    },
    { es: ['Transferencia no recibida'], it: ['Bonifico non ricevuto'] },
  ),
  t(
    'pending_transfer',
    [
      'My bank transfer has been pending for {days}. Is something wrong?',
      'Why is the transfer to {person} still pending?',
    ],
    ['Transfer pending'],
    { es: ['Mi transferencia lleva {days} pendiente. ¿Pasa algo?'] },
  ),
  t(
    'failed_transfer',
    [
      'My transfer to {person} failed and I do not know why.',
      'I tried to send {amount} but the transfer did not go through.',
    ],
    ['Transfer failed'],
    { de: ['Meine Überweisung an {person} ist fehlgeschlagen.'] },
  ),
  t(
    'declined_transfer',
    ['The app declined my transfer of {amount}. Why?', 'My transfer was rejected, what does that mean?'],
    ['Transfer declined'],
  ),
  t(
    'cancel_transfer',
    [
      'I sent money to the wrong account {when}. Can you stop the transfer?',
      'Please cancel the transfer of {amount} I just made, I typed the wrong details.',
    ],
    ['Cancel my transfer', 'Wrong account, please stop payment'],
    { es: ['Hice una transferencia a la cuenta equivocada, ¿podéis cancelarla?'] },
    { es: ['Cancelar transferencia'] },
  ),
  t(
    'transfer_fee_charged',
    [
      'Why was I charged a fee for a transfer? I thought transfers were free.',
      'There is a fee on my transfer of {amount}.',
    ],
    ['Transfer fee'],
  ),
  t(
    'transfer_timing',
    ['How long does a transfer to {country} take?', 'When will a transfer I send today arrive?'],
    ['Transfer time'],
    { pt: ['Quanto tempo demora uma transferência para {country}?'] },
  ),
  t(
    'balance_not_updated_after_bank_transfer',
    [
      'I transferred money into my account {when} and my balance has not changed.',
      'My balance is not updated after a bank transfer from my other account.',
    ],
    ['Balance not updated'],
  ),
  t(
    'receiving_money',
    ['How can someone send money to my account?', 'What details do I give my employer so they can pay my salary?'],
    ['Receiving money'],
  ),
  t(
    'top_up_failed',
    ['I tried to top up my account with my card but it failed.', 'Top up of {amount} did not work, I got an error.'],
    ['Top up failed'],
    { es: ['Intenté recargar la cuenta con mi tarjeta y falló.'] },
  ),
  t(
    'pending_top_up',
    ['My top up has been pending since {when}.', 'Why is my top up of {amount} still pending?'],
    ['Top up pending'],
  ),
  t(
    'top_up_by_card_charge',
    ['Is there a fee for topping up with a card?', 'I was charged a fee when I topped up by card.'],
    ['Top up fee'],
  ),
  t(
    'top_up_limits',
    ['What is the maximum I can top up in one day?', 'Is there a limit on how much I can top up?'],
    ['Top up limit'],
  ),
  t(
    'automatic_top_up',
    ['How do I set up automatic top up?', 'Can the app top up my account automatically when it is low?'],
    ['Auto top up'],
  ),
  t(
    'verify_my_identity',
    ['How do I verify my identity?', 'The app asks me to verify my identity, what documents do you need?'],
    ['Identity verification'],
    { es: ['¿Cómo verifico mi identidad? ¿Qué documentos necesitáis?'] },
  ),
  t(
    'unable_to_verify_identity',
    [
      'The app does not accept my passport photo for the identity check.',
      'I have tried to verify my identity five times and it keeps failing.',
    ],
    ['Cannot verify identity'],
  ),
  t(
    'why_verify_identity',
    ['Why do you need to verify my identity?', 'Why must I send a photo of my ID to use my account?'],
    ['Why verify?'],
  ),
  t(
    'edit_personal_details',
    [
      'I moved house, how do I change my address?',
      'How do I change the phone number on my account? My old number no longer works.',
      'I got married and need to update my surname.',
    ],
    ['Update my details', 'Change of address'],
    { es: ['Me he mudado, ¿cómo cambio mi dirección?'], fr: ['J’ai déménagé, comment modifier mon adresse ?'] },
    { es: ['Cambio de dirección'], fr: ['Changement d’adresse'] },
  ),
  t(
    'terminate_account',
    [
      'I would like to close my account. What do I need to do?',
      'Please delete my account and send the remaining balance to my other bank.',
    ],
    ['Close my account'],
    { es: ['Quiero cerrar mi cuenta. ¿Qué tengo que hacer?'], de: ['Ich möchte mein Konto kündigen.'] },
    { es: ['Cerrar cuenta'], de: ['Kontokündigung'] },
  ),
  t(
    'getting_virtual_card',
    ['Can I get a virtual card for online shopping?', 'How do I create a virtual card in the app?'],
    ['Virtual card'],
  ),
  t(
    'get_disposable_virtual_card',
    ['How do I make a disposable virtual card for one payment?', 'Can I get a single-use card number?'],
    ['Disposable card'],
  ),
  t(
    'order_physical_card',
    ['I only have a virtual card, how do I order a physical one?', 'I want a plastic card, how do I order it?'],
    ['Order a card'],
  ),
  t(
    'apple_pay_or_google_pay',
    ['Can I add my card to Apple Pay?', 'Google Pay will not accept my card, is it supported?'],
    ['Apple Pay', 'Google Pay'],
  ),
  t(
    'country_support',
    ['Can I open an account if I live in {country}?', 'Do you support customers in {country}?'],
    ['Supported countries'],
  ),
  t(
    'card_about_to_expire',
    ['My card expires next month, will you send a new one automatically?', 'What happens when my card expires?'],
    ['Card expiring'],
  ),
  t(
    'direct_debit_payment_not_recognised',
    [
      'There is a direct debit from {merchant} that I never set up.',
      'I do not recognise a direct debit of {amount} on my account.',
    ],
    ['Unknown direct debit'],
  ),
  t(
    'extra_charge_on_statement',
    [
      'There is an extra charge of {amount} on my statement I cannot explain.',
      'Why is there a small extra charge on my account?',
    ],
    ['Extra charge'],
  ),
  t(
    'lost_or_stolen_phone',
    ['My phone was stolen and the banking app is on it. What should I do?', 'I lost my phone, please lock my account.'],
    ['Phone stolen'],
    { es: ['Me han robado el móvil y tengo la app del banco instalada.'] },
  ),
];

/**
 * Messages no bank intent fits, as every support inbox receives: the classifier should call them out of scope.
 */
export const OUT_OF_SCOPE: Readonly<Partial<Record<Language, readonly string[]>>> & { en: readonly string[] } = {
  en: [
    'Do you know a good pizza place near your office?',
    'What will the weather be like in {city} tomorrow?',
    'Can you recommend a film for tonight?',
    'Who won the football match yesterday?',
    'Please unsubscribe me from your newsletter.',
  ],
  es: ['¿Sabéis si mañana abre el museo de {city}?', '¿Me recomendáis un restaurante en {city}?'],
  fr: ['Quel temps fera-t-il demain à {city} ?'],
};

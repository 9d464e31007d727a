import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kindsAcross, redactPii } from './pii.js';
import { ibanChecksumValid, luhnValid } from './pii/checksums.js';

const redacted = (text: string) => redactPii(text).text;
const unchanged = (text: string) => assert.equal(redacted(text), text, `should stay: ${text}`);

test('Luhn: the test numbers of every network pass, one changed digit fails', () => {
  for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '3530111333300000']) {
    assert.equal(luhnValid(n), true, n);
  }
  assert.equal(luhnValid('4111111111111112'), false);
  assert.equal(luhnValid('41111111111111a1'), false);
});

test('IBAN mod 97: the registry examples pass, a changed digit or swapped pair fails', () => {
  for (const iban of [
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
  ]) {
    assert.equal(ibanChecksumValid(iban), true, iban);
  }
  assert.equal(ibanChecksumValid('DE89370400440532013001'), false);
  assert.equal(ibanChecksumValid('DE89370400440532010300'), false);
});

test('emails, including subaddresses, subdomains and non-ASCII, without the full stop that ends a sentence', () => {
  assert.deepEqual(redactPii('Reach me at jo@example.com.'), { text: 'Reach me at [EMAIL].', kinds: ['EMAIL'] });
  assert.equal(redacted('cc: first.last+billing@mail.example.co.uk, jürgen@müller.de'), 'cc: [EMAIL], [EMAIL]');
  assert.equal(redacted('<jo_99@example.org>'), '<[EMAIL]>');
  unchanged('Version 2.0@latest is out, see @support on social media');
});

test('card numbers with spaces, hyphens or none, Amex layout included, only when Luhn passes', () => {
  assert.deepEqual(redactPii('card 4111 1111 1111 1111, thanks'), {
    text: 'card [CARD], thanks',
    kinds: ['PAYMENT_CARD'],
  });
  assert.equal(redacted('5555-5555-5555-4444'), '[CARD]');
  assert.equal(redacted('Amex 3782 822463 10005 or 378282246310005'), 'Amex [CARD] or [CARD]');
  assert.equal(redacted('19 digits: 6304 0000 0000 0000 018'), '19 digits: [CARD]');
  // A number in front of a card is not taken with it.
  assert.equal(redacted('ref 12 4111 1111 1111 1111'), 'ref 12 [CARD]');
});

test('sixteen digits failing Luhn stay, as do amounts, ids glued to letters and numbers starting with 0', () => {
  unchanged('card 4111 1111 1111 1112 was declined');
  unchanged('tracking 1234567890123456');
  unchanged('total 1 234 567 890 123 EUR');
  unchanged('SKU ABC4111111111111111');
  unchanged('account 0111111111111111');
});

test('IBANs compact or grouped, in any case, ended by the country length even when text follows', () => {
  assert.deepEqual(redactPii('IBAN DE89 3704 0044 0532 0130 00 and BIC COBADEFFXXX'), {
    text: 'IBAN [IBAN] and BIC COBADEFFXXX',
    kinds: ['IBAN'],
  });
  assert.equal(redacted('GB82WEST12345698765432.'), '[IBAN].');
  assert.equal(redacted('fr14 2004 1010 0505 0001 3m02 606'), '[IBAN]');
  assert.equal(redacted('(NL91ABNA0417164300)'), '([IBAN])');
});

test('an IBAN with wrong check digits stays whole: no piece of it is taken for a phone or card number', () => {
  unchanged('IBAN DE89 3704 0044 0532 0130 01 please');
  unchanged('IBAN DE00370400440532013000');
  // Too short for Germany: not an IBAN at all.
  unchanged('DE89 3704 0044');
});

test('phone numbers in international form', () => {
  assert.deepEqual(redactPii('call +33 6 12 34 56 78 today'), { text: 'call [PHONE] today', kinds: ['PHONE'] });
  for (const phone of [
    '+44 20 7946 0958',
    '+1 (415) 555-2671',
    '+49 30 1234567',
    '+34612345678',
    '0044 20 7946 0958',
    '+44 (0)20 7946 0958',
  ]) {
    assert.equal(redacted(`tel: ${phone}.`), 'tel: [PHONE].', phone);
  }
});

test('phone numbers in national forms', () => {
  for (const phone of [
    '06 12 34 56 78',
    '01.23.45.67.89',
    '020 7946 0958',
    '07700 900123',
    '(020) 7946 0958',
    '030 1234567',
    '030/1234567',
    '0171 1234567',
    '(415) 555-2671',
    '415-555-2671',
    '415.555.2671',
    '1-800-555-0199',
    '612 34 56 78',
    '91 123 45 67',
    '0612345678',
  ]) {
    assert.equal(redacted(`reach me on ${phone}, thanks`), 'reach me on [PHONE], thanks', phone);
  }
  assert.equal(redacted('two: 0612345678 0712345678'), 'two: [PHONE] [PHONE]');
});

test('a phone cue lets a bare number through that structure alone would not', () => {
  assert.equal(redacted('my number is 4155552671'), 'my number is [PHONE]');
  unchanged('reference 4155552671');
});

test('dates, times, amounts, versions, addresses and order numbers are not phone numbers', () => {
  for (const text of [
    'shipped 2025-01-15 10:30',
    'on 15.01.2025 at 10:30',
    'on 01/15/2025',
    'Datum 05/01/2025 12:00',
    'paid €1,234.56 and $ 1 234 567',
    'amount 612 345 678 EUR',
    'version 1.2.3.4',
    'ip 192.168.100.200',
    'order 0612345678 never arrived',
    'Bestellnummer 0301234567',
    'mi pedido es 612 34 56 78',
    'invoice #12345678',
    'commande n° 0612345678',
    'tickets 0 10 20 30 40 50',
    'https://shop.example/orders/0612345678',
    'ID-0612345678',
    'between 10 and 20 units, 3 boxes',
  ]) {
    unchanged(text);
  }
});

test('several kinds at once, reported once each in a fixed order', () => {
  const result = redactPii(
    'Hi, I was charged twice on card 4111 1111 1111 1111. Refund to DE89370400440532013000 ' +
      'or call +44 20 7946 0958. Reach me at jo@example.com or jo@example.org.',
  );
  assert.equal(
    result.text,
    'Hi, I was charged twice on card [CARD]. Refund to [IBAN] or call [PHONE]. Reach me at [EMAIL] or [EMAIL].',
  );
  assert.deepEqual(result.kinds, ['EMAIL', 'PHONE', 'PAYMENT_CARD', 'IBAN']);
  assert.deepEqual(kindsAcross([null, redactPii('jo@example.com'), redactPii('4111111111111111 jo@x.io')]), [
    'EMAIL',
    'PAYMENT_CARD',
  ]);
});

test('text without personal data, or holding the private-use mark, comes back as it was', () => {
  assert.deepEqual(redactPii(''), { text: '', kinds: [] });
  unchanged('Hello, my order has not arrived yet. Can you check?');
  assert.equal(redacted('\uE000\uE100 write to jo@example.com'), '\uE000\uE100 write to [EMAIL]');
});

test('long adversarial input is handled in linear-ish time', () => {
  // Compared with itself at half the size rather than with a wall-clock bound, so a busy machine slows both alike.
  const adversarial = (n: number) => '1 '.repeat(5 * n) + 'a@'.repeat(2 * n) + '+'.repeat(n) + 'DE89 '.repeat(n);
  const time = (text: string) => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      redactPii(text);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  const [small, large] = [time(adversarial(2_000)), time(adversarial(4_000))];
  // Linear doubles; quadratic quadruples. The margin absorbs noise.
  assert.ok(large < small * 3, `twice the input took ${(large / small).toFixed(1)} times as long`);
});

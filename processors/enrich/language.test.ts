import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectLanguage, hintLanguage } from './language.js';

const samples: Record<string, string[]> = {
  en: [
    'Hi, I was charged twice for my January invoice. Could you please refund one of the charges?',
    'The app has not been working since yesterday and I cannot log in.',
    'My order never arrived',
  ],
  fr: [
    "Bonjour, j'ai été débité deux fois pour ma commande. Pouvez-vous me rembourser ?",
    "L'application ne marche plus depuis hier, je ne peux pas me connecter.",
  ],
  de: [
    'Hallo, ich wurde zweimal für meine Bestellung belastet. Können Sie mir bitte das Geld zurückerstatten?',
    'Die App funktioniert seit gestern nicht mehr und ich kann mich nicht anmelden.',
  ],
  es: [
    'Hola, me han cobrado dos veces por mi pedido. ¿Pueden devolverme el dinero, por favor?',
    'La aplicación no funciona desde ayer y no puedo iniciar sesión.',
  ],
};

test('en, fr, de and es messages are recognised with high confidence and no hint', () => {
  for (const [language, texts] of Object.entries(samples)) {
    for (const text of texts) {
      const detected = detectLanguage(text, null);
      assert.equal(detected.language, language, text);
      assert.ok(detected.confidence >= 0.7, `${text}: ${detected.confidence}`);
      assert.ok(detected.confidence <= 1);
    }
  }
});

test('close relatives are told apart: it, pt, nl, sv, pl', () => {
  const cases: Array<[string, string]> = [
    ['it', 'Ciao, mi avete addebitato due volte il mio ordine. Potete rimborsarmi?'],
    ['pt', 'Olá, fui cobrado duas vezes pelo meu pedido. Podem me reembolsar?'],
    ['nl', 'Hallo, ik ben twee keer belast voor mijn bestelling. Kunt u het geld terugstorten?'],
    ['sv', 'Hej, jag har debiterats två gånger för min beställning.'],
    ['pl', 'Dzień dobry, zostałem obciążony dwa razy za moje zamówienie.'],
  ];
  for (const [language, text] of cases) assert.equal(detectLanguage(text, null).language, language, text);
});

test('other scripts are told by their script', () => {
  assert.equal(detectLanguage('Здравствуйте, с меня дважды списали деньги.', null).language, 'ru');
  assert.equal(detectLanguage('Добрий день, з мене двічі списали гроші.', null).language, 'uk');
  assert.equal(detectLanguage('こんにちは、注文の料金が二重に請求されました。', null).language, 'ja');
  assert.equal(detectLanguage('您好，我的订单被扣了两次款。', null).language, 'zh');
  assert.equal(detectLanguage('안녕하세요, 주문 금액이 두 번 청구되었습니다.', null).language, 'ko');
  assert.equal(detectLanguage('Γεια σας, χρεωθήκατε δύο φορές.', null).language, 'el');
});

test('text too short to tell falls back to the locale hint, at the confidence a hint is worth', () => {
  assert.deepEqual(detectLanguage('Merci !', 'fr-FR'), { language: 'fr', confidence: 0.5 });
  assert.deepEqual(detectLanguage('Lieferung kaputt', 'de'), { language: 'de', confidence: 0.5 });
  assert.deepEqual(detectLanguage('谢谢', 'zh-Hant-TW'), { language: 'zh', confidence: 0.5 });
  assert.deepEqual(detectLanguage('ok', null), { language: 'und', confidence: 0 });
  assert.deepEqual(detectLanguage('', null), { language: 'und', confidence: 0 });
});

test('a hint the text agrees with raises the confidence; a clear text overrides a hint it contradicts', () => {
  const text = 'Hi, I was charged twice. Please refund me.';
  const alone = detectLanguage(text, null);
  const agreed = detectLanguage(text, 'en-GB');
  assert.equal(agreed.language, 'en');
  assert.ok(agreed.confidence > alone.confidence);
  assert.equal(detectLanguage(samples.es![0]!, 'en-US').language, 'es');
});

test('placeholders and links do not count as words', () => {
  const detected = detectLanguage('[EMAIL] [PHONE] https://example.com/en/help/me/please', 'pt-BR');
  assert.deepEqual(detected, { language: 'pt', confidence: 0.5 });
});

test('a Latin-script language without a word list is undetermined, or the hint', () => {
  const finnish = 'Tämä on suomea eikä mitään muuta kieltä';
  assert.equal(detectLanguage(finnish, null).language, 'und');
  assert.deepEqual(detectLanguage(finnish, 'fi-FI'), { language: 'fi', confidence: 0.5 });
});

test('hints are reduced to their primary language subtag', () => {
  assert.equal(hintLanguage('pt-BR'), 'pt');
  assert.equal(hintLanguage('EN_us'), 'en');
  assert.equal(hintLanguage('fil'), 'fil');
  assert.equal(hintLanguage('und'), undefined);
  assert.equal(hintLanguage(''), undefined);
  assert.equal(hintLanguage('x-private'), undefined);
  assert.equal(hintLanguage(null), undefined);
});

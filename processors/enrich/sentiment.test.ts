import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreSentiment } from './sentiment.js';

const label = (text: string, language = 'en') => scoreSentiment(text, language).label;
const score = (text: string, language = 'en') => scoreSentiment(text, language).score;

test('scores stay in [-1, 1] and carry the label the score falls in', () => {
  for (const text of ['great great great great great great!!!!', 'terrible awful worst scam fraud!!!!!', 'hello']) {
    const s = scoreSentiment(text, 'en');
    assert.ok(s.score >= -1 && s.score <= 1, `${text}: ${s.score}`);
  }
  assert.deepEqual(scoreSentiment('How do I change my password?', 'en'), { score: 0, label: 'NEUTRAL' });
  assert.equal(label('The new dashboard is great, thank you!'), 'POSITIVE');
  assert.equal(label('This is the worst service I have ever had'), 'NEGATIVE');
});

test('support complaints read negative even when polite', () => {
  const s = scoreSentiment('Hi, I was charged twice on card [CARD]. Please refund one charge. Thanks.', 'en');
  assert.equal(s.label, 'NEGATIVE');
  assert.equal(label('Still waiting for a reply, this is ridiculous'), 'NEGATIVE');
  assert.equal(label("It doesn't work"), 'NEGATIVE');
});

test('negation flips and weakens the word it reaches, once', () => {
  assert.ok(score('The app is good') > 0);
  assert.ok(score('The app is not good') < 0);
  assert.ok(Math.abs(score('The app is not good')) < Math.abs(score('The app is good')));
  assert.equal(label("I'm not happy with this"), 'NEGATIVE');
  assert.equal(label("The delivery wasn't bad at all"), 'POSITIVE');
  assert.equal(label('No problem, great support'), 'POSITIVE', 'the negation stops at the first word it flips');
  assert.equal(label('I have never been so frustrated'), 'NEGATIVE', 'never + so intensifies');
});

test('boosters, dampeners, capitals and exclamation marks change the strength, not the direction', () => {
  assert.ok(score('very slow') < score('slow'));
  assert.ok(score('slightly slow') > score('slow'));
  assert.ok(score('slightly slow') < 0);
  assert.ok(score('This is UNACCEPTABLE') < score('This is unacceptable'));
  assert.ok(score('This is unacceptable!!!') < score('This is unacceptable'));
});

test('what follows "but" weighs more than what came before', () => {
  assert.equal(label('Thanks for the quick reply but the app is still broken'), 'NEGATIVE');
  assert.equal(label('It was broken for a day but now it works perfectly'), 'POSITIVE');
});

test('strong positive and negative parts of similar size are MIXED', () => {
  assert.equal(label('Great product, terrible delivery'), 'MIXED');
  assert.equal(label('Great product, slightly slow delivery'), 'POSITIVE');
});

test('French, German and Spanish, with their negations', () => {
  assert.equal(label('Je suis très déçu, ça ne marche pas', 'fr'), 'NEGATIVE');
  assert.equal(label("Ce n'est pas mal du tout, merci", 'fr'), 'POSITIVE');
  assert.equal(label('Je ne suis pas content', 'fr'), 'NEGATIVE');
  assert.equal(label('Die App funktioniert nicht, ich bin sehr enttäuscht', 'de'), 'NEGATIVE');
  assert.equal(label('Das ist nicht schlecht', 'de'), 'POSITIVE');
  assert.equal(label('Super, vielen Dank!', 'de'), 'POSITIVE');
  assert.equal(label('No estoy contento, la aplicación no funciona', 'es'), 'NEGATIVE');
  assert.equal(label('Muy bien, gracias', 'es'), 'POSITIVE');
});

test('the lexicon is the language’s own: a language without one is UNKNOWN', () => {
  assert.deepEqual(scoreSentiment('ひどいサービスです', 'ja'), { score: 0, label: 'UNKNOWN' });
  assert.deepEqual(scoreSentiment('terrible', 'und'), { score: 0, label: 'UNKNOWN' });
  // "die" is an article in German, not a word of feeling.
  assert.equal(label('Die Rechnung kam heute', 'de'), 'NEUTRAL');
});

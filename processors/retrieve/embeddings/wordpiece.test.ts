import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../config/index.js';
import { isInstalled, modelPaths, ModelNotInstalledError } from './model-files.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** A vocabulary small enough to reason about by hand. */
function tinyTokenizer(): WordPieceTokenizer {
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able', 'refund', '##s', 'card', '?', '$', '東'];
  return WordPieceTokenizer.fromTokenizerJson({
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 12,
      vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
    },
  });
}

describe('WordPiece on a hand-made vocabulary', () => {
  const tok = tinyTokenizer();

  test('cuts a word into its longest known pieces, continuing pieces marked ##', () => {
    assert.deepEqual(tok.tokenIds('unaffable'), [4, 5, 6]);
    assert.deepEqual(tok.tokenIds('Refunds'), [7, 8]);
  });

  test('a word with any piece outside the vocabulary is one unknown token', () => {
    assert.deepEqual(tok.tokenIds('unaffablex card'), [1, 9]);
  });

  test('a word longer than the limit is unknown without being cut', () => {
    assert.deepEqual(tok.tokenIds('refundsrefunds'), [1]);
  });

  test('punctuation and ASCII symbols are words of their own; accents, case and control characters go', () => {
    assert.deepEqual(tok.tokenIds('CÁRD?$\u0000'), [9, 10, 11]);
    assert.equal(tok.normalize('Ça\tva\u200b'), 'ca va');
  });

  test('a CJK ideograph stands alone even without spaces around it', () => {
    assert.deepEqual(tok.tokenIds('card東card'), [9, 12, 9]);
  });

  test('encode frames the pieces with [CLS] and [SEP] and cuts them to fit', () => {
    assert.deepEqual(tok.encode('unaffable card', 16), { ids: [2, 4, 5, 6, 9, 3], truncated: false });
    assert.deepEqual(tok.encode('unaffable card', 4), { ids: [2, 4, 5, 3], truncated: true });
  });

  test('refuses a tokenizer it does not implement', () => {
    assert.throws(
      () => WordPieceTokenizer.fromTokenizerJson({ model: { type: 'BPE', vocab: {} } }),
      /the model is not WordPiece/,
    );
  });
});

describe('WordPiece on the installed e5-small-v2 vocabulary', () => {
  const dir = loadConfig().retrieval.embeddingModelDir;
  if (!isInstalled(dir)) throw new ModelNotInstalledError(dir);
  const tok = WordPieceTokenizer.fromFile(modelPaths(dir).tokenizer);
  const ids = (...tokens: string[]) => tokens.map((t) => tok.idOf(t)!);

  test('is BERT uncased: 30,522 entries, [CLS] 101 and [SEP] 102', () => {
    assert.equal(tok.vocabularySize, 30522);
    assert.equal(tok.clsId, 101);
    assert.equal(tok.sepId, 102);
    assert.equal(tok.padId, 0);
  });

  test("an e5 query keeps its prefix as the words 'query' and ':'", () => {
    const got = tok.encode('query: How do I reset my password?', 512).ids;
    assert.deepEqual(got, [101, ...ids('query', ':', 'how', 'do', 'i', 'reset', 'my', 'password', '?'), 102]);
    assert.deepEqual(got, [101, 23032, 1024, 2129, 2079, 1045, 25141, 2026, 20786, 1029, 102]);
  });

  test('words outside the vocabulary are cut into known pieces, accents stripped', () => {
    assert.deepEqual(tok.tokenIds('unaffable'), ids('una', '##ffa', '##ble'));
    assert.deepEqual(tok.tokenIds('¿Cómo pido un reembolso?'), [
      ...ids('¿', 'como', 'pi', '##do', 'un', 're', '##em', '##bol', '##so', '?'),
    ]);
    assert.deepEqual(tok.tokenIds('Ångström naïve'), ids('ang', '##strom', 'naive'));
  });
});

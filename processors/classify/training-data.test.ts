import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTrainingData, TrainingDataError } from './training-data.js';

const columns = { textColumn: 'text', labelColumn: 'category' };
const read = (csv: string | Uint8Array, options = {}) =>
  readTrainingData(typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv, { ...columns, ...options });
const refuses = (csv: string | Uint8Array, pattern: RegExp, options = {}) =>
  assert.throws(
    () => read(csv, options),
    (error: unknown) => error instanceof TrainingDataError && pattern.test(error.message),
  );

const good = 'text,category\ncard lost,card\nmy card is gone,card\nrate today,rate\neuro rate,rate\n';

test('a well-formed file gives its examples and labels', () => {
  const data = read(good);
  assert.equal(data.examples.length, 4);
  assert.equal(data.rows, 4);
  assert.deepEqual(data.inScopeLabels, ['card', 'rate']);
  assert.deepEqual(data.examples[0], { text: 'card lost', label: 'card' });
});

test('other column names are read when named', () => {
  const data = read('sentence,label\na b,x\nc d,x\ne f,y\ng h,y\n', { textColumn: 'sentence', labelColumn: 'label' });
  assert.equal(data.examples.length, 4);
});

test('a missing column names the header row, the flag and the columns there are', () => {
  refuses(
    'sentence,category\na,b\n',
    /^row 1 \(header\): no column "text" \(--text-column\); the columns are sentence, category/,
  );
});

test('an empty text or label names its row', () => {
  refuses('text,category\ncard lost,card\n  ,card\n', /^row 3: the text \(text\) is empty/);
  refuses('text,category\ncard lost,card\nrate,\n', /^row 3: the label \(category\) is empty/);
});

test('a row with too few fields names its row', () => {
  refuses('text,category\ncard lost,card\norphan\n', /^row 3: 1 fields where the header has 2/);
});

test('one label is refused: a classifier needs two', () => {
  refuses('text,category\na,card\nb,card\n', /1 in-scope label\(s\) \(card\); a classifier needs at least two/);
});

test('out-of-scope rows do not count as an in-scope label', () => {
  refuses('text,category\na,card\nb,card\nc,oos\nd,oos\n', /1 in-scope label/, { oosLabel: 'oos' });
  const data = read(`${good}weather,oos\njoke,oos\n`, { oosLabel: 'oos' });
  assert.equal(data.oosRows, 2);
  assert.deepEqual(data.inScopeLabels, ['card', 'rate']);
});

test('a repeated row is refused naming both rows, or dropped on request', () => {
  const csv = `${good}euro rate,rate\n`;
  refuses(csv, /^row 6: repeats row 5 \(same text and label\).*--drop-duplicates/);
  const data = read(csv, { dropDuplicates: true });
  assert.equal(data.examples.length, 4);
  assert.equal(data.rows, 5);
  assert.equal(data.droppedDuplicates, 1);
});

test('the same text with two labels is refused even when dropping duplicates', () => {
  refuses(`${good}euro rate,card\n`, /^row 6: the same text as row 5 with another label \("card" vs "rate"\)/, {
    dropDuplicates: true,
  });
});

test('a label with one example is refused naming its row, or dropped on request', () => {
  const csv = `${good}close my account,closing\n`;
  refuses(csv, /^row 6: label "closing" has 1 example\(s\); every label needs at least 2.*--drop-rare-labels/);
  const data = read(csv, { dropRareLabels: true });
  assert.deepEqual(data.droppedRareLabels, ['closing']);
  assert.equal(data.examples.length, 4);
});

test('a byte that is not UTF-8 is refused naming its line', () => {
  const latin1 = Buffer.concat([Buffer.from(good), Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(',rate\n')]);
  refuses(latin1, /^line 6: byte 0xe9 at offset \d+ is not UTF-8/);
});

test('a UTF-16 file is refused by its byte-order mark', () => {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]);
  refuses(utf16, /UTF-16/);
});

test('a UTF-8 byte-order mark and multi-byte texts are fine', () => {
  const data = read(`\ufeff${good}perdí mi tarjeta,card\n`);
  assert.equal(data.examples.at(-1)?.text, 'perdí mi tarjeta');
});

test('an empty file is refused', () => {
  refuses('', /empty/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv, parseLabelledCsv } from './csv.js';

test('quoted fields keep their commas, doubled quotes and line breaks', () => {
  const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\n"line\none",z\n');
  assert.deepEqual(rows, [
    ['a', 'b'],
    ['x, y', 'say "hi"'],
    ['line\none', 'z'],
  ]);
});

test('a final row without a newline is kept, a byte-order mark is dropped', () => {
  assert.deepEqual(parseCsv('\ufeffh\n1'), [['h'], ['1']]);
});

test('an unterminated quote is an error, not a silently merged file', () => {
  assert.throws(() => parseCsv('a\n"open'), /quoted field/);
});

test('labelled CSV maps the text and category columns by name', () => {
  const rows = parseLabelledCsv('category,text\ncard_arrival,"Where is my card, please?"\n');
  assert.deepEqual(rows, [{ text: 'Where is my card, please?', label: 'card_arrival' }]);
  assert.throws(() => parseLabelledCsv('text,label\na,b\n'), /header/);
});

/**
 * `ticketflow model train` refusing bad input before any database or training: exit 2 and a message naming
 * the file, the row and the rule. The registry and promotion are tested against the stack in
 * model.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeArtefact } from '../../processors/classify/artefact.js';
import { EXIT } from './command.js';
import { capturedIo } from './captured-io.js';
import { main } from './main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'model-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function csvFile(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function train(args: string[]) {
  const io = capturedIo();
  const code = await main(['model', 'train', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

const rows = (label: string, texts: string[]) => texts.map((t) => `${t},${label}\n`).join('');
const good =
  'text,category\n' +
  rows('card', ['i lost my card', 'my card is gone', 'card missing', 'where is my card', 'card stolen']) +
  rows('rate', ['exchange rate', 'euro rate', 'rate today', 'what rate', 'dollar rate']);

test('train writes a model file and prints a summary; --json gives the same as data', async () => {
  const out = path.join(dir, 'acme.bin');
  const result = await train(['--data', csvFile('good.csv', good), '--name', 'acme-lr', '--out', out, '--json']);
  assert.equal(result.code, EXIT.ok, result.err);
  const summary = JSON.parse(result.out) as { version: string; rows: number; labels: number; out: string };
  assert.match(summary.version, /^acme-lr-[0-9a-f]{12}$/);
  assert.equal(summary.rows, 10);
  assert.equal(summary.labels, 2);
  assert.equal(decodeArtefact(readFileSync(out)).header.name, 'acme-lr');
  assert.match(result.err, /training \[#+\] 100%/);
});

test('--languages is kept in the model; a code that is not ISO 639 is refused with exit 2', async () => {
  const out = path.join(dir, 'acme-es.bin');
  const data = csvFile('good.csv', good);
  const result = await train(['--data', data, '--name', 'acme-lr', '--out', out, '--languages', 'es, EN', '--json']);
  assert.equal(result.code, EXIT.ok, result.err);
  assert.deepEqual((JSON.parse(result.out) as { languages: string[] }).languages, ['es', 'en']);
  assert.deepEqual(decodeArtefact(readFileSync(out)).header.languages, ['es', 'en']);
  const bad = await train(['--data', data, '--name', 'acme-lr', '--out', out, '--languages', 'en,Spanish']);
  assert.equal(bad.code, EXIT.usage);
  assert.match(bad.err, /--languages "en,Spanish": "spanish" is not an ISO 639 code/);
});

test('bad input is refused with exit 2, naming the file, the row and the rule', async () => {
  const out = ['--name', 'acme-lr', '--out', path.join(dir, 'never.bin')];
  const cases: Array<[string, string | Buffer, RegExp, string[]?]> = [
    ['missing-column.csv', 'sentence,category\na,b\n', /no column "text" \(--text-column\)/],
    ['empty-text.csv', `${good},card\n`, /row 12: the text \(text\) is empty/],
    ['one-label.csv', `text,category\n${rows('card', ['a', 'b', 'c'])}`, /a classifier needs at least two/],
    ['duplicates.csv', `${good}euro rate,rate\n`, /row 12: repeats row 8/],
    ['one-example.csv', `${good}close it,closing\n`, /row 12: label "closing" has 1 example/],
    [
      'latin1.csv',
      Buffer.concat([Buffer.from(good), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from(',rate\n')]),
      /line 12: byte 0xe9/,
    ],
    ['good.csv', good, /no column "sentence"/, ['--text-column', 'sentence']],
  ];
  for (const [name, content, pattern, extra = []] of cases) {
    const result = await train(['--data', csvFile(name, content), ...out, ...extra]);
    assert.equal(result.code, EXIT.usage, `${name}: ${result.err}`);
    assert.match(result.err, new RegExp(`^ticketflow model: .*${name}: `), name);
    assert.match(result.err, pattern, name);
  }
});

test('a file over the size limit is refused before it is read', async () => {
  const file = path.join(dir, 'huge.csv');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 300 * 2 ** 20); // sparse: no disk is used
  closeSync(fd);
  const result = await train(['--data', file, '--name', 'acme-lr', '--out', path.join(dir, 'never.bin')]);
  assert.equal(result.code, EXIT.usage);
  assert.match(result.err, /300 MiB is over the 256 MiB a training file may have/);
});

test('missing flags and files are refused with exit 2', async () => {
  const data = csvFile('good.csv', good);
  assert.match((await train(['--data', data, '--out', 'x.bin'])).err, /needs --name/);
  assert.match((await train(['--data', data, '--name', 'acme-lr'])).err, /needs --org ORG, --out FILE or both/);
  assert.match((await train(['--data', data, '--name', 'Bad Name', '--out', 'x.bin'])).err, /--name "Bad Name"/);
  const missing = await train(['--data', path.join(dir, 'nope.csv'), '--name', 'a', '--out', 'x.bin']);
  assert.equal(missing.code, EXIT.usage);
  assert.match(missing.err, /no such file/);
  const io = capturedIo();
  assert.equal(await main(['model', 'explode'], io), EXIT.usage);
  assert.equal(await main(['model', 'promote', 'v-000000000000'], io), EXIT.usage);
  assert.match(io.err(), /promote needs --org ORG/);
  assert.equal(await main(['model', 'report', 'v-000000000000', '--org', 'o', '--top', '0'], io), EXIT.usage);
  assert.match(io.err(), /--top must be a whole number from 1 to 1000, got 0/);
  assert.equal(await main(['model', 'report', '--org', 'o'], io), EXIT.usage);
  assert.match(io.err(), /report needs a model VERSION/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionError, parseQueryBenchOptions } from './options.js';
import { ROUTES } from './routes.js';

test("the defaults are issue 9's case: 100,000 tickets, every route, ingest at 100/s", () => {
  const options = parseQueryBenchOptions([]);
  assert.equal(options.tickets, 100_000);
  assert.equal(options.ingestRate, 100);
  assert.deepEqual(
    options.routes.map((r) => r.key),
    ROUTES.map((r) => r.key),
  );
  assert.equal(options.json, null);
  assert.equal(options.buildOnly, false);
});

test('flags are read, and routes keep their order whatever order they are named in', () => {
  const options = parseQueryBenchOptions(['--tickets', '500', '--routes', 'search, detail', '--json', 'out.json']);
  assert.equal(options.tickets, 500);
  assert.deepEqual(
    options.routes.map((r) => r.key),
    ['detail', 'search'],
  );
  assert.equal(options.json, 'out.json');
});

test('a bad flag is refused naming the flag and the rule', () => {
  const refuses = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parseQueryBenchOptions(argv),
      (e: unknown) => e instanceof OptionError && message.test(e.message),
    );
  refuses(['--tickets', '0'], /--tickets must be an integer from 1 to/);
  refuses(['--seconds', '2.5'], /--seconds must be an integer/);
  refuses(['--ingest-rate=-1'], /--ingest-rate must be an integer from 0/);
  refuses(['--routes', 'detail,nope'], /--routes: unknown nope; choose from detail, list/);
  refuses(['--routes', ','], /--routes: empty/);
  refuses(['--bogus'], /Unknown option '--bogus'/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionError, parseChainOptions } from './options.js';

test("the defaults are issue #7's targets: a burst of 20,000 and a steady 300/s for 60 s, one process per group", () => {
  const options = parseChainOptions([]);
  assert.equal(options.burst, 20_000);
  assert.equal(options.rate, 300);
  assert.equal(options.seconds, 60);
  assert.equal(options.shape, 'per-group');
  assert.equal(options.shareGroups, false);
  assert.equal(options.json, null);
  assert.equal(options.passthroughHandler, 'batch');
});

test('flags are read and validated', () => {
  const options = parseChainOptions([
    '--shape',
    'stages-sinks',
    '--burst',
    '500',
    '--hot-share',
    '0.7',
    '--share-groups',
    '--json',
    'out.json',
    '--raw-records',
    '0',
  ]);
  assert.equal(options.shape, 'stages-sinks');
  assert.equal(options.burst, 500);
  assert.equal(options.hotShare, 0.7);
  assert.equal(options.shareGroups, true);
  assert.equal(options.json, 'out.json');
  assert.equal(options.rawRecords, 0);
});

test('a bad value is refused naming the flag and the rule', () => {
  const refused = (args: string[], message: RegExp) =>
    assert.throws(
      () => parseChainOptions(args),
      (e: unknown) => e instanceof OptionError && message.test(e.message),
    );
  refused(['--shape', 'two'], /--shape must be one of per-group, stages-sinks, single/);
  refused(['--burst', '0'], /--burst must be an integer from 1/);
  refused(['--rate', '2.5'], /--rate must be an integer/);
  refused(['--orgs', '9'], /--orgs must be an integer from 1 to 6/);
  refused(['--hot-share', '1.5'], /--hot-share must be a number in \(0, 1\]/);
  refused(['--orgs', '1'], /--hot-share must be 1 with --orgs 1/);
  refused(['--passthrough-handler', 'fast'], /--passthrough-handler must be one of batch, per-event/);
  refused(['--bogus'], /Unknown option '--bogus'/);
});

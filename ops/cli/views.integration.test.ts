/**
 * `ticketflow views` as an operator meets it: the versions of the real views, and every request that cannot be
 * done refused with exit 2 and a message naming what was wrong, changing nothing. The rebuild itself is tested
 * on throwaway topics in ops/views/rebuild.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ticketflowHere } from './test-support.js';

test('views list prints every version of each view, and which one readers use', async () => {
  const { code, stdout, stderr } = await ticketflowHere(['views', 'list', '--json']);
  assert.equal(code, 0, stderr);
  const { versions } = JSON.parse(stdout) as {
    versions: Array<{ view: string; version: number; location: string; current: boolean }>;
  };
  for (const view of ['ticket-store', 'search-index', 'live-views']) {
    const current = versions.filter((v) => v.view === view && v.current);
    assert.equal(current.length, 1, `${view} has one current version: ${stdout}`);
  }
});

test('requests that cannot be done are refused with exit 2 and change nothing', async () => {
  const before = await ticketflowHere(['views', 'list', '--json']);
  const refusals: Array<[string[], RegExp]> = [
    [['views'], /name a views command/],
    [['views', 'rebuild'], /name a view/],
    [['views', 'rebuild', 'tickets'], /unknown view tickets: one of ticket-store, search-index, live-views/],
    [['views', 'rebuild', 'search-index', '--resume', '--abort'], /exclude each other/],
    [['views', 'rebuild', 'search-index', '--resume'], /no unfinished rebuild of search-index to resume/],
    [['views', 'switch', 'search-index', '999'], /search-index has no version 999/],
    [['views', 'switch', 'search-index', 'latest'], /version must be a whole number/],
    [['views', 'switch', 'live-views', '999'], /live-views has no version 999/],
    [['views', 'rebuild', 'live-views', '--resume'], /no unfinished rebuild of live-views to resume/],
    [['views', 'frobnicate'], /unknown views command frobnicate/],
  ];
  for (const [args, message] of refusals) {
    const { code, stderr } = await ticketflowHere(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message, args.join(' '));
  }
  const { versions } = JSON.parse(before.stdout) as {
    versions: Array<{ view: string; version: number; current: boolean }>;
  };
  const current = versions.find((v) => v.view === 'ticket-store' && v.current)!;
  const drop = await ticketflowHere(['views', 'drop', 'ticket-store', String(current.version)]);
  assert.equal(drop.code, 2);
  assert.match(drop.stderr, /is the one readers use; switch first/);
  assert.equal((await ticketflowHere(['views', 'list', '--json'])).stdout, before.stdout);
});

test('views --help describes the rebuild and exits 0', async () => {
  const { code, stdout } = await ticketflowHere(['views', '--help']);
  assert.equal(code, 0);
  assert.match(stdout, /blue\/green|switches readers atomically/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchOrg } from './dataset.js';
import { drawFrom, ROUTES, type Answer } from './routes.js';

const org: BenchOrg = { orgId: 'o', tickets: 1000, from: 0, to: 14 * 86_400_000 };
const route = (key: string) => ROUTES.find((r) => r.key === key)!;

/** The path template's static part, as a pattern: `GET /v1/tickets/:id` → ^/v1/tickets/[^/?]+$. */
function templatePattern(template: string): RegExp {
  const path = template.slice(template.indexOf(' ') + 1).replace(/:\w+/g, '[^/?]+');
  return new RegExp(`^${path}(\\?.*)?$`);
}

test('every route asks for paths of its own template', () => {
  for (const spec of ROUTES) {
    const next = spec.client(org, drawFrom(1));
    for (let i = 0; i < 50; i++) assert.match(next(null), templatePattern(spec.route), spec.key);
  }
});

test('details ask for tickets of the org at random; the same seed asks for the same ones', () => {
  const ids = (seed: number) => Array.from({ length: 200 }, drawOne(seed));
  function drawOne(seed: number) {
    const next = route('detail').client(org, drawFrom(seed));
    return () => next(null);
  }
  const first = ids(7);
  assert.deepEqual(ids(7), first);
  assert.ok(new Set(first).size > 150, 'spread over the org');
  for (const path of first) {
    const n = Number(/B-(\d+)$/.exec(path)![1]);
    assert.ok(n >= 0 && n < org.tickets);
  }
});

test('a list walk follows its cursor three pages deep, then starts another filter', () => {
  const next = route('list').client(org, drawFrom(3));
  const page = (cursor: string | null): Answer => ({
    status: 200,
    body: JSON.stringify({ items: [], nextCursor: cursor }),
  });
  const first = next(null);
  assert.match(first, /^\/v1\/tickets\?[a-z]+=.+&limit=20$/);
  assert.equal(next(page('c1')), `${first}&cursor=c1`);
  assert.equal(next(page('c/2')), `${first}&cursor=c%2F2`);
  assert.equal(next(page('c3')), `${first}&cursor=c3`);
  assert.doesNotMatch(next(page('c4')), /cursor=/, 'a new walk after three pages');
  const again = next(null);
  assert.doesNotMatch(next(page(null)), /cursor=/, 'the end of a list starts a new walk');
  assert.doesNotMatch(next({ status: 429, body: '{}' }), /cursor=/, 'so does a refusal');
  assert.ok(again.startsWith('/v1/tickets?'));
});

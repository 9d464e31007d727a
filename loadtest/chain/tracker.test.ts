import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ticketIdOf } from '../../connectors/http-ingest/ids.js';
import { hopLatencies, lostAt } from './phase.js';
import { hopCounts, settled, Tracker } from './tracker.js';

const routed = { queue: 'cards-en', decision: 'HUMAN', intent: 'card_arrival' };

test('a ticket is visible once all three stores showed it, at the latest of the three', () => {
  const tracker = new Tracker();
  const track = tracker.add('b-1', 'burst', 'org-a');
  assert.equal(track.ticketId, ticketIdOf('org-a', 'b-1'), 'the ticket ingest will name');
  assert.equal(track.key, `org-a:${track.ticketId}`);
  track.status = 202;
  tracker.changed(track, 5);
  assert.equal(tracker.awaiting.mongo.size, 0, 'not polled before its queue is known');
  tracker.routed(track, routed);
  tracker.changed(track, 5);
  assert.deepEqual([tracker.awaiting.mongo.size, tracker.awaiting.search.size, tracker.awaiting.redis.size], [1, 1, 1]);
  tracker.seenIn(track, 'search', 30);
  tracker.seenIn(track, 'mongo', 10);
  assert.ok(Number.isNaN(track.visibleAt));
  assert.equal(settled(track), false);
  tracker.seenIn(track, 'redis', 20);
  tracker.seenIn(track, 'redis', 99);
  assert.equal(track.visibleAt, 30);
  assert.equal(settled(track), true);
  assert.equal(tracker.awaiting.search.size, 0);
});

test('dead-lettered and refused interactions settle; a dead letter is no longer polled', () => {
  const tracker = new Tracker();
  const dead = tracker.add('b-1', 'burst', 'o');
  dead.status = 202;
  tracker.routed(dead, routed);
  tracker.changed(dead, 1);
  tracker.deadLettered(dead, 'live-views');
  assert.equal(settled(dead), true);
  assert.equal(tracker.awaiting.redis.size, 0);
  assert.equal(lostAt(dead), 'dead-lettered by live-views');
  const refused = tracker.add('b-2', 'burst', 'o');
  refused.status = 503;
  assert.equal(settled(refused), true);
  assert.equal(tracker.of('burst').length, 2);
  assert.match(hopCounts(tracker.of('burst')), /accepted 1 .*; dead-lettered 1; refused 1 of 2$/);
});

test('a lost interaction says where it stopped', () => {
  const tracker = new Tracker();
  const t = tracker.add('b-1', 'burst', 'o');
  t.arrivals.splice(0, 3, 1, 2, 3);
  assert.equal(lostAt(t), 'never reached grounded');
  t.arrivals.splice(3, 3, 4, 5, 6);
  assert.equal(lostAt(t), 'routed revision never on the changelog');
  tracker.routed(t, routed);
  tracker.changed(t, 7);
  tracker.seenIn(t, 'mongo', 8);
  t.mismatch.search = null;
  assert.equal(lostAt(t), 'search shows queue null not cards-en, not in redis');
});

test('hop latencies follow the interaction from the POST through every topic to each store', () => {
  const tracker = new Tracker();
  const t = tracker.add('b-1', 'burst', 'o');
  Object.assign(t, { intendedAt: 0, sentAt: 2 });
  t.arrivals.splice(0, 6, 10, 30, 60, 100, 150, 210);
  tracker.routed(t, routed);
  tracker.changed(t, 280);
  tracker.seenIn(t, 'mongo', 300);
  tracker.seenIn(t, 'search', 600);
  tracker.seenIn(t, 'redis', 320);
  const hops = Object.fromEntries(hopLatencies([t]).map((h) => [h.name, h.p50Ms]));
  assert.deepEqual(hops, {
    ingest: 8,
    enrich: 20,
    classify: 30,
    retrieve: 40,
    respond: 50,
    route: 60,
    'ticket-store': 70,
    'MongoDB read-back': 20,
    'search-index': 320,
    'live-views': 40,
    'end to end': 600,
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { KnowledgeDocument } from '../../schemas/index.js';
import { contentHash, currentOf, planImport, type CurrentDocument, type IncomingDocument } from './diff.js';
import { nextCurrent } from './current.js';
import { documentEventId } from './documents.js';

const ORG = sampleEvents.KnowledgeDocument.meta.orgId;
const NOW = Date.UTC(2026, 5, 1);

function doc(documentId: string, version: number, body: string, overrides: Partial<KnowledgeDocument> = {}) {
  const base = sampleEvents.KnowledgeDocument;
  return {
    ...base,
    meta: { ...base.meta, eventId: documentEventId(ORG, documentId, version), conversationId: documentId },
    documentId,
    version,
    body,
    ...overrides,
  } satisfies KnowledgeDocument;
}
const incoming = (document: KnowledgeDocument, versionGiven = false): IncomingDocument => ({ document, versionGiven });
const current = (...docs: KnowledgeDocument[]) =>
  new Map<string, CurrentDocument>(docs.map((d) => [d.documentId, currentOf(d)]));
const plan = (docs: IncomingDocument[], now: Map<string, CurrentDocument>, prune = false) =>
  planImport(docs, now, { prune, now: NOW });

test('the hash covers what readers see, not versions, times or envelopes', () => {
  const a = doc('a', 1, 'Body.');
  assert.equal(contentHash(a), contentHash({ ...a, version: 9, updatedAt: 5, meta: { ...a.meta, occurredAt: 7 } }));
  for (const change of [
    { body: 'Body!' },
    { title: 'Other' },
    { language: 'es' },
    { tags: ['x'] },
    { source: { kind: 'UPLOAD' as const, uri: null } },
  ]) {
    assert.notEqual(contentHash(a), contentHash({ ...a, ...change }), JSON.stringify(change));
  }
});

test('an import into an empty topic adds every document at its own version', () => {
  const result = plan([incoming(doc('a', 100, 'A.')), incoming(doc('b', 200, 'B.'))], new Map());
  assert.deepEqual(
    result.added.map((d) => [d.documentId, d.version]),
    [
      ['a', 100],
      ['b', 200],
    ],
  );
  assert.deepEqual([result.changed, result.unchanged, result.stale, result.removed], [[], [], [], []]);
  assert.equal(result.live.length, 2);
});

test('an unchanged document produces nothing, however its file was touched', () => {
  const stored = doc('a', 100, 'A.');
  const result = plan([incoming(doc('a', 500, 'A.'))], current(stored));
  assert.deepEqual(result.unchanged, ['a']);
  assert.deepEqual([result.added, result.changed], [[], []]);
  assert.deepEqual(result.live, [stored]);
});

test('a changed document gets a version above the current one, under that version’s event id', () => {
  const newer = plan([incoming(doc('a', 500, 'A, changed.'))], current(doc('a', 100, 'A.')));
  assert.deepEqual(
    newer.changed.map((d) => d.version),
    [500],
  );
  // A modification time behind the current version (a copy keeping old times, a clock set back) is raised.
  const behind = plan([incoming(doc('a', 50, 'A, changed.'))], current(doc('a', 100, 'A.')));
  const [raised] = behind.changed;
  assert.equal(raised?.version, 101);
  assert.equal(raised?.meta.eventId, documentEventId(ORG, 'a', 101));
});

test('a version the source gives is kept, and one not above the current is reported stale', () => {
  const given = plan([incoming(doc('a', 7, 'A, changed.'), true)], current(doc('a', 3, 'A.')));
  assert.deepEqual(
    given.changed.map((d) => d.version),
    [7],
  );
  const stored = doc('a', 7, 'A.');
  const stale = plan([incoming(doc('a', 7, 'A, edited without a new version.'), true)], current(stored));
  assert.deepEqual(stale.stale, [{ documentId: 'a', version: 7, currentVersion: 7 }]);
  assert.deepEqual(stale.changed, []);
  assert.deepEqual(stale.live, [stored]);
});

test('a document deleted earlier comes back above the version it was deleted at', () => {
  const deleted = new Map<string, CurrentDocument>([
    ['a', { state: 'deleted', version: 300 }],
    ['b', { state: 'deleted', version: null }],
  ]);
  const result = plan([incoming(doc('a', 100, 'A.')), incoming(doc('b', 100, 'B.'))], deleted);
  assert.deepEqual(
    result.added.map((d) => [d.documentId, d.version]),
    [
      ['a', 301],
      ['b', 100],
    ],
  );
});

test('prune deletes what the source no longer has, at the next version; without it nothing is removed', () => {
  const stored = current(doc('a', 100, 'A.'), doc('gone', 40, 'Gone.', { title: 'Old article' }));
  assert.deepEqual(plan([incoming(doc('a', 100, 'A.'))], stored).removed, []);
  const { removed, live } = plan([incoming(doc('a', 100, 'A.'))], stored, true);
  assert.equal(removed.length, 1);
  const [gone] = removed;
  assert.deepEqual(
    [gone!.documentId, gone!.version, gone!.deleted, gone!.body, gone!.title, gone!.updatedAt],
    ['gone', 41, true, '', 'Old article', NOW],
  );
  assert.equal(gone!.meta.eventId, documentEventId(ORG, 'gone', 41));
  assert.deepEqual(
    live.map((d) => d.documentId),
    ['a'],
  );
  // Already deleted documents are not deleted again.
  const again = plan([], new Map<string, CurrentDocument>([['x', { state: 'deleted', version: 4 }]]), true);
  assert.deepEqual(again.removed, []);
});

test('the topic’s records fold into what is current: the last record, a tombstone deleting at its version', () => {
  const live = doc('a', 5, 'A.');
  assert.deepEqual(nextCurrent(undefined, live, null), currentOf(live));
  assert.deepEqual(nextCurrent(currentOf(live), null, 6), { state: 'deleted', version: 6 });
  // A tombstone without a version deletes at the version last seen, or at none when it is all there is.
  assert.deepEqual(nextCurrent(currentOf(live), null, null), { state: 'deleted', version: 5 });
  assert.deepEqual(nextCurrent(undefined, null, null), { state: 'deleted', version: null });
  const deletedRecord = { ...doc('a', 6, ''), deleted: true };
  assert.deepEqual(nextCurrent(currentOf(live), deletedRecord, null), { state: 'deleted', version: 6 });
  assert.deepEqual(nextCurrent({ state: 'deleted', version: 6 }, doc('a', 7, 'Back.'), null).state, 'live');
});

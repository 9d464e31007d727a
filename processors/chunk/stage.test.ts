import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type KnowledgeChunk, type KnowledgeDocument } from '../../schemas/index.js';
import { passageEmbeddingText, type Embedder } from '../retrieve/embeddings/embedder.js';
import { decodePassageEmbedding } from '../retrieve/embeddings/passage-embedding.js';
import { wiringFor } from '../runtime/wiring.js';
import { isTombstone, ItemFailure, tombstone, type Tombstone } from '../runtime/stage.js';
import { runStage } from '../testing/stage-harness.js';
import { chunkDocument } from './cut.js';
import { LiveChunks } from './live-chunks.js';
import { chunkStage, type ChunkOutput, type ChunkTable, type DocumentChange, type DocumentInput } from './stage.js';

const ORG = sampleEvents.KnowledgeDocument.meta.orgId;
const sentence = (n: number) => `Rule number ${n} explains one precise detail of how refunds work for our customers.`;
/** A body of `paragraphs` paragraphs of six sentences: about one chunk per paragraph. */
const body = (paragraphs: number) =>
  Array.from({ length: paragraphs }, (_, p) => Array.from({ length: 6 }, (_, s) => sentence(p * 6 + s)).join(' ')).join(
    '\n\n',
  );

function documentVersion(version: number, paragraphs: number, overrides: Partial<KnowledgeDocument> = {}) {
  const base = sampleEvents.KnowledgeDocument;
  return {
    ...base,
    meta: { ...base.meta, eventId: `00000000-0000-4000-8000-${String(version).padStart(12, '0')}` },
    version,
    body: body(paragraphs),
    ...overrides,
  } satisfies KnowledgeDocument;
}

/** A table as the topic would hold it once `outputs` were produced and read back. */
function tableOf(live: LiveChunks, reads: { count: number } = { count: 0 }): ChunkTable {
  return {
    async catchUp() {
      reads.count++;
      live.settle();
    },
    live: (org, doc) => live.live(org, doc),
    emitted: (org, doc, version, indexes) => live.emitted(org, doc, version, indexes),
  };
}

function readBack(live: LiveChunks, outputs: readonly ChunkOutput[]) {
  for (const output of outputs) {
    if (isTombstone(output)) live.applyTombstone(output.meta.orgId, output.entityId, output.version);
    else live.applyChunk(output);
  }
}

async function handle(live: LiveChunks, inputs: DocumentInput[]): Promise<ChunkOutput[][]> {
  const answers = await runStage(chunkStage({ table: tableOf(live) }), inputs);
  return answers.map((a) => {
    if (a instanceof ItemFailure) throw a.error;
    return [...a];
  });
}

const records = (outputs: readonly ChunkOutput[]) => outputs.filter((o): o is KnowledgeChunk => !isTombstone(o));
const tombstones = (outputs: readonly ChunkOutput[]) => outputs.filter((o): o is Tombstone => isTombstone(o));

test('the stage reads documents and their tombstones and writes entity-keyed chunks', () => {
  const wiring = wiringFor(chunkStage({ table: tableOf(new LiveChunks()) }));
  assert.deepEqual(wiring.inputTopics, ['tf.knowledge.documents.v1']);
  assert.equal(wiring.outputTopic, 'tf.knowledge.chunks.v1');
  assert.equal(wiring.groupId, 'tf.chunk');
  assert.ok(wiring.tombstoneTopics.has('tf.knowledge.documents.v1'));
});

test('a first version becomes its chunks, in order, valid under the schema, with derived ids', async () => {
  const live = new LiveChunks();
  const doc = documentVersion(1, 3);
  const [outputs] = await handle(live, [doc]);
  const expected = chunkDocument(doc);
  assert.ok(expected.length >= 3);
  assert.deepEqual(
    outputs!.map((o) => (isTombstone(o) ? 'tombstone' : o.chunkId)),
    expected.map((c) => c.chunkId),
  );
  for (const [i, chunk] of records(outputs!).entries()) {
    eventCatalog().encode('KnowledgeChunk', chunk);
    assert.deepEqual(
      { ...chunk, meta: undefined },
      { ...expected[i]!, deleted: false, embedding: null, meta: undefined },
    );
    assert.equal(chunk.meta.causationId, doc.meta.eventId);
    assert.equal(chunk.meta.conversationId, doc.documentId);
  }
  // The same version again (a redelivery) gives the same outputs under the same ids.
  const [again] = await handle(live, [doc]);
  assert.deepEqual(again, outputs);
});

test('a shorter version deletes the surplus chunks: a deleted record, then a tombstone with the version', async () => {
  const live = new LiveChunks();
  const [long] = await handle(live, [documentVersion(1, 5)]);
  readBack(live, long!);
  const longCount = records(long!).length;

  const [short] = await handle(live, [documentVersion(2, 2)]);
  const kept = chunkDocument(documentVersion(2, 2)).length;
  const deleted = records(short!).filter((c) => c.deleted);
  assert.deepEqual(
    deleted.map((c) => c.chunkIndex),
    Array.from({ length: longCount - kept }, (_, i) => kept + i),
  );
  for (const c of deleted) {
    assert.equal(c.text, '');
    assert.equal(c.documentVersion, 2);
    assert.equal(c.chunkCount, kept);
    eventCatalog().encode('KnowledgeChunk', c);
  }
  assert.deepEqual(
    tombstones(short!).map((t) => [t.entityId, t.version]),
    deleted.map((c) => [c.chunkId, 2]),
  );
  // Each deletion's record comes right before its tombstone, so compaction keeps the tombstone.
  const order = short!.slice(kept).map((o) => (isTombstone(o) ? `t:${o.entityId}` : `r:${o.chunkId}`));
  assert.deepEqual(
    order,
    deleted.flatMap((c) => [`r:${c.chunkId}`, `t:${c.chunkId}`]),
  );

  readBack(live, short!);
  assert.deepEqual(live.live(ORG, 'doc-refunds').indexes, [...Array(kept).keys()]);
});

test('a deleted document, or its tombstone, deletes every live chunk', async () => {
  const live = new LiveChunks();
  const [first] = await handle(live, [documentVersion(4, 3)]);
  readBack(live, first!);
  const count = records(first!).length;

  const [removed] = await handle(live, [documentVersion(5, 0, { deleted: true, body: '' })]);
  assert.equal(records(removed!).filter((c) => c.deleted).length, count);
  assert.ok(records(removed!).every((c) => c.deleted && c.documentVersion === 5));
  assert.equal(tombstones(removed!).length, count);

  // A tombstone of the document read before its deleted record was produced deletes at the live version.
  const other = new LiveChunks();
  readBack(other, first!);
  const nullDocument = tombstone({ ...sampleEvents.KnowledgeDocument.meta, eventId: 'x' }, 'doc-refunds', null);
  const [fromNull] = await handle(other, [nullDocument]);
  assert.ok(records(fromNull!).every((c) => c.deleted && c.documentVersion === 4 && c.title === ''));
  assert.equal(tombstones(fromNull!).length, count);
  readBack(other, fromNull!);
  assert.deepEqual(other.live(ORG, 'doc-refunds'), { version: 4, indexes: [] });
});

test('an older version arriving late changes nothing', async () => {
  const live = new LiveChunks();
  const [v3] = await handle(live, [documentVersion(3, 2)]);
  readBack(live, v3!);
  assert.deepEqual(await handle(live, [documentVersion(2, 6)]), [[]]);
  assert.deepEqual(await handle(live, [tombstone(documentVersion(2, 0).meta, 'doc-refunds', 2)]), [[]]);
});

test('versions in one batch see each other before the topic does: the later deletes the earlier’s surplus', async () => {
  const live = new LiveChunks();
  const reads = { count: 0 };
  const answers = await runStage(chunkStage({ table: tableOf(live, reads) }), [
    documentVersion(1, 6),
    documentVersion(2, 1),
  ]);
  assert.equal(reads.count, 1, 'one catch-up per batch');
  const [v1, v2] = answers as ChunkOutput[][];
  const v1Count = records(v1!).length;
  assert.deepEqual(
    tombstones(v2!).map((t) => t.entityId),
    Array.from({ length: v1Count - 1 }, (_, i) => `doc-refunds#${i + 1}`),
  );
});

/** Stands in for the model: a passage's embedding is its length, then ones; records what it was asked. */
class RecordingEmbedder implements Embedder {
  readonly modelId = 'recording';
  readonly dimension = 4;
  passages: string[][] = [];
  fail = false;
  embedQueries(): Promise<Float32Array[]> {
    throw new Error('the chunk stage embeds no question');
  }
  embedPassages(texts: readonly string[]) {
    if (this.fail) return Promise.reject(new Error('model broke'));
    this.passages.push([...texts]);
    return Promise.resolve(texts.map((t) => Float32Array.from([t.length, 1, 1, 1])));
  }
  close() {
    return Promise.resolve();
  }
}

test('with an embedder, every passage of a batch is embedded in one call and carries its vector', async () => {
  const embedder = new RecordingEmbedder();
  const live = new LiveChunks();
  const v1 = documentVersion(1, 4);
  const doc2 = documentVersion(1, 2, { documentId: 'doc-shipping', title: 'Shipping' });
  const answers = await runStage(chunkStage({ table: tableOf(live), embedder }), [v1, doc2]);
  const outputs = (answers as ChunkOutput[][]).flat();
  const passages = records(outputs);
  assert.equal(embedder.passages.length, 1, 'one call for the batch');
  assert.deepEqual(embedder.passages[0], passages.map(passageEmbeddingText));
  for (const p of passages) {
    eventCatalog().encode('KnowledgeChunk', p);
    assert.equal(p.embedding?.model, 'recording');
    assert.deepEqual(
      decodePassageEmbedding(p.embedding, 'recording', 4),
      Float32Array.from([passageEmbeddingText(p).length, 1, 1, 1]),
    );
  }
  readBack(live, outputs);

  // Deletions carry no embedding, and cost no call when nothing else is emitted.
  const [shorter] = (await runStage(chunkStage({ table: tableOf(live), embedder }), [
    documentVersion(2, 0, { deleted: true }),
  ])) as ChunkOutput[][];
  assert.ok(records(shorter!).every((c) => c.deleted && c.embedding === null));
  assert.equal(embedder.passages.length, 1);
});

test('a model failure fails the items that had passages to embed, and only those', async () => {
  const embedder = new RecordingEmbedder();
  embedder.fail = true;
  const live = new LiveChunks();
  const [v2] = await handle(live, [documentVersion(2, 1)]);
  readBack(live, v2!);
  const answers = await runStage(chunkStage({ table: tableOf(live), embedder }), [
    documentVersion(3, 2),
    documentVersion(1, 2),
  ]);
  assert.ok(answers[0] instanceof ItemFailure);
  assert.deepEqual(answers[1], [], 'an older version emits nothing, so nothing failed');
});

test('the changed and removed documents of a batch are reported once each; a late older version is not', async () => {
  const live = new LiveChunks();
  const reported: Array<readonly DocumentChange[]> = [];
  const stage = chunkStage({
    table: tableOf(live),
    onDocumentsChanged: async (changes) => void reported.push(changes),
  });
  const other = documentVersion(1, 1, { documentId: 'doc-cards', title: 'Cards' });
  const first = await runStage(stage, [documentVersion(3, 2), documentVersion(4, 1), other]);
  for (const outputs of first) if (!(outputs instanceof ItemFailure)) readBack(live, outputs);
  await runStage(stage, [documentVersion(2, 6)]);
  await runStage(stage, [tombstone(documentVersion(5, 0).meta, 'doc-cards', 2)]);
  assert.deepEqual(reported, [
    [
      { orgId: ORG, documentId: 'doc-refunds' },
      { orgId: ORG, documentId: 'doc-cards' },
    ],
    [],
    [{ orgId: ORG, documentId: 'doc-cards' }],
  ]);
});

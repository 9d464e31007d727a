/**
 * `npm run bench:kb`: the knowledge base as a stream, timed. An org of `--documents` generated articles (1 to 8
 * paragraphs each) imported onto a throwaway compacted documents topic, cut by the chunk stage and indexed by the
 * kb-index sink (both in this process, as the catalog builds them) into a throwaway index; each phase is timed
 * from the start of the import until the index shows exactly what the documents topic holds:
 *
 * 1. the first import; 2. the same folder again (nothing changes); 3. `--changed` of the articles rewritten, a
 * third of them shorter; 4. `--pruned` of them deleted (`--prune`); 5. a second, one-article org imported while
 * `--other-records` records of other orgs sit on the topic, which the importer reads to find its own; 6. the
 * chunk stage's table restored from the chunks topic by a new instance.
 *
 *   npm run bench:kb -- [--documents 2000] [--changed 0.1] [--pruned 0.05] [--other-records 10000] [--json FILE]
 */
import { Client } from '@elastic/elasticsearch';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { importPath, type ImportSummary } from '../connectors/kb-import/import.js';
import { untilSearchable } from '../connectors/kb-import/searchable.js';
import { upsertOrganization } from '../ops/db/ingest-keys.js';
import { chunkRecordsApplier } from '../processors/chunk/chunk-table.js';
import { chunkDocument } from '../processors/chunk/cut.js';
import { LiveChunks } from '../processors/chunk/live-chunks.js';
import { TopicFollower } from '../processors/runtime/topic-follower.js';
import { codec, config, kafka, produceEvents } from '../processors/testing/kafka-kit.js';
import { createKnowledgeTopics, startChunkStage, startKbIndex } from '../processors/testing/knowledge-kit.js';
import { sampleEvents } from '../schemas/fixtures.js';
import type { KnowledgeDocument } from '../schemas/index.js';
import { entityKey } from '../topics/keys.js';
import { markdownTable, round } from './stats.js';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '2000' },
    changed: { type: 'string', default: '0.1' },
    pruned: { type: 'string', default: '0.05' },
    'other-records': { type: 'string', default: '10000' },
    json: { type: 'string' },
  },
});
const DOCUMENTS = Number(values.documents);
const CHANGED = Math.round(DOCUMENTS * Number(values.changed));
const PRUNED = Math.round(DOCUMENTS * Number(values.pruned));
const OTHER_RECORDS = Number(values['other-records']);

const WORDS = (
  'account card payment refund order delivery password transfer balance statement fee limit app branch ' +
  'address phone email verify security freeze replace cancel subscription invoice receipt currency travel'
).split(' ');

/** A deterministic pseudo-random stream, so two runs write the same articles. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function article(n: number, edition: number): string {
  const next = rng(n * 7919 + edition);
  const pick = () => WORDS[Math.floor(next() * WORDS.length)]!;
  const paragraphs = 1 + Math.floor(next() * 8);
  const sentence = () =>
    `To ${pick()} your ${pick()}, open the ${pick()} page and choose ${pick()}; it takes effect within ` +
    `${1 + Math.floor(next() * 9)} business days for every ${pick()} ${pick()}.`;
  const body = Array.from({ length: paragraphs }, (_, p) => {
    const heading = p > 0 && next() < 0.4 ? `## ${pick()} and ${pick()}\n\n` : '';
    return heading + Array.from({ length: 3 + Math.floor(next() * 4) }, sentence).join(' ');
  });
  return `# Article ${n}: ${pick()} ${pick()}\n\n${body.join('\n\n')}`;
}

const es = new Client({ node: config.elasticsearch.url, requestTimeout: 60_000 });
const db = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const run = randomUUID().slice(0, 8);
const org = `bench-kb-${run}`;
const otherOrg = `bench-kb-other-${run}`;
const index = `tfbench-kb-${run}`;
const dir = await mkdtemp(path.join(tmpdir(), 'bench-kb-'));
const topics = await createKnowledgeTopics(12);
const deps = { kafka, codec, db, topic: topics.documents };

interface Phase {
  readonly phase: string;
  readonly documents: number;
  readonly produced: number;
  readonly recordsRead: number;
  readonly importMs: number;
  readonly searchableMs: number;
  readonly liveChunks: number;
}
const phases: Phase[] = [];

async function phase(name: string, orgId: string, target: string, prune = false): Promise<ImportSummary> {
  const started = performance.now();
  const { summary, plan } = await importPath(deps, target, { orgId, prune });
  const imported = performance.now();
  await untilSearchable(es, orgId, plan.live, { index, timeoutMs: 600_000 });
  const searchable = performance.now();
  const liveChunks = plan.live.reduce((n, d) => n + chunkDocument(d).length, 0);
  phases.push({
    phase: name,
    documents: summary.documents,
    produced: summary.produced,
    recordsRead: summary.recordsRead,
    importMs: imported - started,
    searchableMs: searchable - started,
    liveChunks,
  });
  console.log(
    `${name}: ${summary.produced} records in ${round(imported - started)} ms, searchable after ` +
      `${round(searchable - started)} ms (${liveChunks} live chunks)`,
  );
  return summary;
}

const load = loadavg()[0]!;
let stages: Array<{ stop(): Promise<void> }> = [];
try {
  for (const id of [org, otherOrg]) await upsertOrganization(db, { id, name: `kb benchmark ${id}` });
  await Promise.all(Array.from({ length: DOCUMENTS }, (_, n) => writeFile(path.join(dir, `a-${n}.md`), article(n, 0))));
  stages = [await startChunkStage(topics), await startKbIndex(es, topics, index)];

  await phase('first import', org, dir);
  await phase('same folder again', org, dir);
  await Promise.all(
    Array.from({ length: CHANGED }, (_, k) => {
      const n = k * Math.floor(DOCUMENTS / Math.max(1, CHANGED));
      // Every third change cuts the article to one paragraph, so its surplus chunks are deleted.
      const text = k % 3 === 0 ? article(n, 1).split('\n\n').slice(0, 2).join('\n\n') : article(n, 1);
      return writeFile(path.join(dir, `a-${n}.md`), text);
    }),
  );
  await phase(`${CHANGED} changed`, org, dir);
  await Promise.all(Array.from({ length: PRUNED }, (_, k) => unlink(path.join(dir, `a-${DOCUMENTS - 1 - k}.md`))));
  await phase(`${PRUNED} pruned`, org, dir, true);

  // Other orgs' records, which an import reads past to find its own (they never become chunks: no stage sees
  // them before the table is restored below, and their org is not this run's).
  const base = sampleEvents.KnowledgeDocument;
  const others: KnowledgeDocument[] = Array.from({ length: OTHER_RECORDS }, (_, i) => ({
    ...base,
    meta: { ...base.meta, orgId: `bench-kb-noise-${i % 50}`, eventId: randomUUID() },
    documentId: `noise-${i}`,
    body: article(i, 9),
  }));
  await stages[0]!.stop();
  stages = stages.slice(1);
  console.log(`producing ${OTHER_RECORDS} records of other orgs`);
  await produceEvents(topics.documents, others, undefined, (d) => entityKey(d.meta.orgId, d.documentId));
  const one = await mkdtemp(path.join(tmpdir(), 'bench-kb-one-'));
  await writeFile(path.join(one, 'only.md'), article(0, 5));
  console.log('importing one article for another org');
  const started = performance.now();
  const { summary } = await importPath(deps, one, {
    orgId: otherOrg,
    onProgress: (p) => {
      if (p.phase === 'reading' && p.done % 5000 === 0) console.log(`  read ${p.done}/${p.total}`);
    },
  });
  const otherMs = performance.now() - started;
  console.log(`one article among ${summary.recordsRead} records of the topic: ${round(otherMs)} ms`);
  await rm(one, { recursive: true, force: true });

  // A new chunk stage instance restores its table from the chunks topic before its first batch.
  const live = new LiveChunks();
  const follower = new TopicFollower(kafka, topics.chunks, { apply: chunkRecordsApplier(live, codec) });
  const restoreStarted = performance.now();
  await follower.catchUp();
  const restoreMs = performance.now() - restoreStarted;
  const admin = kafka.admin();
  await admin.connect();
  const chunkRecords = (await admin.fetchTopicOffsets(topics.chunks)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  await follower.stop();
  console.log(`chunk table restored from ${chunkRecords} records in ${round(restoreMs)} ms`);

  console.log('');
  console.log(
    markdownTable(
      [
        'phase',
        'documents',
        'records produced',
        'topic records read',
        'import ms',
        'searchable after ms',
        'live chunks',
      ],
      phases.map((p) => [
        p.phase,
        p.documents,
        p.produced,
        p.recordsRead,
        round(p.importMs),
        round(p.searchableMs),
        p.liveChunks,
      ]),
    ),
  );
  console.log(`\nload average before the run: ${load.toFixed(1)}`);
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          documents: DOCUMENTS,
          phases,
          otherOrgImport: { recordsRead: summary.recordsRead, ms: otherMs },
          chunkTableRestore: { records: chunkRecords, ms: restoreMs },
          loadAverage: load,
        },
        null,
        2,
      ),
    );
  }
} finally {
  await Promise.allSettled(stages.map((s) => s.stop()));
  await topics.dispose();
  await es.indices.delete({ index, ignore_unavailable: true });
  await db.query('DELETE FROM organizations WHERE id = ANY($1)', [[org, otherOrg]]);
  await Promise.allSettled([db.end(), es.close(), rm(dir, { recursive: true, force: true })]);
}

/**
 * `ticketflow kb import`: a folder of Markdown/HTML/text articles, or a JSON-lines file, into an org's knowledge
 * base: KnowledgeDocument events on the compacted documents topic (connectors/kb-import), which the chunk stage
 * cuts into passages and the kb-index sink indexes. Re-running it is safe: only what changed is produced.
 * `ticketflow kb search` (kb-search.ts) answers questions from it.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { ImportRefused, importPath, type ImportSummary } from '../../connectors/kb-import/import.js';
import { EventCodec } from '../../processors/runtime/codec.js';
import { MAX_KB_SEARCH_K } from '../../processors/retrieve/hybrid/kb-search.js';
import { TOPIC } from '../../topics/topology.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { operatorKafka } from './kafka.js';
import { runKbSearch } from './kb-search.js';
import { printJson } from './output.js';
import { Progress } from './progress.js';

const USAGE = `usage: ticketflow kb import --org <id> <path> [--prune] [--language <bcp47>] [--json] [--topic <name>]
       ticketflow kb search --org <id> [--k 5] [--language <bcp47>] [--json] [--topic <name>] < questions.txt

import:
  <path>       a folder of .md/.html/.txt articles, or a .jsonl file of {"id","title","text","language"} lines
               (or "body" as Markdown, "html"; optional "tags", "url", "version", "updatedAt")
  --org        the organization; it must exist (ticketflow db create-org)
  --prune      delete the org's documents that are not in <path>
  --language   language of documents that do not name theirs (default en)
  --json       print the summary as JSON
  --topic      the documents topic (default ${TOPIC.knowledgeDocument}; tests use their own)

Produces a KnowledgeDocument for each new or changed document (compared by a hash of its content with what the
documents topic holds), nothing for an unchanged one, and with --prune a deletion and a tombstone for each one
gone from <path>. The chunk and kb-index processors make them searchable.

search:
  --org        the organization; it must exist
  --k          hits per question at most, each from its own document (1..${MAX_KB_SEARCH_K}, default 5)
  --language   only passages in this language (default: every language)
  --json       accepted for symmetry: the output is always JSON lines
  --topic      the chunks topic (default ${TOPIC.knowledgeChunk}; tests use their own)

Reads questions from stdin, one per line, and prints one JSON line per line, in order:
  {"hits":[{"documentId","chunkId","score","title","text","sourceUri"}, …]}  best first; a blank line has none.
Answered by the retrieve stage's hybrid retrieval (BM25 + e5 embeddings in FAISS, fused), in this process, after
reading the chunks topic to its end.`;

function printSummary(io: Io, s: ImportSummary): void {
  line(
    io.stdout,
    `${s.documents} documents for ${s.orgId}: ${s.added.length} new, ${s.changed.length} changed, ` +
      `${s.unchanged} unchanged, ${s.removed.length} removed; ${s.produced} records to ${s.topic} in ${s.durationMs} ms`,
  );
  const list = (ids: readonly string[]) => (ids.length > 10 ? `${ids.slice(0, 10).join(', ')}, …` : ids.join(', '));
  if (s.added.length > 0) line(io.stdout, `  new: ${list(s.added)}`);
  if (s.changed.length > 0) line(io.stdout, `  changed: ${list(s.changed)}`);
  if (s.removed.length > 0) line(io.stdout, `  removed: ${list(s.removed)}`);
  for (const stale of s.stale) {
    line(
      io.stdout,
      `  skipped ${stale.documentId}: changed, but its version ${stale.version} is not above the current ` +
        `${stale.currentVersion}; raise its version`,
    );
  }
}

export const command: Command = {
  name: 'kb',
  summary: "import articles into an org's knowledge base, or search it",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseOptions(argv, {
      org: { type: 'string' },
      language: { type: 'string', default: 'en' },
      prune: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      topic: { type: 'string' },
      k: { type: 'string', default: '5' },
    });
    const [action, target, ...rest] = positionals;
    if (action !== 'import' && action !== 'search') {
      throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'missing action', true);
    }
    if (!values.org) throw new UsageError('--org is required', true);
    if (action === 'search') {
      if (positionals.length > 1)
        throw new UsageError('search reads its questions from stdin, and takes no path', true);
      const k = Number(values.k);
      if (!Number.isInteger(k) || k < 1 || k > MAX_KB_SEARCH_K) {
        throw new UsageError(
          `--k must be a whole number from 1 to ${MAX_KB_SEARCH_K}, not ${JSON.stringify(values.k)}`,
        );
      }
      return runKbSearch(
        loadConfig(),
        {
          orgId: values.org,
          k,
          ...(argv.some((a) => a === '--language' || a.startsWith('--language=')) ? { language: values.language } : {}),
          topic: values.topic ?? TOPIC.knowledgeChunk,
          input: io.stdin ?? process.stdin,
        },
        io,
      );
    }
    if (!target || rest.length > 0) throw new UsageError('import takes exactly one path', true);
    if (!existsSync(target)) throw new UsageError(`${target}: no such file or folder`);

    const config = loadConfig();
    const db = new pg.Pool({ connectionString: config.postgres.url, max: 2, connectionTimeoutMillis: 5000 });
    const kafka = operatorKafka(config, 'kb-import');
    const codec = EventCodec.connect(config.schemaRegistry.url);
    const reading = new Progress({ label: 'reading the documents topic', unit: 'records', stream: io.stderr });
    const producing = new Progress({ label: 'producing', unit: 'records', stream: io.stderr });
    try {
      const { summary } = await importPath(
        { kafka, codec, db, topic: values.topic ?? TOPIC.knowledgeDocument },
        target,
        {
          orgId: values.org,
          defaultLanguage: values.language,
          prune: values.prune,
          onProgress: (p) => {
            if (p.phase === 'reading') return reading.update(p.done, p.total);
            reading.finish();
            producing.update(p.done, p.total);
          },
        },
      );
      producing.finish();
      if (values.json) printJson(io.stdout, summary);
      else printSummary(io, summary);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ImportRefused) throw new UsageError(error.message);
      throw error;
    } finally {
      await db.end();
    }
  },
};

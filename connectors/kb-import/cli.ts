/**
 * `tsx connectors/kb-import/cli.ts --org <id> <path> [--index tf-kb-chunks] [--language en] [--prune]`
 * Imports a folder of Markdown/HTML/text articles, or a JSON-lines file, into the org's knowledge base in
 * Elasticsearch (ELASTICSEARCH_URL). Re-running it is safe: unchanged documents are rewritten in place.
 */
import { Client } from '@elastic/elasticsearch';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.js';
import { DEFAULT_CHUNK_INDEX } from '../../processors/retrieve/chunk-index.js';
import { importPath } from './import.js';

const USAGE = 'usage: kb-import --org <id> <path> [--index <name>] [--language <bcp47>] [--prune]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    org: { type: 'string' },
    index: { type: 'string', default: DEFAULT_CHUNK_INDEX },
    language: { type: 'string', default: 'en' },
    prune: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.org || positionals.length !== 1) {
  console.error(USAGE);
  process.exit(2);
}

const config = loadConfig();
const client = new Client({ node: config.elasticsearch.url, requestTimeout: 30_000 });
try {
  const started = Date.now();
  const summary = await importPath(client, positionals[0]!, {
    orgId: values.org,
    index: values.index,
    defaultLanguage: values.language,
    prune: values.prune,
    onProgress: (p) => console.log(`  ${p.documents}/${p.totalDocuments} documents, ${p.chunks} chunks`),
  });
  console.log(
    `imported ${summary.documents} documents (${summary.chunks} chunks) for ${values.org} into ${values.index} ` +
      `in ${Date.now() - started} ms`,
  );
  if (summary.surplusChunksDeleted > 0) console.log(`deleted ${summary.surplusChunksDeleted} surplus chunks`);
  if (summary.stale.length > 0)
    console.log(`skipped ${summary.stale.length} with a newer version indexed: ${summary.stale.join(', ')}`);
  if (summary.pruned.length > 0) console.log(`pruned ${summary.pruned.length} documents: ${summary.pruned.join(', ')}`);
} catch (error) {
  console.error(`kb-import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await client.close();
}

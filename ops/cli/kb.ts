/**
 * `ticketflow kb import`: a folder of Markdown/HTML/text articles, or a JSON-lines file, into an org's
 * knowledge base in Elasticsearch (connectors/kb-import). Re-running it is safe: unchanged documents are
 * rewritten in place.
 */
import { Client } from '@elastic/elasticsearch';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/index.js';
import { importPath } from '../../connectors/kb-import/import.js';
import { DEFAULT_CHUNK_INDEX } from '../../processors/retrieve/chunk-index.js';
import { EXIT, line, parseOptions, UsageError, type Command } from './command.js';
import { Progress } from './progress.js';

const USAGE = `usage: ticketflow kb import --org <id> <path> [--index <name>] [--language <bcp47>] [--prune]
  <path>       a folder of .md/.html/.txt articles, or a .jsonl file of documents
  --index      the chunk index (default ${DEFAULT_CHUNK_INDEX})
  --language   language of documents that do not name theirs (default en)
  --prune      delete the org's indexed documents that are not in this import`;

export const command: Command = {
  name: 'kb',
  summary: "import articles into an org's knowledge base",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseOptions(argv, {
      org: { type: 'string' },
      index: { type: 'string', default: DEFAULT_CHUNK_INDEX },
      language: { type: 'string', default: 'en' },
      prune: { type: 'boolean', default: false },
    });
    const [action, target, ...rest] = positionals;
    if (action !== 'import') {
      throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'missing action', true);
    }
    if (!values.org) throw new UsageError('--org is required', true);
    if (!target || rest.length > 0) throw new UsageError('import takes exactly one path', true);
    if (!existsSync(target)) throw new UsageError(`${target}: no such file or folder`);

    const config = loadConfig();
    const client = new Client({ node: config.elasticsearch.url, requestTimeout: 30_000 });
    const progress = new Progress({ label: 'importing', unit: 'documents', stream: io.stderr });
    try {
      const started = Date.now();
      const summary = await importPath(client, target, {
        orgId: values.org,
        index: values.index,
        defaultLanguage: values.language,
        prune: values.prune,
        onProgress: (p) => progress.update(p.documents, p.totalDocuments),
      });
      progress.finish();
      line(
        io.stdout,
        `imported ${summary.documents} documents (${summary.chunks} chunks) for ${values.org} into ${values.index} ` +
          `in ${Date.now() - started} ms`,
      );
      if (summary.surplusChunksDeleted > 0) line(io.stdout, `deleted ${summary.surplusChunksDeleted} surplus chunks`);
      if (summary.stale.length > 0) {
        line(io.stdout, `skipped ${summary.stale.length} with a newer version indexed: ${summary.stale.join(', ')}`);
      }
      if (summary.pruned.length > 0) {
        line(io.stdout, `pruned ${summary.pruned.length} documents: ${summary.pruned.join(', ')}`);
      }
      return EXIT.ok;
    } finally {
      await client.close();
    }
  },
};

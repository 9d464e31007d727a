/**
 * `tsx connectors/kb-import/abcd-cli.ts [guidelines.json] > abcd.jsonl`
 * Converts the ABCD guidelines (default: ../shared/datasets/abcd/guidelines.json) to JSON lines, ready for
 * `kb-import --org <id> abcd.jsonl`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../../config/index.js';
import { abcdDocuments } from './abcd.js';

const file = process.argv[2] ?? path.resolve(repoRoot, '..', 'shared', 'datasets', 'abcd', 'guidelines.json');
try {
  const documents = abcdDocuments(JSON.parse(await readFile(file, 'utf8')));
  process.stdout.write(documents.map((d) => JSON.stringify(d)).join('\n') + '\n');
  console.error(`${documents.length} documents from ${file}`);
} catch (error) {
  console.error(`abcd: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

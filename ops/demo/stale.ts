/**
 * A process the supervisor leaves running keeps the code it started with. This finds the ones whose own folder
 * changed since they started, so the demo can say why they may not behave as the code now reads.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, type StackConfig } from '../../config/index.js';
import { INGEST_APP, PROCESSOR_APPS, QUERY_API_APP } from '../stack/apps.js';
import { readPidRecord, serviceFiles } from '../stack/supervisor.js';

export function staleProcesses(stack: StackConfig): string[] {
  const notes: string[] = [];
  for (const app of [...PROCESSOR_APPS, INGEST_APP, QUERY_API_APP]) {
    const record = readPidRecord(serviceFiles(stack, app.name).pidFile);
    if (!record) continue;
    const startedAt = Date.parse(record.startedAt);
    const dir = path.dirname(path.join(repoRoot, app.entry));
    const changed = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => ({ f, at: statSync(path.join(dir, f)).mtimeMs }))
      .filter((x) => x.at > startedAt)
      .sort((a, b) => b.at - a.at);
    if (changed.length === 0) continue;
    const where = path.relative(repoRoot, path.join(dir, changed[0]!.f));
    notes.push(
      `${app.name} was started at ${new Date(startedAt).toTimeString().slice(0, 8)}, before ${where} changed: ` +
        `it runs the older code. To restart it: npm run stack -- stop ${app.name} && npm run stack -- up --apps`,
    );
  }
  return notes;
}

/**
 * `tsx ops/run-tests.ts unit|integration [filter]`: finds the suite's files and runs them with node's test
 * runner. Unit tests are `*.test.ts` beside the code; integration tests, which need the running stack, are
 * `*.integration.test.ts`.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config/index.js';

const restartsStack = (file: string) => file.endsWith('.restarts-stack.integration.test.ts');

const SKIP = new Set(['node_modules', '.stack', 'dist', '.git']);

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const [suite, filter] = process.argv.slice(2);
if (suite !== 'unit' && suite !== 'integration') {
  console.error('usage: tsx ops/run-tests.ts unit|integration [path-filter]');
  process.exit(2);
}
const files = findTests(repoRoot)
  .filter((f) => f.endsWith('.integration.test.ts') === (suite === 'integration'))
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no ${suite} tests found`);
  process.exit(1);
}
// A hung test (and a file: node applies the timeout to each file too) fails after this long instead of holding
// the whole run until CI's limit. Files that stop and start servers wait for each one's start-up, so get longer.
const timeoutMs = suite === 'integration' ? 300_000 : 60_000;
const restartsStackTimeoutMs = 1_200_000;
// Force-exit: a file whose tests all finished must not hold the run open on a client's leaked socket (kafkajs
// can keep one after a broker restart), which would stall CI instead of failing anything.
const args = ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec'];
// Integration files share one stack; running them one at a time keeps their timings and load readable.
if (suite === 'integration') args.push('--test-concurrency=1');

function runNodeTests(batch: string[], timeout: number): Promise<number> {
  const files = batch.map((f) => path.relative(repoRoot, f));
  const child = spawn(process.execPath, [...args, `--test-timeout=${timeout}`, ...files], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
}

// Tests that restart a shared server run in a second pass, so nothing else meets a server just back up.
const batches = [files.filter((f) => !restartsStack(f)), files.filter(restartsStack)].filter((b) => b.length > 0);
let exitCode = 0;
for (const batch of batches) {
  const timeout = batch.every(restartsStack) ? restartsStackTimeoutMs : timeoutMs;
  exitCode = Math.max(exitCode, await runNodeTests(batch, timeout));
}
process.exit(exitCode);

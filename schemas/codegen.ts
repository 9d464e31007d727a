/**
 * `npm run codegen`: writes schemas/generated/events.ts from the .avsc files. The file is committed, so code
 * and reviews see the types without running anything; codegen.test.ts keeps it from going stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { loadEventCatalog } from './catalog.js';
import { renderEventTypes } from './typescript.js';

export const GENERATED_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generated', 'events.ts');

/** The generated module as it should be on disk, formatted with the repository's Prettier settings. */
export async function generateEventTypes(): Promise<string> {
  const source = renderEventTypes([...loadEventCatalog()].map((entry) => entry.schema));
  const options = (await prettier.resolveConfig(GENERATED_FILE)) ?? {};
  return prettier.format(source, { ...options, filepath: GENERATED_FILE });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED_FILE, await generateEventTypes());
  console.log(`wrote ${path.relative(process.cwd(), GENERATED_FILE)}`);
}

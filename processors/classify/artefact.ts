/**
 * The classifier's on-disk form: one little-endian binary file, so that 77 x tens of thousands of int8
 * weights cost one byte each instead of JSON's three or four, and nothing in it needs a parser beyond a
 * DataView and a small JSON header.
 *
 *   "TFIC" | u32 format | u32 n, n bytes header JSON | u32 n, n bytes terms joined by "\n" | pad to 4
 *   | f32 idf[nTerms] | f32 scales[nClasses] | f32 bias[nClasses] | i8 weights[nTerms * nClasses]
 *
 * Weights are feature-major. The header holds the classes, the feature settings that must match training,
 * the out-of-scope threshold and provenance; it holds no date or path, so that the bytes depend only on
 * the data and the hyperparameters.
 */
import { createHash } from 'node:crypto';
import type { FeatureConfig } from './features.js';

const MAGIC = 'TFIC';
/** A primary language subtag: ISO 639-1 (two letters) or 639-2/3 (three). */
export const LANGUAGE_SUBTAG = /^[a-z]{2,3}$/;
const FORMAT = 1;

export interface ArtefactHeader {
  /** Prefix of the model version string, e.g. "banking77-lr". */
  readonly name: string;
  readonly classes: readonly string[];
  readonly features: FeatureConfig;
  /** Below this top-class probability a text is out of scope. */
  readonly oosThreshold: number;
  /**
   * The class learned from out-of-scope examples, if the training data had any: a text whose best class is
   * this one is out of scope whatever its confidence. Absent in models trained without such examples.
   */
  readonly oosLabel?: string;
  /**
   * Primary language subtags (ISO 639-1) of the texts the model was trained on. Absent in models that predate
   * the field, every one of which was trained on English data, so absent reads as English (model.ts).
   */
  readonly languages?: readonly string[];
  /** Provenance and hyperparameters, for the model card and for humans; not read by inference. */
  readonly training: Readonly<Record<string, unknown>>;
}

export interface ClassifierArtefact {
  readonly header: ArtefactHeader;
  readonly terms: readonly string[];
  readonly idf: Float32Array;
  readonly scales: Float32Array;
  readonly bias: Float32Array;
  readonly weights: Int8Array;
}

/** A file that claims to be a classifier but cannot be one: truncated, cut short or overwritten. */
export class CorruptArtefactError extends Error {
  override name = 'CorruptArtefactError';
  constructor(reason: string) {
    super(`corrupt classifier artefact: ${reason}`);
  }
}

/** The header's JSON, checked field by field: inference trusts these, so a damaged one is refused here. */
function parseHeader(json: string): ArtefactHeader {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CorruptArtefactError('its header is not valid JSON');
  }
  const h = value as Partial<ArtefactHeader> | null;
  const isText = (x: unknown) => typeof x === 'string' && x !== '';
  if (!h || typeof h !== 'object') throw new CorruptArtefactError('its header is not an object');
  if (!isText(h.name)) throw new CorruptArtefactError('its header has no name');
  if (!Array.isArray(h.classes) || h.classes.length < 2 || !h.classes.every(isText)) {
    throw new CorruptArtefactError('its header does not list two or more classes');
  }
  if (typeof h.oosThreshold !== 'number' || !(h.oosThreshold >= 0 && h.oosThreshold <= 1)) {
    throw new CorruptArtefactError('its out-of-scope threshold is not a number in [0, 1]');
  }
  if (h.oosLabel !== undefined && !h.classes.includes(h.oosLabel)) {
    throw new CorruptArtefactError(`its out-of-scope label ${JSON.stringify(h.oosLabel)} is not one of its classes`);
  }
  if (h.languages !== undefined) {
    const valid = Array.isArray(h.languages) && h.languages.length > 0;
    if (!valid || !h.languages.every((l) => typeof l === 'string' && LANGUAGE_SUBTAG.test(l))) {
      throw new CorruptArtefactError('its languages are not a list of ISO 639 language codes');
    }
  }
  if (!h.features || typeof h.features !== 'object') throw new CorruptArtefactError('its header has no features');
  return h as ArtefactHeader;
}

export function encodeArtefact(a: ClassifierArtefact): Buffer {
  const nClasses = a.header.classes.length;
  const nTerms = a.terms.length;
  if (a.idf.length !== nTerms || a.weights.length !== nTerms * nClasses) throw new Error('artefact shape mismatch');
  if (a.scales.length !== nClasses || a.bias.length !== nClasses) throw new Error('artefact shape mismatch');
  if (a.terms.some((t) => t.includes('\n'))) throw new Error('a term contains a newline');
  const header = Buffer.from(JSON.stringify(a.header), 'utf8');
  const terms = Buffer.from(a.terms.join('\n'), 'utf8');
  const head = 4 + 4 + 4 + header.length + 4 + terms.length;
  const pad = (4 - (head % 4)) % 4;
  const size = head + pad + 4 * (nTerms + 2 * nClasses) + nTerms * nClasses;
  const out = Buffer.alloc(size);
  let o = out.write(MAGIC, 0, 'latin1');
  o = out.writeUInt32LE(FORMAT, o);
  o = out.writeUInt32LE(header.length, o);
  o += header.copy(out, o);
  o = out.writeUInt32LE(terms.length, o);
  o += terms.copy(out, o);
  o += pad;
  for (const arr of [a.idf, a.scales, a.bias]) for (const v of arr) o = out.writeFloatLE(v, o);
  for (const v of a.weights) o = out.writeInt8(v, o);
  if (o !== size) throw new Error(`artefact writer wrote ${o} of ${size} bytes`);
  return out;
}

export function decodeArtefact(bytes: Uint8Array): ClassifierArtefact {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a ticketflow classifier');
  const format = buf.readUInt32LE(4);
  if (format !== FORMAT) throw new Error(`classifier format ${format} is not supported (expected ${FORMAT})`);
  let o = 8;
  const headerLen = buf.readUInt32LE(o);
  o += 4;
  if (o + headerLen + 4 > buf.length)
    throw new CorruptArtefactError(`its header runs past the end (${buf.length} bytes)`);
  const header = parseHeader(buf.toString('utf8', o, o + headerLen));
  o += headerLen;
  const termsLen = buf.readUInt32LE(o);
  o += 4;
  if (o + termsLen > buf.length) throw new CorruptArtefactError(`its terms run past the end (${buf.length} bytes)`);
  const termsText = buf.toString('utf8', o, o + termsLen);
  const terms = termsText === '' ? [] : termsText.split('\n');
  o += termsLen;
  o += (4 - (o % 4)) % 4;
  const nTerms = terms.length;
  const nClasses = header.classes.length;
  const expected = o + 4 * (nTerms + 2 * nClasses) + nTerms * nClasses;
  if (buf.length !== expected) {
    throw new CorruptArtefactError(`it is ${buf.length} bytes, its header and terms say ${expected} (truncated?)`);
  }
  if (new Set(terms).size !== nTerms) throw new CorruptArtefactError('its vocabulary repeats a term');
  const readFloats = (n: number): Float32Array => {
    const arr = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) arr[i] = buf.readFloatLE(o);
    return arr;
  };
  const idf = readFloats(nTerms);
  const scales = readFloats(nClasses);
  const bias = readFloats(nClasses);
  // A copy, not a view: the file buffer may be shared or unaligned, and the weights outlive it.
  const weights = new Int8Array(buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + nTerms * nClasses));
  return { header, terms, idf, scales, bias, weights };
}

/** `<name>-<first 12 hex of sha256(file)>`: changes whenever any byte of the model does. */
export function modelVersionOf(name: string, bytes: Uint8Array): string {
  return `${name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

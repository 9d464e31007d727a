/**
 * A customer's labelled CSV to training examples, refusing what would make a model quietly wrong. Every
 * refusal names the row (as a spreadsheet numbers it: the header is row 1) and the rule it broke, so the
 * file can be fixed without reading this code.
 *
 * Rules, in the order they are checked:
 *   - at most MAX_TRAINING_BYTES (checked before reading by the caller) and MAX_TRAINING_ROWS rows;
 *   - UTF-8 (a BOM is allowed); a UTF-16 file or an invalid byte is refused with the row it is on;
 *   - the text and label columns are in the header;
 *   - every row has a non-blank text and a label;
 *   - the same text never carries two labels;
 *   - no row repeats an earlier one (text and label), unless duplicates are dropped on request;
 *   - every label has at least MIN_EXAMPLES_PER_LABEL rows, unless rarer labels are dropped on request;
 *   - at least two in-scope labels remain.
 */
import { parseCsv, type LabelledText } from './csv.js';

export const MAX_TRAINING_BYTES = 256 * 1024 * 1024;
export const MAX_TRAINING_ROWS = 1_000_000;
/** Two: one to train on and one a stratified hold-out can keep for calibration and metrics. */
export const MIN_EXAMPLES_PER_LABEL = 2;

export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

export interface TrainingDataOptions {
  readonly textColumn: string;
  readonly labelColumn: string;
  /** The label of out-of-scope rows, if the file has some. */
  readonly oosLabel?: string;
  /** Keep the first of rows repeating text and label instead of refusing the file. */
  readonly dropDuplicates?: boolean;
  /** Leave out labels with fewer than MIN_EXAMPLES_PER_LABEL rows instead of refusing the file. */
  readonly dropRareLabels?: boolean;
}

export interface TrainingData {
  readonly examples: LabelledText[];
  /** Data rows in the file, before anything was dropped. */
  readonly rows: number;
  readonly droppedDuplicates: number;
  readonly droppedRareLabels: readonly string[];
  readonly inScopeLabels: readonly string[];
  readonly oosRows: number;
}

/** 1-based line of byte `offset`, counting line feeds before it. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

export function decodeUtf8(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new TrainingDataError('the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The decoder does not say where; find the first byte that breaks UTF-8 to name its line.
    const bad = firstInvalidUtf8(bytes);
    throw new TrainingDataError(
      `line ${lineAt(bytes, bad)}: byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} at offset ${bad} is not ` +
        'UTF-8; the file must be UTF-8 (re-save it, e.g. iconv -f latin1 -t utf-8)',
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const extra =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    for (let k = 1; k <= extra; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += extra + 1;
  }
  return Math.max(0, bytes.length - 1);
}

export function readTrainingData(bytes: Uint8Array, options: TrainingDataOptions): TrainingData {
  const [header, ...rows] = parseCsv(decodeUtf8(bytes));
  if (!header || (header.length === 1 && header[0] === '')) throw new TrainingDataError('the file is empty');
  if (rows.length > MAX_TRAINING_ROWS) {
    throw new TrainingDataError(`the file has ${rows.length} rows; at most ${MAX_TRAINING_ROWS} are trained on`);
  }
  const column = (name: string, flag: string) => {
    const at = header.indexOf(name);
    if (at < 0) {
      throw new TrainingDataError(
        `row 1 (header): no column ${JSON.stringify(name)} (${flag}); the columns are ${header.join(', ')}`,
      );
    }
    return at;
  };
  const textCol = column(options.textColumn, '--text-column');
  const labelCol = column(options.labelColumn, '--label-column');

  const kept: Array<LabelledText & { row: number }> = [];
  const labelOfText = new Map<string, { label: string; row: number }>();
  let droppedDuplicates = 0;
  rows.forEach((fields, i) => {
    const row = i + 2;
    if (fields.length === 1 && fields[0] === '') return;
    const text = fields[textCol];
    const label = fields[labelCol];
    if (text === undefined || label === undefined) {
      throw new TrainingDataError(`row ${row}: ${fields.length} fields where the header has ${header.length}`);
    }
    if (text.trim() === '') throw new TrainingDataError(`row ${row}: the text (${options.textColumn}) is empty`);
    if (label.trim() === '') throw new TrainingDataError(`row ${row}: the label (${options.labelColumn}) is empty`);
    const earlier = labelOfText.get(text);
    if (earlier && earlier.label !== label) {
      throw new TrainingDataError(
        `row ${row}: the same text as row ${earlier.row} with another label ` +
          `(${JSON.stringify(label)} vs ${JSON.stringify(earlier.label)}); a text has one label`,
      );
    }
    if (earlier) {
      if (!options.dropDuplicates) {
        throw new TrainingDataError(
          `row ${row}: repeats row ${earlier.row} (same text and label); a repeat would be both trained on and ` +
            'held out for calibration. Remove it, or pass --drop-duplicates to keep the first',
        );
      }
      droppedDuplicates++;
      return;
    }
    labelOfText.set(text, { label, row });
    kept.push({ text, label, row });
  });

  const counts = new Map<string, { n: number; firstRow: number }>();
  for (const e of kept) {
    const c = counts.get(e.label);
    if (c) c.n++;
    else counts.set(e.label, { n: 1, firstRow: e.row });
  }
  const rare = [...counts].filter(([, c]) => c.n < MIN_EXAMPLES_PER_LABEL);
  if (rare.length > 0 && !options.dropRareLabels) {
    const [label, c] = rare[0] as [string, { n: number; firstRow: number }];
    throw new TrainingDataError(
      `row ${c.firstRow}: label ${JSON.stringify(label)} has ${c.n} example(s); every label needs at least ` +
        `${MIN_EXAMPLES_PER_LABEL}, one to train on and one to hold out (${rare.length} label(s) fall short). ` +
        'Add examples, merge the label, or pass --drop-rare-labels',
    );
  }
  const rareLabels = new Set(rare.map(([label]) => label));
  const examples = kept.filter((e) => !rareLabels.has(e.label)).map(({ text, label }) => ({ text, label }));
  const inScopeLabels = [...new Set(examples.map((e) => e.label))].filter((l) => l !== options.oosLabel).sort();
  if (inScopeLabels.length < 2) {
    throw new TrainingDataError(
      `the file has ${inScopeLabels.length} in-scope label(s)${inScopeLabels.length ? ` (${inScopeLabels[0]})` : ''}; ` +
        'a classifier needs at least two',
    );
  }
  return {
    examples,
    rows: rows.filter((f) => !(f.length === 1 && f[0] === '')).length,
    droppedDuplicates,
    droppedRareLabels: [...rareLabels].sort(),
    inScopeLabels,
    oosRows: examples.filter((e) => e.label === options.oosLabel).length,
  };
}

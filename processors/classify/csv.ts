/**
 * RFC 4180 CSV reading. BANKING77 quotes fields that hold commas, quotes and line breaks, so splitting on
 * newlines and commas would corrupt a few hundred rows.
 */

export function parseCsv(source: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (source[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && source[i + 1] === '\n') i++;
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface LabelledText {
  text: string;
  label: string;
}

/** Reads a `text,category` file, the BANKING77 layout. */
export function parseLabelledCsv(source: string): LabelledText[] {
  const [header, ...rows] = parseCsv(source);
  if (!header) throw new Error('CSV is empty');
  const textCol = header.indexOf('text');
  const labelCol = header.indexOf('category');
  if (textCol < 0 || labelCol < 0) throw new Error(`CSV header must have text and category, got ${header.join(',')}`);
  const out: LabelledText[] = [];
  rows.forEach((row, n) => {
    if (row.length === 1 && row[0] === '') return;
    const text = row[textCol];
    const label = row[labelCol];
    if (text === undefined || label === undefined || label === '') {
      throw new Error(`CSV row ${n + 2} has ${row.length} fields, expected ${header.length}`);
    }
    out.push({ text, label });
  });
  return out;
}

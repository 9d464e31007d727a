/**
 * What the importer reads from a Markdown file besides its body: an optional front-matter block of
 * `key: value` lines (title, language, tags, url, version) and the first heading as a fallback title. Only
 * flat keys are supported, so no YAML parser is needed, and anything else in the block is ignored.
 */

export interface FrontMatter {
  fields: Record<string, string>;
  /** The text after the block; the whole text when there is none. */
  body: string;
}

export function parseFrontMatter(text: string): FrontMatter {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const match = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(normalized);
  if (!match) return { fields: {}, body: normalized };
  const fields: Record<string, string> = {};
  for (const line of match[1]!.split('\n')) {
    const field = /^([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (field) fields[field[1]!.toLowerCase()] = unquote(field[2]!);
  }
  return { fields, body: normalized.slice(match[0].length) };
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}

/** `[a, b]` or `a, b` → `['a', 'b']`. */
export function parseList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((item) => unquote(item.trim()))
    .filter((item) => item !== '');
}

/** Text of the first ATX (`# Title`) or setext (`Title` over `===`) heading outside code fences. */
export function firstHeading(markdown: string): string | null {
  const lines = markdown.split('\n');
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const atx = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx && atx[1] !== '') return atx[1]!;
    if (line.trim() !== '' && /^ {0,3}=+\s*$/.test(lines[i + 1] ?? '')) return line.trim();
  }
  return null;
}

/**
 * HTML to the Markdown-flavoured plain text KnowledgeDocument.body holds. A single forward scan instead of
 * regular expressions over the whole document: quoted `>` inside attributes, unclosed comments and
 * `<script>` bodies are handled without backtracking, and no tag survives in the output. Headings become `#`
 * lines and list items `- ` lines, because the chunker cuts on them.
 */

export interface HtmlText {
  /** Text of `<title>`, else of the first `<h1>`; null when there is neither. */
  title: string | null;
  text: string;
}

/** Elements whose content is code, styling or chrome, never article text. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'svg', 'math', 'nav', 'head']);
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'blockquote',
  'pre',
  'table',
  'thead',
  'tbody',
  'tr',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'address',
  'form',
  'fieldset',
  'details',
  'summary',
  'hr',
  'body',
  'html',
]);

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  middot: '·',
  bull: '•',
  times: '×',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // Invalid code points and NUL become the replacement character, as browsers do.
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : '\ufffd';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * A decoded `&lt;b&gt;` would read as a tag to whoever renders the Markdown later; a space after the `<`
 * keeps the text readable and inert.
 */
function defuseTags(text: string): string {
  return text.replace(/<(?=[a-zA-Z/!?])/g, '< ');
}

interface Tag {
  name: string;
  closing: boolean;
  /** Index just past the tag's `>`. */
  end: number;
}

/** Reads the tag starting at `start` (a `<`); null when the `<` does not start a tag and is text. */
function readTag(html: string, start: number): Tag | null {
  let i = start + 1;
  const closing = html[i] === '/';
  if (closing) i++;
  const nameMatch = /^[a-zA-Z][a-zA-Z0-9-]*/.exec(html.slice(i, i + 32));
  if (!nameMatch) return null;
  i += nameMatch[0].length;
  let quote: string | null = null;
  for (; i < html.length; i++) {
    const c = html[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return { name: nameMatch[0].toLowerCase(), closing, end: i + 1 };
    }
  }
  return { name: nameMatch[0].toLowerCase(), closing, end: html.length };
}

/** Index just past the closing tag of `name` from `from`, or the end when it is never closed. */
function skipElement(html: string, name: string, from: number): { content: string; end: number } {
  const lower = html.toLowerCase();
  let i = from;
  for (;;) {
    const at = lower.indexOf(`</${name}`, i);
    if (at < 0) return { content: html.slice(from), end: html.length };
    const after = lower[at + name.length + 2];
    if (after === undefined || after === '>' || /\s|\//.test(after)) {
      const close = html.indexOf('>', at);
      return { content: html.slice(from, at), end: close < 0 ? html.length : close + 1 };
    }
    i = at + 1;
  }
}

/** Collapses runs of spaces, keeps line structure, and allows at most one blank line in a row. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  let title: string | null = null;
  let firstH1: string | null = null;
  let h1Start: number | null = null;
  let preDepth = 0;
  let i = 0;

  const emitText = (raw: string) => {
    const decoded = defuseTags(decodeEntities(raw));
    out.push(preDepth > 0 ? decoded : decoded.replace(/\s+/g, ' '));
  };

  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      emitText(html.slice(i));
      break;
    }
    if (lt > i) emitText(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<![CDATA[', lt)) {
      const end = html.indexOf(']]>', lt + 9);
      emitText(html.slice(lt + 9, end < 0 ? html.length : end));
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const end = html.indexOf('>', lt);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    const tag = readTag(html, lt);
    if (!tag) {
      emitText('<');
      i = lt + 1;
      continue;
    }
    i = tag.end;
    if (!tag.closing && tag.name === 'title') {
      const { content, end } = skipElement(html, 'title', i);
      title ??= tidy(decodeEntities(content).replace(/\s+/g, ' ')) || null;
      i = end;
    } else if (!tag.closing && SKIPPED.has(tag.name)) {
      const skipped = skipElement(html, tag.name, i);
      // <head> holds the <title>; find it before dropping the rest.
      if (tag.name === 'head') title ??= htmlToText(skipped.content).title;
      i = skipped.end;
    } else if (/^h[1-6]$/.test(tag.name)) {
      if (tag.closing) {
        if (tag.name === 'h1' && h1Start !== null && firstH1 === null) {
          firstH1 = tidy(out.slice(h1Start).join('')).replace(/^#+ /, '') || null;
        }
        out.push('\n\n');
      } else {
        out.push(`\n\n${'#'.repeat(Number(tag.name[1]))} `);
        if (tag.name === 'h1' && h1Start === null) h1Start = out.length - 1;
      }
    } else if (tag.name === 'li') {
      // The next item or the end of the list breaks the line, so a closing </li> adds nothing.
      if (!tag.closing) out.push('\n- ');
    } else if (tag.name === 'br') {
      out.push('\n');
    } else if (tag.name === 'td' || tag.name === 'th') {
      out.push(' ');
    } else if (BLOCKS.has(tag.name)) {
      if (tag.name === 'pre') preDepth = Math.max(0, preDepth + (tag.closing ? -1 : 1));
      out.push('\n\n');
    }
  }
  return { title: title ?? firstH1, text: tidy(out.join('')) };
}

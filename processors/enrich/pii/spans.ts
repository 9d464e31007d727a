/** A stretch of text, as UTF-16 offsets: `text.slice(start, end)`. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * What a detector found. `redact: false` marks text that looks like personal data but failed its check (an
 * IBAN with a wrong check digit): it stays as written, and no later detector may take a piece of it.
 */
export interface Finding extends Span {
  readonly redact: boolean;
}

/**
 * Picks spans made of whole consecutive groups, leftmost first and longest at each start, that `accept`
 * approves. Numbers run into each other in text ("call 0612345678 0712345678", "ref 12 4111 1111 1111 1111"),
 * so a run of digit groups may hold zero, one or several numbers, none of which need start at the run's start.
 * A span stops growing once the sizes of its groups add up to more than `maxSize`, which bounds the work per
 * group whatever the input.
 */
export function leftmostLongest(
  groups: readonly Span[],
  sizeOf: (group: Span) => number,
  maxSize: number,
  accept: (span: Span, size: number) => boolean,
): Span[] {
  const sizes = groups.map(sizeOf);
  const found: Span[] = [];
  let i = 0;
  while (i < groups.length) {
    let longest = -1;
    let size = 0;
    for (let j = i; j < groups.length; j++) {
      size += sizes[j]!;
      if (size > maxSize) break;
      if (accept({ start: groups[i]!.start, end: groups[j]!.end }, size)) longest = j;
    }
    if (longest >= 0) {
      found.push({ start: groups[i]!.start, end: groups[longest]!.end });
      i = longest + 1;
    } else {
      i++;
    }
  }
  return found;
}

/** The matches of `group` (a global pattern) within `text[start, end)`, as absolute spans. */
export function groupsOf(text: string, start: number, end: number, group: RegExp): Span[] {
  const groups: Span[] = [];
  for (const match of text.slice(start, end).matchAll(group)) {
    groups.push({ start: start + match.index, end: start + match.index + match[0].length });
  }
  return groups;
}

export const digitsOf = (text: string): string => text.replace(/\D/g, '');

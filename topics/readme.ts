/**
 * Keeps the topology diagram in a markdown file current: the block between `<!-- topology:start -->` and
 * `<!-- topology:end -->` is generated, the prose around it is not touched.
 */

export const START_MARKER = '<!-- topology:start -->';
export const END_MARKER = '<!-- topology:end -->';

/** The text that belongs between the markers, newlines around it included. */
export function diagramBlock(mermaid: string): string {
  return [
    '',
    '<!-- generated from topics/topology.ts by `npm run topics -- diagram --write README.md`; do not edit -->',
    '```mermaid',
    mermaid,
    '```',
    '',
  ].join('\n');
}

interface MarkedRegion {
  readonly contentStart: number;
  readonly contentEnd: number;
}

/** Where the generated block is, or null when the file has no markers; malformed markers throw. */
export function findMarkedRegion(text: string, file = 'file'): MarkedRegion | null {
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  if (start === -1 && end === -1) return null;
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`${file}: needs ${START_MARKER} followed by ${END_MARKER}`);
  }
  if (text.indexOf(START_MARKER, start + 1) !== -1 || text.indexOf(END_MARKER, end + 1) !== -1) {
    throw new Error(`${file}: has more than one ${START_MARKER} ... ${END_MARKER} block`);
  }
  return { contentStart: start + START_MARKER.length, contentEnd: end };
}

/** The text with its marked block replaced; throws if the markers are missing, as there is nowhere to write. */
export function replaceDiagram(text: string, mermaid: string, file = 'file'): string {
  const region = findMarkedRegion(text, file);
  if (!region) throw new Error(`${file}: add ${START_MARKER} and ${END_MARKER} where the diagram should go`);
  return text.slice(0, region.contentStart) + diagramBlock(mermaid) + text.slice(region.contentEnd);
}

export type DiagramStatus = 'absent' | 'current' | 'stale';

export function diagramStatus(text: string, mermaid: string, file = 'file'): DiagramStatus {
  const region = findMarkedRegion(text, file);
  if (!region) return 'absent';
  return text.slice(region.contentStart, region.contentEnd) === diagramBlock(mermaid) ? 'current' : 'stale';
}

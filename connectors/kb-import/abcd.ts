/**
 * The ABCD agent guidelines (asappresearch/abcd `data/guidelines.json`, MIT; Chen et al., NAACL 2021) as
 * knowledge-base documents: one document per flow, one section per subflow, its instructions as
 * paragraphs and its actions as list items. A larger, real-world knowledge base for trying retrieval;
 * the file itself is read from the shared datasets at run time and never copied into the repository.
 */

interface AbcdAction {
  text?: unknown;
  subtext?: unknown;
}

export interface AbcdSubflow {
  instructions?: unknown;
  actions?: unknown;
}

interface AbcdFlow {
  description?: unknown;
  subflows?: unknown;
}

/** One line of the JSON-lines format sources.ts reads. */
export interface JsonLineDocument {
  id: string;
  title: string;
  language: string;
  body: string;
  tags: string[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];

/** Runs of spaces the source uses after full stops would otherwise survive into quoted sentences. */
const clean = (text: string) => text.replace(/\s+/g, ' ').trim();

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function subflowSection(name: string, subflow: AbcdSubflow): string {
  const lines = [`## ${clean(name)}`, ''];
  for (const instruction of strings(subflow.instructions)) lines.push(clean(instruction), '');
  const actions = Array.isArray(subflow.actions) ? (subflow.actions as AbcdAction[]) : [];
  for (const action of actions) {
    if (typeof action?.text !== 'string' || action.text.trim() === '') continue;
    lines.push(`- ${clean(action.text)}`);
    for (const sub of strings(action.subtext)) lines.push(`  - ${clean(sub)}`);
  }
  return lines.join('\n').trim();
}

export function abcdDocuments(guidelines: unknown): JsonLineDocument[] {
  if (typeof guidelines !== 'object' || guidelines === null) throw new Error('guidelines: not an object of flows');
  return Object.entries(guidelines as Record<string, AbcdFlow>).map(([flow, content]) => {
    const subflows = typeof content?.subflows === 'object' && content.subflows !== null ? content.subflows : {};
    const sections = Object.entries(subflows as Record<string, AbcdSubflow>).map(([name, sub]) =>
      subflowSection(name, sub),
    );
    const description = typeof content?.description === 'string' ? clean(content.description) : '';
    const intro = description ? `Covers ${description}.` : '';
    return {
      id: `abcd/${slug(flow)}`,
      title: clean(flow),
      language: 'en',
      body: [`# ${clean(flow)}`, intro, ...sections].filter((part) => part !== '').join('\n\n'),
      tags: ['abcd'],
    };
  });
}

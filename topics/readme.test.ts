import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../config/index.js';
import { renderMermaid } from './mermaid.js';
import { diagramBlock, diagramStatus, END_MARKER, replaceDiagram, START_MARKER } from './readme.js';
import { ticketflow } from './topology.js';

const doc = (inner: string): string => `# Title\n\nintro\n${START_MARKER}${inner}${END_MARKER}\n\nmore prose\n`;

test('writing replaces only the marked block and is idempotent', () => {
  const once = replaceDiagram(doc('\nold diagram\n'), 'flowchart LR\n  a --> b');
  assert.equal(once, doc(diagramBlock('flowchart LR\n  a --> b')));
  assert.equal(replaceDiagram(once, 'flowchart LR\n  a --> b'), once);
  assert.match(once, /```mermaid\nflowchart LR\n {2}a --> b\n```/);
});

test('status tells absent, current and stale blocks apart', () => {
  assert.equal(diagramStatus('# no markers\n', 'x'), 'absent');
  assert.equal(diagramStatus(doc(diagramBlock('x')), 'x'), 'current');
  assert.equal(diagramStatus(doc(diagramBlock('x')), 'y'), 'stale');
});

test('missing or malformed markers are errors when writing', () => {
  assert.throws(() => replaceDiagram('# none\n', 'x', 'README.md'), /README.md: add <!-- topology:start -->/);
  assert.throws(() => replaceDiagram(`${END_MARKER}\n${START_MARKER}\n`, 'x'), /followed by/);
  assert.throws(() => replaceDiagram(`${START_MARKER}\n`, 'x'), /followed by/);
  assert.throws(() => replaceDiagram(doc('') + doc(''), 'x'), /more than one/);
});

test("the README's topology diagram, where it has one, is current", (t) => {
  const readme = path.join(repoRoot, 'README.md');
  const status = existsSync(readme) ? diagramStatus(readFileSync(readme, 'utf8'), renderMermaid(ticketflow)) : 'absent';
  if (status === 'absent') {
    t.skip('README.md has no topology markers');
    return;
  }
  assert.equal(status, 'current', 'regenerate it: npm run topics -- diagram --write README.md');
});

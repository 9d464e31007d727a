import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readSchemaSources } from './sources.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tree(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-schemas-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'common'));
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const record = (name: string) => ({ type: 'record', name, namespace: 'io.example', fields: [] });

test('top-level files are events, common files shared types with their nested types', () => {
  const sources = readSchemaSources(
    tree({
      'B.avsc': record('B'),
      'A.avsc': record('A'),
      'common/Tag.avsc': {
        ...record('Tag'),
        fields: [{ name: 'kind', type: { type: 'enum', name: 'TagKind', symbols: ['X'] } }],
      },
    }),
  );
  assert.deepEqual([...sources.events.keys()], ['A', 'B']);
  assert.deepEqual([...sources.shared.keys()], ['io.example.Tag', 'io.example.TagKind']);
});

test('a file is named after the type it defines', () => {
  assert.throws(
    () => readSchemaSources(tree({ 'Wrong.avsc': record('Right') })),
    /defines Right; a file is named after/,
  );
});

test('events are records, and files must be valid JSON', () => {
  const enumEvent = { type: 'enum', name: 'E', namespace: 'io.example', symbols: ['X'] };
  assert.throws(() => readSchemaSources(tree({ 'E.avsc': enumEvent })), /an event schema must be a record/);
  assert.throws(() => readSchemaSources(tree({ 'A.avsc': '{ "type": ' })), /A\.avsc: not valid JSON/);
});

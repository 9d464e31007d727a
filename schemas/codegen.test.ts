import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RecordSchema } from './avro-json.js';
import { GENERATED_FILE, generateEventTypes } from './codegen.js';
import { renderEventTypes } from './typescript.js';

test('the committed generated/events.ts matches the schemas (run `npm run codegen` after changing them)', async () => {
  const committed = readFileSync(GENERATED_FILE, 'utf8');
  const fresh = await generateEventTypes();
  if (committed !== fresh) {
    const committedLines = committed.split('\n');
    const line = fresh.split('\n').findIndex((text, i) => text !== committedLines[i]);
    assert.fail(`schemas/generated/events.ts is stale from line ${line + 1}: run \`npm run codegen\``);
  }
});

const sample: RecordSchema = {
  type: 'record',
  name: 'Sample',
  namespace: 'io.example',
  doc: 'A sample event.',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' }, doc: 'Id.' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'When.' },
    { name: 'due', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null, doc: 'By when.' },
    {
      name: 'level',
      type: { type: 'enum', name: 'Level', doc: 'How bad.', symbols: ['LOW', 'HIGH'], default: 'LOW' },
      doc: 'Level.',
    },
    { name: 'levels', type: { type: 'array', items: 'Level' }, default: [], doc: 'Levels.' },
    { name: 'counts', type: { type: 'map', values: 'int' }, doc: 'Counts.' },
    { name: 'note', type: ['null', 'string'], default: null, doc: 'Note.' },
    { name: 'blob', type: 'bytes', doc: 'Blob.' },
  ],
};

test('maps Avro types to what avsc decodes', () => {
  const out = renderEventTypes([sample]);
  for (const line of [
    '  id: string;',
    '  at: number;',
    '  due: number | null;',
    '  level: Level;',
    '  levels: Level[];',
    '  counts: Record<string, number>;',
    '  note: string | null;',
    '  blob: Buffer;',
    "export type Level = 'LOW' | 'HIGH';",
    'export interface Sample {',
    'export type TicketflowEvent = EventTypes[EventName];',
    "export const EVENT_NAMES: readonly EventName[] = ['Sample'];",
  ]) {
    assert.ok(out.includes(line), `missing ${line}`);
  }
  assert.match(out, /\/\*\* A sample event\. \*\/\nexport interface Sample/);
  assert.match(out, /When\.\n {3}\* Avro `timestamp-millis`: milliseconds since the Unix epoch \(UTC\), as a number\./);
  assert.match(out, /@defaultValue `null`\n {3}\*\/\n {2}note: string \| null;/);
});

test('refuses what it cannot type faithfully', () => {
  const union = { ...sample, fields: [{ name: 'x', type: ['null', 'string', 'long'], default: null, doc: 'X.' }] };
  assert.throws(() => renderEventTypes([union]), /only \["null", T\] unions are supported/);
  const undocumented = { ...sample, fields: [{ name: 'x', type: 'string' }] };
  assert.throws(() => renderEventTypes([undocumented]), /field x has no doc/);
  const clash = {
    ...sample,
    fields: [{ name: 'x', type: { type: 'enum', name: 'io.other.Sample', symbols: ['A'], doc: 'A.' }, doc: 'X.' }],
  };
  assert.throws(() => renderEventTypes([clash]), /would both be called Sample/);
});

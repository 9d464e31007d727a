import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { collectDefinitions, type NamedSchema, type RecordSchema } from './avro-json.js';
import { inlineSchema } from './inline.js';

const NS = 'io.example';
const money: NamedSchema = {
  type: 'record',
  name: 'Money',
  namespace: NS,
  doc: 'An amount.',
  fields: [
    { name: 'cents', type: 'long' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD'] } },
  ],
};
const shared = collectDefinitions(money, 'common/Money.avsc');

const order = (fields: RecordSchema['fields']): RecordSchema => ({
  type: 'record',
  name: 'Order',
  namespace: NS,
  fields,
});
const parse = (schema: object) => avro.Type.forSchema(JSON.parse(JSON.stringify(schema)));

test('defines a shared type in full at its first use and refers to it by name afterwards', () => {
  const inlined = inlineSchema(
    order([
      { name: 'total', type: 'Money' },
      { name: 'lines', type: { type: 'array', items: 'Money' } },
      { name: 'refund', type: ['null', 'Money'], default: null },
    ]),
    shared,
  );
  const [total, lines, refund] = inlined.fields;
  assert.deepEqual(total?.type, { type: 'record', name: 'Money', doc: 'An amount.', fields: money.fields });
  assert.deepEqual(lines?.type, { type: 'array', items: 'Money' });
  assert.deepEqual(refund?.type, ['null', 'Money']);
  assert.equal(parse(inlined).name, `${NS}.Order`);
});

test('a nested type of a shared type can be used on its own, and is then not defined twice', () => {
  const inlined = inlineSchema(
    order([
      { name: 'currency', type: 'Currency' },
      { name: 'total', type: 'Money' },
    ]),
    shared,
  );
  assert.deepEqual(inlined.fields[0]?.type, { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD'] });
  const moneyFields = (inlined.fields[1]?.type as RecordSchema).fields;
  assert.equal(moneyFields[1]?.type, 'Currency');
  parse(inlined);
});

test('a shared type from another namespace keeps its namespace and is referred to by full name', () => {
  const foreign = collectDefinitions({ ...money, namespace: 'io.other' }, 'common/Money.avsc');
  const inlined = inlineSchema(
    order([
      { name: 'total', type: 'io.other.Money' },
      { name: 'fee', type: 'io.other.Money' },
    ]),
    foreign,
  );
  assert.equal((inlined.fields[0]?.type as NamedSchema).namespace, 'io.other');
  assert.equal(inlined.fields[1]?.type, 'io.other.Money');
  const type = parse(inlined) as avro.Type & { field(name: string): { type: avro.Type } };
  assert.equal(type.field('fee').type.name, 'io.other.Money');
});

test('the root keeps its namespace and the source is left untouched', () => {
  const source = order([{ name: 'total', type: 'Money' }]);
  const copy = structuredClone(source);
  const inlined = inlineSchema(source, shared);
  assert.equal(inlined.namespace, NS);
  assert.deepEqual(source, copy);
});

test('refuses unknown references and conflicting definitions of one name', () => {
  assert.throws(
    () => inlineSchema(order([{ name: 'x', type: 'Nope' }]), shared),
    /unknown type Nope \(resolved as io\.example\.Nope\) in Order/,
  );
  const conflicting = order([
    { name: 'total', type: 'Money' },
    { name: 'other', type: { type: 'record', name: 'Money', fields: [] } },
  ]);
  assert.throws(() => inlineSchema(conflicting, shared), /conflicting definitions of io\.example\.Money/);
});

test('collecting definitions refuses a name defined in two files', () => {
  assert.throws(
    () => collectDefinitions(money, 'b.avsc', undefined, new Map(shared)),
    /io\.example\.Money is defined twice: in common\/Money\.avsc and in b\.avsc/,
  );
});

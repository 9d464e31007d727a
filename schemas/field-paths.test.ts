import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldPathAt, nameFieldsInMessage } from './field-paths.js';
import { loadEventCatalog } from './catalog.js';

const schema = loadEventCatalog().get('TicketCommand').schema;

test('names the fields a JSON pointer into a schema passes through', () => {
  assert.equal(fieldPathAt(schema, '/fields/5/type/1'), 'replyText');
  assert.equal(fieldPathAt(schema, '/fields/2/type/fields/1/type'), 'actor.kind');
  assert.equal(fieldPathAt(schema, '/fields/0/type/fields/6'), 'meta.producer');
  assert.equal(fieldPathAt(schema, '/fields/99'), undefined);
  assert.equal(fieldPathAt(schema, '/name'), undefined);
});

test('adds field names to a registry message without touching the rest', () => {
  const message = 'list of diff types: [reader union lacking writer type: STRING at /fields/5/type/1]';
  assert.equal(
    nameFieldsInMessage(message, schema),
    'list of diff types: [reader union lacking writer type: STRING at /fields/5/type/1 (field replyText)]',
  );
  assert.equal(nameFieldsInMessage('nothing to see at /fields/99', schema), 'nothing to see at /fields/99');
});

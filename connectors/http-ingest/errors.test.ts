import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromFastifyError, validationError } from './errors.js';

test('a huge invalid batch gets at most 100 details, the message a short summary', () => {
  const violations = Array.from({ length: 500 }, (_, i) => ({
    instancePath: `/interactions/${i}/body`,
    keyword: 'minLength',
    params: {},
    message: 'must NOT have fewer than 1 characters',
  }));
  const error = validationError(violations, 'body');
  assert.equal(error.extra.details!.length, 100);
  assert.match(error.message, /\(and 495 more\)$/);
});

test("fastify's parser errors become 400, 413 and 415; other errors are not the client's", () => {
  assert.equal(fromFastifyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 1024)!.status, 413);
  assert.match(fromFastifyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, 1024)!.message, /1024 bytes/);
  assert.equal(fromFastifyError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }, 1)!.status, 415);
  assert.equal(fromFastifyError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }, 1)!.code, 'malformed_json');
  assert.equal(fromFastifyError({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }, 1)!.status, 400);
  assert.equal(fromFastifyError(new Error('boom'), 1), null);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrors, HttpError, invalidRequest } from './errors.js';

test('missing and unknown properties are reported at the property, escaped as JSON pointers', () => {
  const details = fieldErrors(
    [
      {
        instancePath: '/customer',
        keyword: 'required',
        params: { missingProperty: 'customerId' },
        message: "must have required property 'customerId'",
      },
      {
        instancePath: '',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'a/b~c' },
        message: 'must NOT have additional properties',
      },
      {
        instancePath: '/channel',
        keyword: 'enum',
        params: { allowedValues: ['CHAT', 'EMAIL'] },
        message: 'must be equal to one of the allowed values',
      },
    ],
    'body',
    100,
  );
  assert.deepEqual(details, [
    { in: 'body', field: '/customer/customerId', rule: 'required', message: 'is required' },
    { in: 'body', field: '/a~1b~0c', rule: 'additionalProperties', message: 'is not a known field' },
    { in: 'body', field: '/channel', rule: 'enum', message: 'must be one of "CHAT", "EMAIL"' },
  ]);
});

test('header violations name the header; a violation of the whole body names the root', () => {
  assert.deepEqual(
    fieldErrors(
      [{ instancePath: '/idempotency-key', keyword: 'maxLength', params: {}, message: 'too long' }],
      'headers',
      100,
    ),
    [{ in: 'headers', field: 'idempotency-key', rule: 'maxLength', message: 'too long' }],
  );
  assert.equal(
    fieldErrors([{ instancePath: '', keyword: 'type', params: {}, message: 'must be object' }], 'body', 100)[0]!.field,
    '/',
  );
});

test('query and path parameters are named as sent, unknown ones as not known parameters', () => {
  const details = fieldErrors(
    [
      { instancePath: '/limit', keyword: 'maximum', params: { limit: 100 }, message: 'must be <= 100' },
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'a/b~c' } },
      { instancePath: '', keyword: 'required', params: { missingProperty: 'q' } },
    ],
    'query',
    20,
  );
  assert.deepEqual(details, [
    { in: 'query', field: 'limit', rule: 'maximum', message: 'must be <= 100' },
    { in: 'query', field: 'a/b~c', rule: 'additionalProperties', message: 'is not a known parameter' },
    { in: 'query', field: 'q', rule: 'required', message: 'is required' },
  ]);
});

test('one detail per field and rule, at most the given number', () => {
  const twice = { instancePath: '/a', keyword: 'type', params: {}, message: 'must be string' };
  assert.equal(fieldErrors([twice, twice], 'body', 100).length, 1);
  const many = Array.from({ length: 30 }, (_, i) => ({
    instancePath: '',
    keyword: 'additionalProperties',
    params: { additionalProperty: `p${i}` },
  }));
  assert.equal(fieldErrors(many, 'query', 20).length, 20);
});

test('a validation error is a 400 whose message names the fields it summarizes and counts the rest', () => {
  const details = fieldErrors(
    ['a', 'b', 'c'].map((name) => ({
      instancePath: `/${name}`,
      keyword: 'type',
      params: {},
      message: 'must be string',
    })),
    'body',
    100,
  );
  const all = invalidRequest('body', details);
  assert.ok(all instanceof HttpError);
  assert.equal(all.status, 400);
  assert.deepEqual(all.body, {
    error: 'validation',
    message: 'the request body is invalid: /a must be string; /b must be string; /c must be string',
    details,
  });
  assert.equal(
    invalidRequest('body', details, 1, 7).message,
    'the request body is invalid: /a must be string (and 6 more)',
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka.js';

const entry = (error?: string) => ({ timestamp: '', logger: 'kafkajs', message: 'Response Heartbeat', error });

test('a heartbeat answered "rebalancing" is routine, not an error; real errors stay errors', () => {
  assert.equal(kafkaLogLevel(logLevel.ERROR, entry('The group is rebalancing, so a rejoin is needed')), 'info');
  assert.equal(kafkaLogLevel(logLevel.ERROR, entry('Connection timeout')), 'error');
  assert.equal(kafkaLogLevel(logLevel.ERROR, entry()), 'error');
  assert.equal(kafkaLogLevel(logLevel.WARN, entry('The group is rebalancing')), 'warn');
});

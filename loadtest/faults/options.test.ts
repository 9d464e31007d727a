import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outagesOf, parseFaultOptions, SERVERS } from './options.js';

test('the defaults: 20 interactions/s, every server away for two minutes', () => {
  const options = parseFaultOptions([]);
  assert.equal(options.rate, 20);
  assert.equal(options.outageSeconds, 120);
  assert.deepEqual(options.servers, SERVERS);
  assert.equal(options.json, undefined);
});

test('Kafka is killed; every other server is stopped, and once all have been, each is killed', () => {
  const outages = outagesOf(['kafka', 'mongo', 'redis'], 90);
  assert.deepEqual(
    outages.map((o) => `${o.server} ${o.how} ${o.seconds}`),
    ['kafka kill -9 90', 'mongo stop 90', 'redis stop 90', 'mongo kill -9 90', 'redis kill -9 90'],
  );
  assert.equal(outagesOf(SERVERS, 120).length, 11);
});

test('--servers keeps the default order and refuses an unknown server', () => {
  assert.deepEqual(parseFaultOptions(['--servers', 'redis,kafka']).servers, ['kafka', 'redis']);
  assert.throws(() => parseFaultOptions(['--servers', 'redis,mysql']), /--servers: unknown mysql/);
});

test('a number that is not positive is refused naming the flag', () => {
  assert.throws(() => parseFaultOptions(['--rate', '0']), /--rate must be a positive number/);
  assert.throws(() => parseFaultOptions(['--outage-seconds', 'two']), /--outage-seconds/);
});

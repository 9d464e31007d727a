import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { loadEventCatalog } from './catalog.js';
import type { EventName } from './generated/events.js';
import { registerEventSchemas, valueSubject } from './register.js';

const catalog = loadEventCatalog();
/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Binding checks must fail before any request is made, so nothing needs to listen.
const target = { url: `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7` };

test('subjects follow TopicNameStrategy', () => {
  assert.equal(valueSubject('tf.interactions.received.v1'), 'tf.interactions.received.v1-value');
});

test('refuses bindings to unknown event types before contacting the registry', async () => {
  await assert.rejects(
    registerEventSchemas([{ topic: 't', eventName: 'Nope' as EventName }], catalog, target),
    /topic t: unknown event type Nope/,
  );
});

test('refuses two event types on one topic: a subject holds one evolving record type', async () => {
  const bindings = [
    { topic: 't', eventName: 'TicketCommand' },
    { topic: 't', eventName: 'RoutingDecided' },
  ] as const;
  await assert.rejects(
    registerEventSchemas(bindings, catalog, target),
    /topic t is bound to both TicketCommand and RoutingDecided/,
  );
});

test('an unreachable registry is reported with its address and the reason', async () => {
  await assert.rejects(
    registerEventSchemas([{ topic: 't', eventName: 'TicketCommand' }], catalog, target),
    /cannot reach the schema registry at http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7: .*ECONNREFUSED/,
  );
});

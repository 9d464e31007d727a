import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable, TABLE_HEADER, topologyRows } from './describe.js';
import { smallTopology } from './fixtures.js';
import { formatDuration } from './format.js';
import { renderMermaid } from './mermaid.js';
import { ticketflow } from './topology.js';

const topology = smallTopology();

test('durations read as whole units where they are', () => {
  assert.equal(formatDuration(7 * 86_400_000), '7d');
  assert.equal(formatDuration(90 * 60_000), '90m');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(-1), 'forever');
});

test('each topic row names its writer, readers and where its failures go', () => {
  const rows = topologyRows(topology);
  assert.deepEqual(rows[0], [
    'test.orders.placed.v1',
    'OrderPlaced',
    'orgId',
    '2',
    '1d',
    'delete',
    'shop',
    'price, store',
    'test.dlq.price, test.dlq.store',
  ]);
  assert.deepEqual(rows[1]!.slice(2, 6), ['orgId:orderId', '1', 'latest per key (tombstones 1d)', 'compact']);
  assert.deepEqual(rows[2]!.slice(1, 3), ['(failed input)', "input's key"]);
  assert.deepEqual(rows[2]!.slice(6), ['price', '-', '-']);
});

test('the table has a header, a rule and one aligned line per topic', () => {
  const lines = renderTable(topology).split('\n');
  assert.equal(lines.length, 2 + topology.topics.length);
  assert.match(lines[0]!, new RegExp(`^${TABLE_HEADER.join('\\s+')}$`));
  assert.match(lines[1]!, /^-+( +-+)+$/);
  const readersColumn = lines[0]!.indexOf('readers');
  assert.equal(lines[2]!.indexOf('price, store'), readersColumn);
});

test('the mermaid flowchart draws every node, topic and edge, dead letters dotted', () => {
  const chart = renderMermaid(topology);
  const lines = chart.split('\n');
  assert.equal(lines[0], 'flowchart LR');
  for (const line of [
    '  n_shop[/"shop"/]',
    '  n_price["price"]',
    '  n_store[("store")]',
    '  t_test_orders_placed_v1(["test.orders.placed.v1<br/><i>OrderPlaced</i>"])',
    '    t_test_dlq_price(["test.dlq.price"])',
    '  n_shop --> t_test_orders_placed_v1',
    '  t_test_orders_placed_v1 --> n_price',
    '  n_price --> t_test_orders_quotes_v1',
    '  t_test_orders_quotes_v1 --> n_store',
    '  n_price -.-> t_test_dlq_price',
    '  n_store -.-> t_test_dlq_store',
    '  class t_test_dlq_price,t_test_dlq_store deadLetter',
  ]) {
    assert.ok(lines.includes(line), `missing line: ${line}`);
  }
  const edges = lines.filter((l) => l.includes('-->') || l.includes('-.->'));
  assert.equal(edges.length, 1 + 2 + 2 + 2);
});

test('the ticketflow diagram has one edge per read, write and dead letter', () => {
  const edges = renderMermaid(ticketflow)
    .split('\n')
    .filter((l) => / (-->|-\.->) /.test(l));
  const expected = ticketflow.nodes.reduce(
    (sum, n) => sum + n.outputs.length + (n.kind === 'source' ? 0 : n.inputs.length + 1),
    0,
  );
  assert.equal(edges.length, expected);
  assert.equal(renderMermaid(ticketflow), renderMermaid(ticketflow));
});

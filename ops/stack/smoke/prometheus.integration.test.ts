/**
 * The stack's Prometheus: ready, with ticketflow's recording and alert rules loaded, scraping the targets the
 * supervisor lists, and picking up a new target file without a restart (how a process started later, or a
 * scaled instance, gets scraped).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { loadConfig } from '../../../config/index.js';
import { scrapeTargetsDir } from '../scrape-targets.js';
import { prometheusUrl } from '../services/prometheus.js';

const config = loadConfig();
const base = prometheusUrl(config.stack);

async function api<T>(query: string): Promise<T> {
  const response = await fetch(`${base}/api/v1/${query}`);
  assert.equal(response.status, 200, query);
  return ((await response.json()) as { data: T }).data;
}

test('Prometheus is ready with the rules of ops/monitoring loaded', async () => {
  assert.equal((await fetch(`${base}/-/ready`)).status, 200);
  const { groups } = await api<{ groups: Array<{ name: string; rules: Array<{ name: string; health: string }> }> }>(
    'rules',
  );
  const alerts = groups.find((g) => g.name === 'ticketflow.alerts');
  assert.ok(alerts, `groups: ${groups.map((g) => g.name).join(', ')}`);
  assert.ok(alerts.rules.some((r) => r.name === 'TicketflowConsumerLagGrowing'));
  assert.ok(groups.flatMap((g) => g.rules).every((r) => r.health !== 'err'));
});

test('a target file dropped next to the supervisor’s is scraped without a restart', async () => {
  const instance = `smoke-${randomUUID().slice(0, 8)}`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      `# TYPE ticketflow_ready gauge\nticketflow_ready{stage="smoke",group="tf.smoke",instance="${instance}"} 1\n`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const file = path.join(scrapeTargetsDir(config.stack), `${instance}.json`);
  writeFileSync(file, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { instance, app: 'smoke' } }]));
  try {
    const deadline = Date.now() + 40_000;
    let value: string | undefined;
    while (Date.now() < deadline && value !== '1') {
      await sleep(1000);
      const { result } = await api<{ result: Array<{ value: [number, string] }> }>(
        `query?query=${encodeURIComponent(`ticketflow_ready{instance="${instance}"}`)}`,
      );
      value = result[0]?.value[1];
    }
    assert.equal(value, '1', 'the new target was scraped');
    const { result } = await api<{ result: Array<{ metric: Record<string, string> }> }>(
      `query?query=${encodeURIComponent(`up{instance="${instance}"}`)}`,
    );
    assert.equal(result[0]?.metric.job, 'ticketflow');
    assert.equal(result[0]?.metric.app, 'smoke');
  } finally {
    rmSync(file, { force: true });
    server.close();
  }
});

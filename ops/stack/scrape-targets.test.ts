import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../config/index.js';
import { appServices } from './apps.js';
import { scrapeTargets } from './scrape-targets.js';
import { stackServices } from './services/index.js';

const config = loadConfig({});

test('scrape targets list each running service that serves metrics, with its labels', () => {
  const services = [...stackServices, ...appServices(config)];
  const running = new Set(['kafka', 'prometheus', 'enrich', 'ingest']);
  const groups = scrapeTargets(config.stack, services, (name) => running.has(name));
  assert.deepEqual(groups, [
    {
      targets: ['127.0.0.1:9090'],
      labels: { instance: 'prometheus', app: 'prometheus', __metrics_path__: '/metrics' },
    },
    {
      targets: ['127.0.0.1:9400'],
      labels: { instance: 'enrich', app: 'enrich', stage: 'enrich', group: 'tf.enrich', __metrics_path__: '/metrics' },
    },
    { targets: ['127.0.0.1:8080'], labels: { instance: 'ingest', app: 'ingest', __metrics_path__: '/metrics' } },
  ]);
});

test('every stage and sink the stack runs is a target once started, on its own probe port', () => {
  const services = appServices(config);
  const groups = scrapeTargets(config.stack, services, () => true);
  assert.equal(groups.length, services.length);
  assert.equal(new Set(groups.map((g) => g.targets[0])).size, services.length);
});

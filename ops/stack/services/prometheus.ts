/**
 * Prometheus, from Debian's `prometheus` package (ops/install.sh), run without systemd on loopback with a
 * configuration written here. It scrapes itself and every ticketflow process: their addresses come from the
 * file_sd targets the supervisor rewrites (ops/stack/scrape-targets.ts). The recording and alert rules of
 * ops/monitoring/rules/ are copied in at each start, so the service user can read them wherever the repository
 * lives. The other servers serve no Prometheus metrics of their own (Kafka's are JMX, the registry's management
 * port is a random one), so they are not scraped.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../../../config/index.js';
import type { ServiceDefinition } from '../service.js';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
export const RULES_SOURCE_DIR = 'ops/monitoring/rules';
/** Local stack only: two cores and a few days of history are plenty to watch a demo or a benchmark. */
const SCRAPE_INTERVAL = '5s';
const RETENTION = '3d';

const files = (dir: string) => ({
  config: path.join(dir, 'prometheus.yml'),
  rules: path.join(dir, 'rules'),
  targets: path.join(dir, 'targets'),
  data: path.join(dir, 'data'),
});

/** The configuration, as JSON (which is YAML): no YAML writer needed, and no quoting to get wrong. */
export function prometheusConfig(): object {
  return {
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL },
    rule_files: ['rules/*.yml'],
    // One job for everything: the targets file lists Prometheus itself and every running ticketflow process.
    scrape_configs: [
      {
        job_name: 'ticketflow',
        // Processors label their own series with stage, group and instance; those are the ones to keep.
        honor_labels: true,
        file_sd_configs: [{ files: ['targets/*.json'], refresh_interval: '30s' }],
      },
    ],
  };
}

export const prometheusUrl = (config: StackConfig): string => `http://${config.host}:${config.ports.prometheus}`;

export const prometheus: ServiceDefinition = {
  name: 'prometheus',
  dependsOn: [],
  startTimeoutMs: 30_000,
  ports: (config) => [config.ports.prometheus],
  endpoint: prometheusUrl,
  metrics: (config) => ({ port: config.ports.prometheus, path: '/metrics', labels: { app: 'prometheus' } }),

  async install() {
    if (!existsSync(PROMETHEUS_BINARY)) throw new Error('prometheus not found: run ops/install.sh');
  },

  async prepare(ctx) {
    const f = files(ctx.dir);
    for (const dir of [f.rules, f.targets, f.data]) mkdirSync(dir, { recursive: true });
    writeFileSync(f.config, `${JSON.stringify(prometheusConfig(), null, 2)}\n`);
    // Rules are replaced whole, so a rule file removed from the repository stops being evaluated.
    for (const old of readdirSync(f.rules)) rmSync(path.join(f.rules, old), { force: true });
    const source = path.join(ctx.root, RULES_SOURCE_DIR);
    for (const name of readdirSync(source).filter((n) => n.endsWith('.yml'))) {
      copyFileSync(path.join(source, name), path.join(f.rules, name));
    }
  },

  async process(ctx) {
    const f = files(ctx.dir);
    return {
      command: PROMETHEUS_BINARY,
      args: [
        `--config.file=${f.config}`,
        `--storage.tsdb.path=${f.data}`,
        `--storage.tsdb.retention.time=${RETENTION}`,
        `--web.listen-address=${ctx.config.host}:${ctx.config.ports.prometheus}`,
        // Lets a changed rule file be loaded with `curl -X POST .../-/reload` instead of a restart.
        '--web.enable-lifecycle',
      ],
      cwd: ctx.dir,
    };
  },

  async healthy(ctx) {
    try {
      const response = await fetch(`${prometheusUrl(ctx.config)}/-/ready`, { signal: AbortSignal.timeout(2000) });
      return response.ok;
    } catch {
      return false;
    }
  },
};

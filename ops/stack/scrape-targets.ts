/**
 * Prometheus's list of ticketflow targets, as a file_sd JSON file the supervisor rewrites whenever it starts
 * or stops something: every running service that serves metrics (ServiceDefinition.metrics), with its labels.
 * Prometheus watches the file, so a process started later is scraped without editing any configuration.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, StackConfig } from '../../config/index.js';
import { appServices } from './apps.js';
import type { ServiceDefinition } from './service.js';
import { stackServices } from './services/index.js';
import { Supervisor } from './supervisor.js';

export interface FileSdGroup {
  readonly targets: string[];
  readonly labels: Record<string, string>;
}

/** `.stack/prometheus/targets/`: Prometheus reads every `*.json` in it. */
export const scrapeTargetsDir = (stack: StackConfig): string => path.join(stack.stateDir, 'prometheus', 'targets');

/** One target group per running service with metrics, in the order the services are declared. */
export function scrapeTargets(
  stack: StackConfig,
  services: readonly ServiceDefinition[],
  isRunning: (name: string) => boolean,
): FileSdGroup[] {
  return services.flatMap((service) => {
    const metrics = service.metrics?.(stack);
    if (!metrics || !isRunning(service.name)) return [];
    return [
      {
        targets: [`${stack.host}:${metrics.port}`],
        labels: { instance: service.name, ...metrics.labels, __metrics_path__: metrics.path },
      },
    ];
  });
}

/** Rewrites the stack's targets file from what runs now; written whole and renamed, so never read half-done. */
export function writeScrapeTargets(config: Config): void {
  const services = [...stackServices, ...appServices(config)];
  const supervisor = new Supervisor(config.stack, services, () => undefined);
  const groups = scrapeTargets(config.stack, services, (name) => supervisor.running(name));
  const dir = scrapeTargetsDir(config.stack);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ticketflow.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

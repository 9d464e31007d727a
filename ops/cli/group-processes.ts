/**
 * The supervised processes that consume as a consumer group, so `replay --stop` can stop them, reset the group
 * and start them again: every instance of its processor (`enrich`, `enrich-2`, … for group `tf.enrich`).
 */
import type { Config, StackConfig } from '../../config/index.js';
import { consumerGroupId } from '../../topics/naming.js';
import { ticketflow } from '../../topics/topology.js';
import { appServices, processorOf } from '../stack/apps.js';
import { writeScrapeTargets } from '../stack/scrape-targets.js';
import type { ServiceDefinition } from '../stack/service.js';
import { stackServices } from '../stack/services/index.js';
import { Supervisor } from '../stack/supervisor.js';

export interface GroupProcesses {
  /** Names of the processes of `group` that run now. */
  runningFor(group: string): string[];
  isRunning(name: string): boolean;
  stop(names: readonly string[]): Promise<void>;
  /** Starts them (and whatever they depend on) and waits until healthy; throws naming any that failed. */
  start(names: readonly string[]): Promise<void>;
}

/** The group a stack app consumes as, or undefined for one that consumes nothing (ingest, the query API). */
export function appGroup(name: string): string | undefined {
  const processor = processorOf(name);
  return processor ? consumerGroupId(ticketflow.namespace, processor) : undefined;
}

export class SupervisedGroupProcesses implements GroupProcesses {
  private readonly supervisor: Supervisor;

  constructor(
    private readonly stack: StackConfig,
    private readonly services: readonly ServiceDefinition[],
    private readonly groupOf: (service: string) => string | undefined,
    private readonly print: (line: string) => void,
    private readonly onChange: () => Promise<void> | void = () => undefined,
  ) {
    this.supervisor = new Supervisor(stack, services, print, onChange);
  }

  runningFor(group: string): string[] {
    return this.services
      .filter((s) => this.groupOf(s.name) === group && this.supervisor.running(s.name))
      .map((s) => s.name);
  }

  isRunning(name: string): boolean {
    return this.supervisor.running(name);
  }

  async stop(names: readonly string[]): Promise<void> {
    for (const name of names) await this.supervisor.stop(name);
  }

  async start(names: readonly string[]): Promise<void> {
    const wanted = new Set<string>();
    const add = (name: string) => {
      if (wanted.has(name)) return;
      wanted.add(name);
      for (const dep of this.supervisor.service(name).dependsOn) add(dep);
    };
    names.forEach(add);
    const selected = this.services.filter((s) => wanted.has(s.name));
    const failed = await new Supervisor(this.stack, selected, this.print, this.onChange).up();
    if (failed.length > 0)
      throw new Error(`could not start ${failed.join(', ')}; see \`ticketflow stack logs <name>\``);
  }
}

/** The stack's own processes, as `ticketflow stack` runs them. */
export function stackGroupProcesses(config: Config, print: (line: string) => void): GroupProcesses {
  return new SupervisedGroupProcesses(config.stack, [...stackServices, ...appServices(config)], appGroup, print, () =>
    writeScrapeTargets(config),
  );
}

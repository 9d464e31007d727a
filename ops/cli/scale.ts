/**
 * `ticketflow scale <processor> <n>`: runs n instances of a stage or sink under the stack supervisor, each a
 * member of the processor's one consumer group, waits until the group has settled on them, and prints who holds
 * which partitions. Scaling down stops the highest-numbered instances with SIGTERM, so each finishes and commits
 * the batch in hand and leaves the group before its partitions move: nothing is lost, nothing a user sees is
 * repeated.
 */
import type { Admin } from 'kafkajs';
import { loadConfig } from '../../config/index.js';
import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import { appServices, instanceName, PROCESSOR_APPS, readInstanceCounts, writeInstanceCounts } from '../stack/apps.js';
import { writeScrapeTargets } from '../stack/scrape-targets.js';
import { dataServices } from '../stack/services/index.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { describeGroup, type GroupDescription } from './consumer-groups.js';
import { appGroup, SupervisedGroupProcesses, type GroupProcesses } from './group-processes.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { printJson, printTable } from './output.js';

const USAGE = `usage: ticketflow scale <processor> <instances> [--timeout SECONDS] [--json]
  processors: ${PROCESSOR_APPS.map((a) => a.name).join(', ')}
  Runs that many instances of the processor under the stack supervisor (instance 1 is named after it, the others
  <processor>-2, -3, …), waits for its consumer group to settle on them (default timeout 120 s) and prints each
  member's partitions. Instances can range from 1 to the partition count of the processor's input topics; to
  stop a processor altogether use \`ticketflow stack stop <processor>\`.`;

export interface ScalePlan {
  readonly processor: string;
  readonly group: string;
  /** Instances that run after the change. */
  readonly instances: number;
  readonly start: readonly string[];
  /** Highest-numbered first. */
  readonly stop: readonly string[];
}

/** What scaling `processor` from `current` to `instances` starts and stops; refuses what cannot be done. */
export function planScale(processor: string, instances: number, current: number): ScalePlan {
  if (!PROCESSOR_APPS.some((a) => a.name === processor)) {
    throw new UsageError(
      `${processor} is not a processor the stack runs; scale one of ${PROCESSOR_APPS.map((a) => a.name).join(', ')}`,
    );
  }
  const binding = consumerBinding(ticketflow, processor);
  const partitions = Math.max(...binding.inputs.map((t) => t.partitions));
  if (!Number.isInteger(instances) || instances < 1) {
    throw new UsageError(
      `instances must be a whole number from 1 to ${partitions}; to stop ${processor}, use \`ticketflow stack stop ${processor}\``,
    );
  }
  if (instances > partitions) {
    throw new UsageError(
      `${processor} reads topics of ${partitions} partitions: more than ${partitions} instances would idle ` +
        `(each partition is read by one member of the group)`,
    );
  }
  const names = (from: number, to: number) =>
    Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => instanceName(processor, from + i));
  return {
    processor,
    group: binding.groupId,
    instances,
    start: names(1, instances),
    stop: names(instances + 1, current).reverse(),
  };
}

/**
 * Applies a plan and waits until the group is stable with exactly `plan.instances` members holding every
 * partition of its inputs, twice in a row a second apart; resolves with the group as it settled.
 */
export async function applyScale(
  plan: ScalePlan,
  processes: GroupProcesses,
  admin: Admin,
  options: { timeoutMs: number; print: (text: string) => void; partitions: number },
): Promise<GroupDescription> {
  if (plan.stop.length > 0) {
    options.print(`stopping ${plan.stop.join(', ')} (each commits the batch in hand and leaves the group)`);
    await processes.stop(plan.stop);
  }
  options.print(`starting ${plan.start.join(', ')} (those already running are left as they are)`);
  await processes.start(plan.start);
  const deadline = Date.now() + options.timeoutMs;
  let settledOnce = false;
  for (;;) {
    const group = await describeGroup(admin, plan.group);
    const assigned = group.members.reduce(
      (sum, m) => sum + m.assignment.reduce((s, a) => s + a.partitions.length, 0),
      0,
    );
    const settled =
      group.state === 'Stable' && group.members.length === plan.instances && assigned === options.partitions;
    if (settled && settledOnce) return group;
    settledOnce = settled;
    if (Date.now() > deadline) {
      throw new Error(
        `${plan.group} did not settle on ${plan.instances} members within ${options.timeoutMs / 1000} s: ` +
          `it is ${group.state} with ${group.members.length} members holding ${assigned} of ${options.partitions} ` +
          `partitions (a member outside the supervisor counts too: see \`ticketflow groups describe ${plan.group}\`)`,
      );
    }
    options.print(`waiting for ${plan.group}: ${group.state}, ${group.members.length} members, ${assigned} partitions`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function assignmentRows(group: GroupDescription): string[][] {
  return group.members.map((m) => [
    m.memberId,
    m.host,
    m.assignment.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' '),
  ]);
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    timeout: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [processor, count, ...extra] = positionals;
  if (!processor || count === undefined || extra.length > 0)
    throw new UsageError('scale needs a processor and a count', true);
  if (!/^\d+$/.test(count)) throw new UsageError(`instances must be a whole number, got ${JSON.stringify(count)}`);
  const timeoutSeconds = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  }
  const config = loadConfig();
  const counts = readInstanceCounts(config.stack.stateDir);
  const current = Math.max(1, counts[processor] ?? 1);
  const plan = planScale(processor, Number(count), current);
  const partitions = consumerBinding(ticketflow, processor).inputs.reduce((sum, t) => sum + t.partitions, 0);
  // The supervisor must know every instance that runs now and every one that will.
  const known = { ...counts, [processor]: Math.max(current, plan.instances) };
  const print = (text: string) => line(io.stderr, text);
  const processes = new SupervisedGroupProcesses(
    config.stack,
    [...dataServices, ...appServices(config, known)],
    appGroup,
    print,
    () => writeScrapeTargets(config),
  );
  const settled = await withAdmin(operatorKafka(config, 'scale'), async (admin) => {
    const group = await applyScale(plan, processes, admin, { timeoutMs: timeoutSeconds * 1000, print, partitions });
    writeInstanceCounts(config.stack.stateDir, { ...counts, [processor]: plan.instances });
    return group;
  });
  await writeScrapeTargets(config);
  if (values.json) printJson(io.stdout, { group: plan.group, instances: plan.instances, members: settled.members });
  else {
    line(io.stdout, `${plan.group}: ${plan.instances} instance(s), ${settled.state}`);
    printTable(io.stdout, ['MEMBER', 'HOST', 'PARTITIONS'], assignmentRows(settled));
  }
  return EXIT.ok;
}

export const command: Command = { name: 'scale', summary: 'run n instances of a stage or sink', usage: USAGE, run };

/**
 * `ticketflow groups`: every ticketflow consumer group with its state, members and lag, and one group's
 * partitions in detail. Figures agree with Kafka's `kafka-consumer-groups.sh --describe`, which the
 * integration test checks.
 */
import { loadConfig } from '../../config/index.js';
import { ticketflow } from '../../topics/topology.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { describeGroup, isUnknownGroup, ticketflowGroups, type GroupDescription } from './consumer-groups.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { cell, printJson, printTable } from './output.js';

const USAGE = `usage: ticketflow groups [--json]                    every ticketflow group: state, members, lag
       ticketflow groups describe <group> [--json]   each partition: committed offset, log end, lag, owner

Groups are the topology's (tf.<stage or sink>) and any other tf.* group on the broker. Lag counts partitions
with a committed offset; a partition without one shows '-', as in Kafka's own tool. State Dead means the
broker knows nothing of the group.`;

export function listRows(groups: readonly GroupDescription[]): string[][] {
  return groups.map((g) => [
    g.group,
    g.state,
    String(g.members.length),
    String(g.partitions.length),
    String(g.totalLag),
  ]);
}

export function describeRows(group: GroupDescription): string[][] {
  return group.partitions.map((p) => [
    p.topic,
    String(p.partition),
    cell(p.committed),
    cell(p.logEnd),
    cell(p.lag),
    cell(p.member?.clientId),
    cell(p.member?.host),
    cell(p.member?.memberId),
  ]);
}

export function describeHeadline(group: GroupDescription): string {
  const members = `${group.members.length} member${group.members.length === 1 ? '' : 's'}`;
  return `group ${group.group}: ${group.state}, ${members}, lag ${group.totalLag}`;
}

function printList(io: Io, groups: readonly GroupDescription[], json: boolean): void {
  if (json) {
    printJson(
      io.stdout,
      groups.map((g) => ({
        group: g.group,
        state: g.state,
        members: g.members.length,
        partitions: g.partitions.length,
        lag: g.totalLag,
      })),
    );
  } else printTable(io.stdout, ['GROUP', 'STATE', 'MEMBERS', 'PARTITIONS', 'LAG'], listRows(groups));
}

function printDescription(io: Io, group: GroupDescription, json: boolean): void {
  if (json) {
    printJson(io.stdout, group);
    return;
  }
  line(io.stdout, describeHeadline(group));
  if (group.partitions.length === 0) {
    line(io.stdout, '(no partition assigned or committed)');
    return;
  }
  printTable(
    io.stdout,
    ['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'CLIENT-ID', 'HOST', 'MEMBER-ID'],
    describeRows(group),
  );
}

export const command: Command = {
  name: 'groups',
  summary: 'consumer groups: state, members, lag per partition',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseOptions(argv, { json: { type: 'boolean', default: false } });
    const [action, name, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`, true);
    const kafka = operatorKafka(loadConfig(), 'groups');
    if (action === undefined || action === 'list') {
      if (name !== undefined) throw new UsageError(`unexpected argument: ${name}`, true);
      const groups = await withAdmin(kafka, async (admin) => {
        const ids = await ticketflowGroups(admin, ticketflow);
        return Promise.all(ids.map((id) => describeGroup(admin, id)));
      });
      printList(io, groups, values.json);
      return EXIT.ok;
    }
    if (action === 'describe') {
      if (!name) throw new UsageError('describe needs a group name', true);
      const group = await withAdmin(kafka, (admin) => describeGroup(admin, name));
      if (isUnknownGroup(group, ticketflow)) {
        throw new UsageError(`unknown group ${JSON.stringify(name)}: not in the topology and unknown to the broker`);
      }
      printDescription(io, group, values.json);
      return EXIT.ok;
    }
    throw new UsageError(`unknown action ${JSON.stringify(action)}`, true);
  },
};

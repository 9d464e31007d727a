/** `ticketflow topics`: make the cluster match topics/topology.ts, or show it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../config/index.js';
import { applyTopology } from '../../topics/apply.js';
import { renderTable } from '../../topics/describe.js';
import { renderMermaid } from '../../topics/mermaid.js';
import { diagramBlock, diagramStatus, replaceDiagram } from '../../topics/readme.js';
import { deadLettersOf, readersOf, ticketflow, writersOf } from '../../topics/topology.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { printJson } from './output.js';

const USAGE = `usage: ticketflow topics apply [--dry-run]         make the cluster match topics/topology.ts
       ticketflow topics describe [--json | --mermaid]  the topology as a table, JSON or a mermaid flowchart
       ticketflow topics diagram [--write FILE | --check FILE]
                                 print the README's diagram block, write it into FILE between the topology
                                 markers, or exit 1 when FILE's block is stale`;

/** Each declared topic as declared, with who writes and reads it and where its failures go. */
function describeJson() {
  return ticketflow.topics.map((topic) => ({
    ...topic,
    writers: writersOf(ticketflow, topic.name).map((n) => n.name),
    readers: readersOf(ticketflow, topic.name).map((n) => n.name),
    deadLetters: deadLettersOf(ticketflow, topic.name),
  }));
}

async function apply(io: Io, dryRun: boolean): Promise<number> {
  const config = loadConfig();
  await withAdmin(operatorKafka(config, 'topics'), async (admin) => {
    line(
      io.stdout,
      `${dryRun ? 'planning' : 'applying'} ${ticketflow.topics.length} topics on ${config.kafka.brokers}`,
    );
    const report = await applyTopology(admin, ticketflow, { dryRun, log: (text) => line(io.stdout, text) });
    const changed = report.plan.topics.filter((t) => t.action !== 'unchanged').length;
    line(
      io.stdout,
      changed === 0
        ? 'all topics unchanged'
        : `${changed} topic(s) ${report.applied ? 'changed' : 'would change (dry run)'}`,
    );
  });
  return EXIT.ok;
}

function diagram(io: Io, write: string | undefined, check: string | undefined): number {
  const mermaid = renderMermaid(ticketflow);
  if (write) {
    const before = readFileSync(write, 'utf8');
    const after = replaceDiagram(before, mermaid, write);
    if (after === before) line(io.stdout, `${write}: diagram already current`);
    else {
      writeFileSync(write, after);
      line(io.stdout, `${write}: diagram updated`);
    }
    return EXIT.ok;
  }
  if (check) {
    const status = diagramStatus(readFileSync(check, 'utf8'), mermaid, check);
    line(io.stdout, `${check}: diagram ${status}`);
    return status === 'current' ? EXIT.ok : EXIT.failure;
  }
  line(io.stdout, diagramBlock(mermaid).trim());
  return EXIT.ok;
}

export const command: Command = {
  name: 'topics',
  summary: 'apply or describe the Kafka topology',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseOptions(argv, {
      'dry-run': { type: 'boolean', default: false },
      mermaid: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      write: { type: 'string' },
      check: { type: 'string' },
    });
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`, true);
    switch (action) {
      case 'apply':
        return apply(io, values['dry-run']);
      case 'describe':
        if (values.json) printJson(io.stdout, describeJson());
        else line(io.stdout, values.mermaid ? renderMermaid(ticketflow) : renderTable(ticketflow));
        return EXIT.ok;
      case 'diagram':
        return diagram(io, values.write, values.check);
      default:
        throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'missing action', true);
    }
  },
};

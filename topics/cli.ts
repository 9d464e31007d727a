/**
 * `npm run topics -- <command>`:
 *   apply [--dry-run]               make the cluster match topics/topology.ts
 *   describe [--mermaid]            print the topology as a table, or as a mermaid flowchart
 *   diagram [--write F | --check F] print the markdown diagram block, write it into F between the
 *                                   topology markers, or fail if F's block is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../config/index.js';
import { applyTopology } from './apply.js';
import { renderTable } from './describe.js';
import { renderMermaid } from './mermaid.js';
import { diagramBlock, diagramStatus, replaceDiagram } from './readme.js';
import { ticketflow } from './topology.js';

const USAGE =
  'usage: npm run topics -- apply [--dry-run] | describe [--mermaid] | diagram [--write FILE | --check FILE]';

async function apply(dryRun: boolean): Promise<void> {
  const config = loadConfig();
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-topics`,
    brokers: config.kafka.brokers,
    // Failures reach us as rejections with their message; kafkajs's own retry chatter would only bury them.
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    console.log(`${dryRun ? 'planning' : 'applying'} ${ticketflow.topics.length} topics on ${config.kafka.brokers}`);
    const report = await applyTopology(admin, ticketflow, { dryRun, log: (line) => console.log(line) });
    const changed = report.plan.topics.filter((t) => t.action !== 'unchanged').length;
    console.log(
      changed === 0
        ? 'all topics unchanged'
        : `${changed} topic(s) ${report.applied ? 'changed' : 'would change (dry run)'}`,
    );
  } finally {
    await admin.disconnect();
  }
}

function diagram(write: string | undefined, check: string | undefined): void {
  const mermaid = renderMermaid(ticketflow);
  if (write) {
    const before = readFileSync(write, 'utf8');
    const after = replaceDiagram(before, mermaid, write);
    if (after === before) console.log(`${write}: diagram already current`);
    else {
      writeFileSync(write, after);
      console.log(`${write}: diagram updated`);
    }
  } else if (check) {
    const status = diagramStatus(readFileSync(check, 'utf8'), mermaid, check);
    console.log(`${check}: diagram ${status}`);
    if (status !== 'current') process.exitCode = 1;
  } else {
    console.log(diagramBlock(mermaid).trim());
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      mermaid: { type: 'boolean', default: false },
      write: { type: 'string' },
      check: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  switch (command) {
    case 'apply':
      return apply(values['dry-run']);
    case 'describe':
      console.log(values.mermaid ? renderMermaid(ticketflow) : renderTable(ticketflow));
      return;
    case 'diagram':
      return diagram(values.write, values.check);
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'missing command');
  }
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : (error as Error).message);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});

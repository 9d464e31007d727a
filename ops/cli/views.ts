/**
 * `ticketflow views`: the versions of the materialized views, and their blue/green rebuild (ops/views/).
 */
import pino from 'pino';
import { loadConfig, type Config } from '../../config/index.js';
import { hostedStage } from '../../processors/catalog.js';
import { Resources } from '../../processors/resources.js';
import { isSinkName, SINK_NAMES, type SinkName } from '../../processors/sinks/stages.js';
import { TICKET_INDEX } from '../../processors/sinks/search-index.js';
import { liveViewsView } from '../views/live-views-view.js';
import { rebuildView, type RebuildResult } from '../views/rebuild.js';
import { searchIndexView } from '../views/search-index-view.js';
import { ticketStoreView } from '../views/ticket-store-view.js';
import type { VersionedView } from '../views/view.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { operatorKafka, withAdmin } from './kafka.js';
import { cell, printJson, printTable } from './output.js';
import { Progress } from './progress.js';

const USAGE = `usage: ticketflow views list [--json]
       ticketflow views rebuild <view> [--resume | --abort] [--drop-old] [--force] [--compare-timeout SECONDS] [--json]
       ticketflow views switch <view> <version>
       ticketflow views drop <view> <version>
  views: ${SINK_NAMES.join(', ')}
  rebuild   builds a new version of the view from the earliest retained events with a consumer group of its own
            (tf.rebuild.<view>.v<n>) while the current version serves, compares the two (tickets and a digest per
            org), switches readers atomically and keeps the old version until --drop-old or \`views drop\`.
            --resume carries on an interrupted rebuild from its committed offsets; --abort drops it.
            Refused (exit 2) when the versions still differ after --compare-timeout (default 60 s) unless --force;
            the new version is kept, so \`views switch\` can still take it.
  switch    points readers at an existing version (the rollback after a rebuild)
  drop      deletes a version that readers do not use`;

function viewOf(name: string | undefined): SinkName {
  if (!name || !isSinkName(name)) {
    throw new UsageError(`${name ? `unknown view ${name}` : 'name a view'}: one of ${SINK_NAMES.join(', ')}`, !name);
  }
  return name;
}

function versionOf(text: string | undefined): number {
  const version = Number(text);
  if (!text || !Number.isInteger(version) || version < 0)
    throw new UsageError(`version must be a whole number, got ${text ?? 'nothing'}`);
  return version;
}

export function versionedView(name: SinkName, resources: Resources): VersionedView {
  switch (name) {
    case 'search-index': {
      const { client, dependency } = resources.elasticsearch();
      return searchIndexView(client, dependency, TICKET_INDEX);
    }
    case 'ticket-store': {
      const { db, dependency } = resources.mongo();
      return ticketStoreView(db, dependency);
    }
    case 'live-views': {
      const { client, dependency } = resources.redis();
      return liveViewsView(client, dependency);
    }
  }
}

async function withResources<T>(config: Config, use: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources(config, pino({ level: 'silent' }));
  try {
    return await use(resources);
  } finally {
    await resources.close();
  }
}

async function list(config: Config, json: boolean, io: Io): Promise<number> {
  const rows = await withResources(config, async (resources) => {
    const found = [];
    for (const name of SINK_NAMES) {
      const view = versionedView(name, resources);
      const [current, versions] = await Promise.all([view.current(), view.versions()]);
      for (const version of versions) {
        found.push({ view: name, version, location: view.location(version), current: version === current });
      }
    }
    return found;
  });
  if (json) printJson(io.stdout, { versions: rows });
  else {
    printTable(
      io.stdout,
      ['VIEW', 'VERSION', 'WHERE', 'READERS'],
      rows.map((r) => [r.view, cell(r.version), r.location, r.current ? 'current' : '-']),
    );
  }
  return EXIT.ok;
}

function printRebuild(result: RebuildResult, json: boolean, io: Io): void {
  if (json) {
    printJson(io.stdout, result);
    return;
  }
  printTable(
    io.stdout,
    [
      'VIEW',
      'FROM',
      'TO',
      'EVENTS',
      'SECONDS',
      'EVENTS/S',
      'TICKETS LIVE',
      'TICKETS REBUILT',
      'ORGS DIFFERING',
      'SWITCHED',
    ],
    [
      [
        result.view,
        cell(result.from),
        cell(result.to),
        cell(result.events),
        result.seconds.toFixed(1),
        cell(Math.round(result.eventsPerSec)),
        cell(result.tickets.live),
        cell(result.tickets.rebuilt),
        cell(result.differences.length),
        result.switched ? 'yes' : 'no',
      ],
    ],
  );
  for (const d of result.differences.slice(0, 10)) {
    line(io.stderr, `  ${d.org}: live ${JSON.stringify(d.live)} rebuilt ${JSON.stringify(d.rebuilt)}`);
  }
  if (result.dropped !== null) line(io.stderr, `dropped version ${result.dropped}`);
}

async function rebuild(config: Config, argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    resume: { type: 'boolean', default: false },
    abort: { type: 'boolean', default: false },
    'drop-old': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    'compare-timeout': { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
  });
  const name = viewOf(positionals[0]);
  if (values.resume && values.abort) throw new UsageError('--resume and --abort exclude each other');
  const compareSeconds = Number(values['compare-timeout']);
  if (!(compareSeconds >= 0)) throw new UsageError('--compare-timeout must be a number of seconds');
  const kafka = operatorKafka(config, 'views');
  const result = await withResources(config, (resources) =>
    withAdmin(kafka, async (admin) => {
      const view = versionedView(name, resources);
      let progress = null as Progress | null;
      try {
        return await rebuildView({
          view,
          wiring: hostedStage(name, resources).wiring,
          admin,
          config,
          dependencies: resources.dependencies,
          resume: values.resume,
          abort: values.abort,
          dropOld: values['drop-old'],
          force: values.force,
          compareWithinMs: compareSeconds * 1000,
          log: (text) => line(io.stderr, text),
          onProgress: (done, total) => {
            progress ??= new Progress({ label: `rebuilding ${name}`, stream: io.stderr, unit: 'events', total });
            progress.update(done, total);
          },
        });
      } finally {
        progress?.finish();
      }
    }),
  );
  printRebuild(result, values.json, io);
  return result.aborted || result.switched ? EXIT.ok : EXIT.failure;
}

async function switchOrDrop(config: Config, action: 'switch' | 'drop', argv: string[], io: Io): Promise<number> {
  const { positionals } = parseOptions(argv, {});
  const name = viewOf(positionals[0]);
  const version = versionOf(positionals[1]);
  await withResources(config, async (resources) => {
    const view = versionedView(name, resources);
    const [current, versions] = await Promise.all([view.current(), view.versions()]);
    if (!versions.includes(version)) {
      throw new UsageError(`${name} has no version ${version}; it has ${versions.join(', ') || 'none'}`);
    }
    if (action === 'drop') {
      if (version === current)
        throw new UsageError(`version ${version} of ${name} is the one readers use; switch first`);
      await view.drop(version);
      line(io.stdout, `dropped version ${version} of ${name} (${view.location(version)})`);
    } else {
      await view.switchTo(version);
      line(io.stdout, `${name}: readers use version ${version} (${view.location(version)}), was ${current}`);
    }
  });
  return EXIT.ok;
}

export const command: Command = {
  name: 'views',
  summary: 'versions of the materialized views and their blue/green rebuild',
  usage: USAGE,
  async run(argv, io) {
    const [action, ...rest] = argv;
    const config = loadConfig();
    switch (action) {
      case 'list':
        return list(config, parseOptions(rest, { json: { type: 'boolean', default: false } }).values.json, io);
      case 'rebuild':
        return rebuild(config, rest, io);
      case 'switch':
      case 'drop':
        return switchOrDrop(config, action, rest, io);
      default:
        throw new UsageError(action ? `unknown views command ${action}` : 'name a views command', true);
    }
  },
};

/**
 * `ticketflow model`: intent models per org.
 *   train     a model from a labelled CSV, written to a file and/or registered as a candidate of an org
 *   list      the registered versions and their states
 *   show      one version's provenance and held-out metrics
 *   report    what a shadow version decided beside the active one: agreement, changed intents, confidence shift
 *   promote   make a version the org's active model (the running classify stages pick it up within seconds)
 *   shadow    make a version the org's shadow: the classify stages run it beside the active one
 *   retire    retire a version (retiring the active one returns the org to the default model)
 */
import { statSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { LANGUAGE_SUBTAG } from '../../processors/classify/artefact.js';
import { HYPERPARAMETERS } from '../../processors/classify/hyperparams.js';
import {
  listModels,
  registerModel,
  setModelState,
  showModel,
  UnknownModelVersionError,
  UnknownOrganizationError,
  type ModelState,
  type RegisteredModel,
} from '../../processors/classify/registry.js';
import { readShadowReport, type ShadowReport } from '../../processors/classify/shadow.js';
import { isModelName, trainIntentModel, type TrainedModel } from '../../processors/classify/train-model.js';
import {
  MAX_TRAINING_BYTES,
  readTrainingData,
  TrainingDataError,
  type TrainingData,
} from '../../processors/classify/training-data.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { cell, printJson, printTable } from './output.js';
import { Progress } from './progress.js';

const USAGE = `usage: ticketflow model train --data FILE.csv --name NAME [--org ORG] [--out FILE]
                             [--text-column text] [--label-column category] [--oos-label LABEL]
                             [--target-false-oos 0.05] [--languages en] [--drop-duplicates]
                             [--drop-rare-labels] [--json]
         Trains on 80 % of the rows (stratified) and calibrates the out-of-scope threshold on the other 20 %:
         the highest threshold that flags at most --target-false-oos of the held-out in-scope rows. Rows
         labelled --oos-label are learned as an out-of-scope class. --org registers the model as a candidate
         of the org; --out writes the artefact to a file; at least one of them. --languages lists the
         languages of the texts (ISO 639-1, comma-separated): a message confidently in another one gets
         intent unknown and goes to a person, instead of a guess read with the wrong words.
       ticketflow model list [--org ORG] [--json]
       ticketflow model show VERSION --org ORG [--json]
       ticketflow model report VERSION --org ORG [--top 10] [--json]
         What VERSION decided as the org's shadow beside each active version, on the interactions the classify
         stage saw (live, or replayed with ticketflow replay): agreement, out-of-scope rates, the confidence
         shift and the --top decisions that changed.
       ticketflow model promote|shadow|retire VERSION --org ORG [--json]
         promote makes VERSION the org's active model and retires the one it replaces; running classify
         stages use it within a few seconds. shadow makes VERSION the org's shadow (the one before goes back
         to candidate): the stages run it beside the active model from their next poll, for model report.
         Retiring the active version returns the org to the default model.`;

const STATE_OF_ACTION: Readonly<Record<string, ModelState>> = {
  promote: 'active',
  shadow: 'shadow',
  retire: 'retired',
};

type Values = Record<string, string | boolean | undefined>;

function withPool<T>(run: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: loadConfig().postgres.url, max: 2, connectionTimeoutMillis: 5000 });
  return run(pool).finally(() => pool.end());
}

/** Registry errors that mean "you named something that does not exist": exit 2, not a failure. */
async function refusingUnknown<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof UnknownOrganizationError || error instanceof UnknownModelVersionError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

const percent = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);

function readData(values: Values): { bytes: Buffer; data: TrainingData } {
  const file = values.data as string | undefined;
  if (!file) throw new UsageError('train needs --data FILE.csv', true);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UsageError(
      `--data ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  if (size > MAX_TRAINING_BYTES) {
    throw new UsageError(
      `--data ${file}: ${(size / 2 ** 20).toFixed(0)} MiB is over the ${MAX_TRAINING_BYTES / 2 ** 20} MiB a training file may have`,
    );
  }
  const bytes = readFileSync(file);
  try {
    const data = readTrainingData(bytes, {
      textColumn: (values['text-column'] as string | undefined) ?? 'text',
      labelColumn: (values['label-column'] as string | undefined) ?? 'category',
      oosLabel: values['oos-label'] as string | undefined,
      dropDuplicates: values['drop-duplicates'] === true,
      dropRareLabels: values['drop-rare-labels'] === true,
    });
    return { bytes, data };
  } catch (error) {
    if (error instanceof TrainingDataError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/** `--languages es,en` → ['es', 'en']; absent leaves the model English, as every model before the option. */
function parseLanguages(option: string | undefined): string[] | undefined {
  if (option === undefined) return undefined;
  const languages = option.split(',').map((l) => l.trim().toLowerCase());
  const bad = languages.find((l) => !LANGUAGE_SUBTAG.test(l));
  if (bad !== undefined) {
    throw new UsageError(
      `--languages ${JSON.stringify(option)}: ${JSON.stringify(bad)} is not an ISO 639 code (en, es)`,
    );
  }
  return [...new Set(languages)];
}

async function train(values: Values, io: Io): Promise<void> {
  const name = values.name as string | undefined;
  const org = values.org as string | undefined;
  const out = values.out as string | undefined;
  if (!name) throw new UsageError('train needs --name NAME (it prefixes the model version)', true);
  if (!isModelName(name)) {
    throw new UsageError(`--name ${JSON.stringify(name)}: lower-case letters, digits, '.', '_' and '-', up to 63`);
  }
  if (!org && !out) throw new UsageError('train needs --org ORG, --out FILE or both: where should the model go?', true);
  const target = values['target-false-oos'] === undefined ? undefined : Number(values['target-false-oos']);
  if (target !== undefined && !(target >= 0 && target < 1)) {
    throw new UsageError(`--target-false-oos must be a number in [0, 1), got ${String(values['target-false-oos'])}`);
  }
  const languages = parseLanguages(values.languages as string | undefined);
  const { bytes: dataBytes, data } = readData(values);
  if (values['oos-label'] !== undefined && data.oosRows === 0) {
    line(
      io.stderr,
      `warning: no row is labelled ${JSON.stringify(values['oos-label'])}; the model has no out-of-scope class`,
    );
  }
  // An unknown org is refused before minutes of training, not after.
  if (org) await withPool((pool) => refusingUnknown(listModels(pool, org)));

  const progress = new Progress({
    label: 'training',
    total: HYPERPARAMETERS.sgd.epochs,
    unit: 'epochs',
    stream: io.stderr,
  });
  const started = performance.now();
  const trained: TrainedModel = trainIntentModel(data.examples, {
    name,
    dataBytes,
    textColumn: (values['text-column'] as string | undefined) ?? 'text',
    labelColumn: (values['label-column'] as string | undefined) ?? 'category',
    oosLabel: values['oos-label'] as string | undefined,
    targetFalseOosRate: target,
    ...(languages === undefined ? {} : { languages }),
    onEpoch: ({ epoch }) => progress.update(epoch),
  });
  progress.finish();
  const seconds = (performance.now() - started) / 1000;

  if (out) {
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeFileSync(out, trained.bytes);
  }
  const registered = org
    ? await withPool((pool) => refusingUnknown(registerModel(pool, org, trained.bytes)))
    : undefined;

  const summary = {
    version: trained.version,
    name,
    bytes: trained.bytes.length,
    rows: data.rows,
    droppedDuplicates: data.droppedDuplicates,
    droppedRareLabels: data.droppedRareLabels,
    examples: data.examples.length,
    trainRows: trained.trainRows,
    labels: data.inScopeLabels.length,
    oosRows: data.oosRows,
    threshold: trained.threshold,
    languages: languages ?? ['en'],
    heldOut: trained.heldOut,
    trainSeconds: Math.round(seconds * 10) / 10,
    out: out ?? null,
    registered: registered
      ? { org: registered.model.orgId, state: registered.model.state, new: registered.created }
      : null,
  };
  if (values.json) return printJson(io.stdout, summary);
  const h = trained.heldOut;
  const say = (text: string) => line(io.stdout, text);
  say(
    `model ${trained.version} (${trained.bytes.length.toLocaleString('en-US')} bytes), trained in ${seconds.toFixed(1)} s`,
  );
  say(
    `  data         ${data.rows} rows, ${data.inScopeLabels.length} in-scope labels, ${data.oosRows} out-of-scope rows` +
      (data.droppedDuplicates ? `, ${data.droppedDuplicates} duplicates dropped` : '') +
      (data.droppedRareLabels.length ? `, rare labels dropped: ${data.droppedRareLabels.join(', ')}` : ''),
  );
  say(`  split        ${trained.trainRows} trained on, ${h.rows} held out (${h.oosRows} out of scope)`);
  say(`  threshold    ${trained.threshold.toFixed(4)} (calibrated on the held-out in-scope rows)`);
  say(`  languages    ${(languages ?? ['en']).join(', ')}`);
  say(`  held out     in-scope accuracy ${percent(h.inScopeAccuracy)}, macro-F1 ${h.macroF1.toFixed(4)}`);
  say(
    `               false out-of-scope ${percent(h.falseOosRate)}, out-of-scope recall ${percent(h.oosRecall)}, ` +
      `precision ${percent(h.oosPrecision)}`,
  );
  if (out) say(`  wrote        ${out}`);
  if (registered) {
    say(
      `  registered   ${registered.created ? 'as a candidate of' : 'already in the registry of'} ${org} ` +
        `(state ${registered.model.state}); promote with: ticketflow model promote ${trained.version} --org ${org}`,
    );
  }
}

function printShadowReport(io: Io, report: ShadowReport): void {
  const say = (text: string) => line(io.stdout, text);
  if (report.comparisons.length === 0) {
    say(`${report.version} of ${report.orgId} has not classified anything beside an active model yet`);
    say(`(make it the shadow with: ticketflow model shadow ${report.version} --org ${report.orgId})`);
    return;
  }
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
  for (const c of report.comparisons) {
    say(`${report.version} beside ${c.activeVersion} (org ${report.orgId})`);
    say(
      `  interactions   ${c.interactions.toLocaleString('en-US')}, ${c.firstSeenAt.toISOString()} to ${c.lastSeenAt.toISOString()}`,
    );
    say(`  agreement      ${percent(c.agreement)} (same intent, or both out of scope)`);
    say(`  out of scope   active ${percent(c.activeOutOfScopeRate)}, shadow ${percent(c.shadowOutOfScopeRate)}`);
    say(
      `  confidence     shadow minus active: mean ${signed(c.meanConfidenceShift)}, mean magnitude ${c.meanAbsConfidenceShift.toFixed(4)}`,
    );
    if (c.changes.length === 0) {
      say('  no decision changed');
      continue;
    }
    say('  decisions that changed, most frequent first:');
    printTable(
      io.stdout,
      ['ACTIVE', 'SHADOW', 'INTERACTIONS', 'SHARE'],
      c.changes.map((x) => [x.from, x.to, String(x.interactions), percent(x.interactions / c.interactions)]),
    );
  }
}

function printModels(io: Io, models: readonly RegisteredModel[]): void {
  printTable(
    io.stdout,
    ['ORG', 'VERSION', 'STATE', 'ROWS', 'LABELS', 'IN-SCOPE ACC', 'OOS RECALL', 'CREATED'],
    models.map((m) => {
      const heldOut = (m.training.heldOut ?? {}) as Partial<{ inScopeAccuracy: number; oosRecall: number | null }>;
      return [
        m.orgId,
        m.version,
        m.state,
        cell(m.training.rows as number | undefined),
        cell(m.training.labels as number | undefined),
        heldOut.inScopeAccuracy === undefined ? '-' : percent(heldOut.inScopeAccuracy),
        heldOut.oosRecall === undefined ? '-' : percent(heldOut.oosRecall),
        m.createdAt.toISOString(),
      ];
    }),
  );
}

async function run(argv: string[], io: Io): Promise<void> {
  const { values, positionals } = parseOptions(argv, {
    data: { type: 'string' },
    name: { type: 'string' },
    org: { type: 'string' },
    out: { type: 'string' },
    'text-column': { type: 'string' },
    'label-column': { type: 'string' },
    'oos-label': { type: 'string' },
    'target-false-oos': { type: 'string' },
    languages: { type: 'string' },
    'drop-duplicates': { type: 'boolean', default: false },
    'drop-rare-labels': { type: 'boolean', default: false },
    top: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [action, version, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`, true);
  const org = values.org;
  const needOrg = () => {
    if (!org) throw new UsageError(`${action} needs --org ORG`, true);
    return org;
  };
  const needVersion = () => {
    if (!version) throw new UsageError(`${action} needs a model VERSION`, true);
    return version;
  };
  switch (action) {
    case 'train':
      if (version) throw new UsageError(`unexpected ${version}`, true);
      return train(values, io);
    case 'list': {
      const models = await withPool((pool) => refusingUnknown(listModels(pool, org)));
      if (values.json) return printJson(io.stdout, models);
      if (models.length === 0) return line(io.stdout, org ? `no models registered for ${org}` : 'no models registered');
      return printModels(io, models);
    }
    case 'show': {
      const [o, v] = [needOrg(), needVersion()];
      const model = await withPool((pool) => refusingUnknown(showModel(pool, o, v)));
      if (values.json) return printJson(io.stdout, model);
      printModels(io, [model]);
      line(io.stdout, `\nsha256 ${model.sha256}, ${model.sizeBytes.toLocaleString('en-US')} bytes`);
      return line(io.stdout, `training ${JSON.stringify(model.training, null, 2)}`);
    }
    case 'report': {
      const [o, v] = [needOrg(), needVersion()];
      const top = values.top === undefined ? 10 : Number(values.top);
      if (!Number.isInteger(top) || top < 1 || top > 1000) {
        throw new UsageError(`--top must be a whole number from 1 to 1000, got ${String(values.top)}`);
      }
      const report = await withPool(async (pool) => {
        await refusingUnknown(showModel(pool, o, v));
        return readShadowReport(pool, o, v, top);
      });
      if (values.json) return printJson(io.stdout, report);
      return printShadowReport(io, report);
    }
    case 'promote':
    case 'shadow':
    case 'retire': {
      const [o, v] = [needOrg(), needVersion()];
      const state = STATE_OF_ACTION[action]!;
      const result = await withPool((pool) => refusingUnknown(setModelState(pool, o, v, state)));
      if (values.json) return printJson(io.stdout, result);
      if (!result.changed) return line(io.stdout, `${v} of ${o} is already ${state}`);
      line(io.stdout, `${v} of ${o} is now ${state}`);
      if (result.replaced) {
        line(io.stdout, `${result.replaced} is now ${state === 'active' ? 'retired' : 'a candidate'}`);
      }
      if (result.previous === 'active') line(io.stdout, `${o} is classified by the default model again`);
      return;
    }
    case undefined:
      throw new UsageError('model needs an action: train, list, show, report, promote, shadow or retire', true);
    default:
      throw new UsageError(`unknown action ${JSON.stringify(action)}`, true);
  }
}

export const command: Command = {
  name: 'model',
  summary: 'intent models per org: train, list, show, report, promote, shadow, retire',
  usage: USAGE,
  async run(argv, io) {
    await run(argv, io);
    return EXIT.ok;
  },
};

/**
 * `ticketflow model` against the stack's PostgreSQL: a model trained for an org lands in the registry as a
 * candidate, promotion and shadowing move states one version at a time, unknown orgs and versions exit 2,
 * and bytes damaged in the database are refused when read back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { run as classifyCli } from '../../processors/classify/cli.js';
import { IntentModel } from '../../processors/classify/model.js';
import { ArtefactChecksumError, loadArtefactBytes } from '../../processors/classify/registry.js';
import { upsertOrganization } from '../db/ingest-keys.js';
import { migrate } from '../db/migrate.js';
import { config, ticketflowHere, uniqueName } from './test-support.js';

const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const org = uniqueName('org-models');
const dir = mkdtempSync(path.join(tmpdir(), 'model-registry-'));

const rows = (label: string, texts: string[]) => texts.map((t) => `${t},${label}\n`).join('');
function dataFile(name: string, extra = ''): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    'text,category\n' +
      rows('card', ['i lost my card', 'my card is gone', 'card missing', 'where is my card', 'card stolen']) +
      rows('rate', ['exchange rate', 'euro rate', 'rate today', 'what rate', 'dollar rate']) +
      extra,
  );
  return file;
}

async function trainFor(file: string, name: string): Promise<string> {
  const result = await ticketflowHere(['model', 'train', '--data', file, '--name', name, '--org', org, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as { version: string; registered: { org: string; state: string } };
  assert.deepEqual(summary.registered, { org, state: 'candidate', new: true });
  return summary.version;
}

async function states(): Promise<Record<string, string>> {
  const result = await ticketflowHere(['model', 'list', '--org', org, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const models = JSON.parse(result.stdout) as Array<{ version: string; state: string }>;
  return Object.fromEntries(models.map((m) => [m.version, m.state]));
}

before(async () => {
  await migrate(pool);
  await upsertOrganization(pool, { id: org, name: org, ingestRatePerSec: null, ingestBurst: null });
});

after(async () => {
  await pool.query('DELETE FROM organizations WHERE id = $1', [org]);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

test('train --org registers a candidate; promote, shadow and retire move one version at a time', async () => {
  const first = await trainFor(dataFile('a.csv'), 'acme-lr');
  const second = await trainFor(dataFile('b.csv', 'cash rate,rate\n'), 'acme-lr');
  assert.notEqual(first, second);
  assert.deepEqual(await states(), { [first]: 'candidate', [second]: 'candidate' });

  // The same data again is the same version: nothing new is stored.
  const again = await ticketflowHere([
    'model',
    'train',
    '--data',
    dataFile('a.csv'),
    '--name',
    'acme-lr',
    '--org',
    org,
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already in the registry/);

  const promoted = await ticketflowHere(['model', 'promote', first, '--org', org]);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.match(promoted.stdout, new RegExp(`${first} of ${org} is now active`));
  assert.equal((await ticketflowHere(['model', 'shadow', second, '--org', org])).code, 0);
  assert.deepEqual(await states(), { [first]: 'active', [second]: 'shadow' });

  // Promoting the shadow retires the active version: never two active ones.
  const swap = await ticketflowHere(['model', 'promote', second, '--org', org]);
  assert.match(swap.stdout, new RegExp(`${first} is now retired`));
  assert.deepEqual(await states(), { [first]: 'retired', [second]: 'active' });

  const shown = await ticketflowHere(['model', 'show', second, '--org', org, '--json']);
  const model = JSON.parse(shown.stdout) as { state: string; training: Record<string, unknown> };
  assert.equal(model.state, 'active');
  assert.equal(model.training.rows, 11);
  assert.equal(typeof model.training.dataSha256, 'string');
  assert.ok((model.training.heldOut as { rows: number }).rows > 0);

  // `ticketflow classify --org` answers with the org's active model.
  const versionOf = async (orgId: string) => {
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((out += chunk.toString()), done()) });
    assert.equal(await classifyCli(['--org', orgId], Readable.from(['card stolen\n']), sink, sink), 0, out);
    return (JSON.parse(out) as { modelVersion: string }).modelVersion;
  };
  assert.equal(await versionOf(org), second);

  const retired = await ticketflowHere(['model', 'retire', second, '--org', org]);
  assert.match(retired.stdout, /classified by the default model again/);
  assert.deepEqual(await states(), { [first]: 'retired', [second]: 'retired' });
  assert.equal(await versionOf(org), IntentModel.load().modelVersion, 'no active version: the shipped model');
  assert.equal(
    await classifyCli(
      ['--org', 'no-such-org'],
      Readable.from([]),
      new Writable(),
      new Writable({ write: (_c, _e, done) => done() }),
    ),
    2,
  );
});

test('unknown orgs and versions are refused with exit 2', async () => {
  for (const args of [
    ['model', 'list', '--org', 'no-such-org'],
    ['model', 'promote', 'acme-lr-000000000000', '--org', org],
    ['model', 'promote', 'acme-lr-000000000000', '--org', 'no-such-org'],
    ['model', 'show', 'acme-lr-000000000000', '--org', org],
    ['model', 'train', '--data', dataFile('c.csv'), '--name', 'acme-lr', '--org', 'no-such-org'],
  ]) {
    const result = await ticketflowHere(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /does not exist|has no model version/);
  }
});

test('bytes damaged in the registry are refused by their SHA-256 when read', async () => {
  const version = await trainFor(dataFile('d.csv', 'rate please,rate\n'), 'acme-lr');
  assert.equal(IntentModel.fromBytes(await loadArtefactBytes(pool, org, version)).modelVersion, version);
  await pool.query(
    `UPDATE intent_models SET artefact = overlay(artefact PLACING '\\x00'::bytea FROM 200)
     WHERE org_id = $1 AND version = $2`,
    [org, version],
  );
  await assert.rejects(loadArtefactBytes(pool, org, version), ArtefactChecksumError);
});

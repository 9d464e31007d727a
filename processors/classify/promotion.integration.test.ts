/**
 * Hot promotion in a running classify stage, as the catalog builds it (org-models.ts over the registry), on
 * real Kafka and PostgreSQL: an org's interactions are classified by its own model within seconds of
 * `ticketflow model promote`, without a restart, while another org keeps the shipped default; a promoted
 * version whose bytes do not load is logged and the previous model kept; retiring returns to the default. A
 * shadow version runs beside the active one without changing the events, and `ticketflow model report` shows
 * what it would have decided.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { migrate } from '../../ops/db/migrate.js';
import { upsertOrganization } from '../../ops/db/ingest-keys.js';
import { ticketflowHere } from '../../ops/cli/test-support.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { InteractionClassified, InteractionEnriched } from '../../schemas/index.js';
import { hostedStage } from '../catalog.js';
import { Resources } from '../resources.js';
import { startStages, type RunningStages } from '../runtime/main.js';
import { explicitWiring } from '../runtime/wiring.js';
import { collect, config, createTestTopics, produceEvents, type TestTopics } from '../testing/kafka-kit.js';
import { defaultModel } from './model.js';
import { registerModel } from './registry.js';
import { trainIntentModel } from './train-model.js';

const POLL_MS = 500;
const quiet = {
  ...config,
  logLevel: 'silent',
  processor: { ...config.processor, probePort: 0, intentModelPollMs: POLL_MS, shadowFlushMs: 300 },
} as const;
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const suffix = randomUUID().slice(0, 8);
const acme = `org-promote-${suffix}`;
const other = `org-default-${suffix}`;
const logLines: Array<{ msg: string; orgId?: string; version?: string }> = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

let input: TestTopics;
let output: TestTopics;
let running: RunningStages;
let resources: Resources;

/** A tiny model of the org's own: its version's name says it is not the default. */
function acmeModel(extra: string[] = [], deliveryLabel = 'delivery'): Buffer {
  const phrases: Record<string, string[]> = {
    mattress_size: ['what sizes do mattresses come in', 'queen size mattress', 'king size please', 'size chart'],
    [deliveryLabel]: ['when will my mattress arrive', 'delivery time', 'track my delivery', 'is delivery free'],
  };
  const examples = Object.entries(phrases).flatMap(([label, texts]) =>
    [...texts, ...texts.map((t) => `${t} now`), ...extra.map((e) => `${e} ${label}`)].map((text) => ({ text, label })),
  );
  return trainIntentModel(examples, {
    name: 'acme-mattress-lr',
    dataBytes: Buffer.from(JSON.stringify(examples)),
    textColumn: 'text',
    labelColumn: 'category',
  }).bytes;
}

function enriched(orgId: string, body: string): InteractionEnriched {
  const base = sampleEvents.InteractionEnriched;
  return {
    meta: { ...base.meta, eventId: randomUUID(), orgId, conversationId: randomUUID(), occurredAt: Date.now() },
    interaction: { ...base.interaction, interactionId: randomUUID(), receivedAt: Date.now() },
    enrichment: { ...base.enrichment, redactedSubject: null, redactedBody: body },
  };
}

before(async () => {
  await migrate(pool);
  for (const id of [acme, other])
    await upsertOrganization(pool, { id, name: id, ingestRatePerSec: null, ingestBurst: null });
  input = await createTestTopics(['enriched'], 'InteractionEnriched', 3);
  output = await createTestTopics(['classified', 'dlq'], 'InteractionClassified', 3);
  resources = new Resources(quiet, logger);
  const { stage } = hostedStage('classify', resources);
  running = await startStages(
    [
      {
        stage,
        wiring: explicitWiring({
          groupId: `${output.prefix}.classify`,
          inputTopics: [input.names[0]!],
          outputTopic: output.names[0]!,
          deadLetterTopic: output.names[1]!,
          event: 'InteractionEnriched',
        }),
      },
    ],
    { config: quiet },
  );
});

after(async () => {
  await running?.stop();
  await resources?.close();
  await Promise.all([input?.dispose(), output?.dispose()]);
  await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [[acme, other]]);
  await pool.end();
});

/** Sends one interaction per org every 300 ms until `done` holds for what came out, or the timeout. */
async function sendUntil(
  done: (byOrg: Map<string, InteractionClassified[]>) => boolean,
  timeoutMs = 30_000,
): Promise<{ byOrg: Map<string, InteractionClassified[]>; ms: number }> {
  const out = await collect<InteractionClassified>(output.names[0]!, 'InteractionClassified', { fromNow: true });
  const started = Date.now();
  const byOrg = () => {
    const map = new Map<string, InteractionClassified[]>();
    for (const r of out.records) map.set(r.event!.meta.orgId, [...(map.get(r.event!.meta.orgId) ?? []), r.event!]);
    return map;
  };
  try {
    while (!done(byOrg())) {
      if (Date.now() - started > timeoutMs)
        assert.fail(`not done within ${timeoutMs} ms: ${out.records.length} records`);
      await produceEvents(input.names[0]!, [
        enriched(acme, 'when will my mattress arrive'),
        enriched(other, 'I lost my card yesterday'),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return { byOrg: byOrg(), ms: Date.now() - started };
  } finally {
    await out.stop();
  }
}

const latest = (events: InteractionClassified[] | undefined) => events?.at(-1)?.classification;

test('a promotion reaches the running stage within seconds, for its org only; a broken version is not loaded', async (t) => {
  const shipped = defaultModel().modelVersion;
  // Before: both orgs on the default.
  await sendUntil(
    (m) => latest(m.get(acme))?.modelVersion === shipped && latest(m.get(other))?.modelVersion === shipped,
  );

  const { model } = await registerModel(pool, acme, acmeModel());
  const promoted = await ticketflowHere(['model', 'promote', model.version, '--org', acme]);
  assert.equal(promoted.code, 0, promoted.stderr);
  const after = await sendUntil((m) => latest(m.get(acme))?.modelVersion === model.version);
  assert.ok(after.ms < 10_000, `picked up in ${after.ms} ms`);
  t.diagnostic(`promotion picked up ${after.ms} ms after ticketflow model promote returned`);
  assert.equal(latest(after.byOrg.get(acme))?.intent, 'delivery');
  assert.equal(latest(after.byOrg.get(other))?.modelVersion, shipped, 'the other org keeps the default');
  assert.equal(latest(after.byOrg.get(other))?.intent, 'lost_or_stolen_card');
  assert.ok(logLines.some((l) => l.msg === 'intent model loaded' && l.version === model.version));

  // A version whose stored bytes no longer match their checksum: logged, and the org keeps its model.
  const broken = await registerModel(pool, acme, acmeModel(['please']));
  await pool.query(
    `UPDATE intent_models SET artefact = overlay(artefact PLACING '\\x00'::bytea FROM 300)
     WHERE org_id = $1 AND version = $2`,
    [acme, broken.model.version],
  );
  assert.equal((await ticketflowHere(['model', 'promote', broken.model.version, '--org', acme])).code, 0);
  const deadline = Date.now() + 10_000;
  while (!logLines.some((l) => l.msg.startsWith('intent model failed to load') && l.version === broken.model.version)) {
    assert.ok(Date.now() < deadline, 'the failed load is logged');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const kept = await sendUntil((m) => (m.get(acme)?.length ?? 0) >= 2);
  for (const e of kept.byOrg.get(acme)!) assert.equal(e.classification.modelVersion, model.version);

  // Retiring the active version returns the org to the default.
  assert.equal((await ticketflowHere(['model', 'retire', broken.model.version, '--org', acme])).code, 0);
  await sendUntil((m) => latest(m.get(acme))?.modelVersion === shipped, 10_000);
});

test('a shadow runs beside the active model on live traffic; the report shows agreement and what changed', async () => {
  const active = await registerModel(pool, acme, acmeModel(['kindly']));
  const shadow = await registerModel(pool, acme, acmeModel(['kindly'], 'shipping'));
  assert.equal((await ticketflowHere(['model', 'promote', active.model.version, '--org', acme])).code, 0);
  const shadowed = await ticketflowHere(['model', 'shadow', shadow.model.version, '--org', acme]);
  assert.equal(shadowed.code, 0, shadowed.stderr);
  const report = async () => {
    const result = await ticketflowHere(['model', 'report', shadow.model.version, '--org', acme, '--json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as {
      comparisons: Array<{
        activeVersion: string;
        interactions: number;
        agreement: number;
        changes: Array<{ from: string; to: string; interactions: number }>;
      }>;
    };
  };
  const { byOrg } = await sendUntil(
    (m) => (m.get(acme) ?? []).filter((e) => e.classification.modelVersion === active.model.version).length >= 3,
  );
  const deadline = Date.now() + 15_000;
  let compared = await report();
  while ((compared.comparisons[0]?.interactions ?? 0) < 3) {
    assert.ok(Date.now() < deadline, `shadow tallies not written: ${JSON.stringify(compared)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    compared = await report();
  }
  for (const e of byOrg.get(acme)!.filter((x) => x.classification.modelVersion === active.model.version)) {
    assert.equal(e.classification.intent, 'delivery', 'the event carries the active decision');
  }
  const [c] = compared.comparisons;
  assert.equal(c!.activeVersion, active.model.version);
  assert.equal(c!.agreement, 0);
  assert.deepEqual(c!.changes[0], { from: 'delivery', to: 'shipping', interactions: c!.interactions });
  const text = await ticketflowHere(['model', 'report', shadow.model.version, '--org', acme]);
  assert.match(text.stdout, /agreement +0\.0 %/);
  assert.match(text.stdout, /delivery +shipping/);
  // The other org has no shadow, and a version nobody shadowed has nothing to report.
  const none = await ticketflowHere(['model', 'report', active.model.version, '--org', acme]);
  assert.match(none.stdout, /has not classified anything beside an active model yet/);
  assert.equal((await ticketflowHere(['model', 'report', 'nope-000000000000', '--org', acme])).code, 2);
});

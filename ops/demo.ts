/**
 * `npm run demo` (after install, `stack up` and `provision`), or `npx tsx ops/demo.ts` on a provisioned stack:
 * seeds the demo org, imports its knowledge base onto the documents topic, starts every ticketflow process (the
 * chunk stage and the kb-index sink make the knowledge base searchable), posts sample interactions
 * to HTTP ingest and prints how each was classified, grounded, drafted and routed. Safe to re-run: the seed is
 * upserted, the key reused, and the samples carry Idempotency-Keys, so nothing is duplicated.
 */
import { Client } from '@elastic/elasticsearch';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, repoRoot } from '../config/index.js';
import { importPath } from '../connectors/kb-import/import.js';
import { untilSearchable } from '../connectors/kb-import/searchable.js';
import { EventCodec } from '../processors/runtime/codec.js';
import type { KnowledgeDocument } from '../schemas/index.js';
import { operatorKafka } from './cli/kafka.js';
import { signDevToken } from '../query-api/jwt.js';
import { DemoError, logHint, messageOf, step } from './demo/failure.js';
import { postSample, untilRetrievable, waitRouted, type Posted } from './demo/pipeline.js';
import { lookFurther, ticketTable } from './demo/report.js';
import { SAMPLES } from './demo/samples.js';
import { configureRouting, DEMO_ORG, ensureIngestKey, seedOrganization } from './demo/seed.js';
import { staleProcesses } from './demo/stale.js';
import { appServices } from './stack/apps.js';
import { stackServices } from './stack/services/index.js';
import { writeScrapeTargets } from './stack/scrape-targets.js';
import { Supervisor } from './stack/supervisor.js';

const WAIT_MS = 60_000;
/** The chunk stage and the kb-index sink start with the other processes; the first start reads the chunks topic. */
const KB_WAIT_MS = 90_000;
const KB_PATH = path.join(repoRoot, 'connectors/kb-import/demo');

const config = loadConfig();
const keyFile = path.join(config.stack.stateDir, 'demo', 'ingest-key');
const hint = (service: string) => logHint(config.stack, service);
const ingestUrl = `http://${config.ingest.host}:${config.ingest.port}`;
const apiUrl = `http://${config.queryApi.host}:${config.queryApi.port}`;

function queryApiToken(expiresInSeconds: number): string {
  const jwt = config.queryApi.jwt;
  if (jwt.algorithm !== 'HS256') {
    throw new DemoError('the demo signs HS256 development tokens, but QUERY_API_JWT_ALGORITHM is RS256', 'query-api');
  }
  const claims = {
    org: DEMO_ORG.id,
    sub: 'demo',
    ...(jwt.issuer ? { iss: jwt.issuer } : {}),
    ...(jwt.audience ? { aud: jwt.audience } : {}),
  };
  return signDevToken(jwt.secret, claims, { expiresInSeconds });
}

async function main(): Promise<void> {
  const db = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
  let key: string;
  let knowledge: readonly KnowledgeDocument[];
  try {
    await step('1/8 Seeding the demo organization in PostgreSQL', 'postgres', async () => {
      console.log(`  ${await seedOrganization(db)}`);
    });
    await step('2/8 Routing settings of the demo organization', 'postgres', async () => {
      console.log(`  ${await configureRouting(db)}`);
    });
    knowledge = await step('3/8 Importing the demo knowledge base onto the documents topic', 'kafka', async () => {
      const kafka = operatorKafka(config, 'demo-kb-import');
      const codec = EventCodec.connect(config.schemaRegistry.url);
      const { summary: s, plan } = await importPath({ kafka, codec, db }, KB_PATH, { orgId: DEMO_ORG.id });
      console.log(
        `  ${s.documents} articles: ${s.added.length} new, ${s.changed.length} changed, ${s.unchanged} unchanged; ` +
          `${s.produced} records to ${s.topic}`,
      );
      return plan.live;
    });
    key = await step('4/8 Ingest key', 'postgres', async () => {
      const { key, created } = await ensureIngestKey(db, keyFile);
      console.log(
        `  ${created ? 'created and saved' : 'reusing'} ${path.relative(process.cwd(), keyFile)} (mode 0600)`,
      );
      return key;
    });
  } finally {
    await db.end();
  }

  await step('5/8 Starting every ticketflow process', 'stack', async () => {
    const indent = (line: string) => console.log(line.replace(/^/gm, '  '));
    const failed = await new Supervisor(config.stack, [...stackServices, ...appServices(config)], indent, () =>
      writeScrapeTargets(config),
    ).up();
    if (failed.length > 0) {
      throw new DemoError(
        `not healthy: ${failed.join(', ')}\n${failed.map((name) => `    ${hint(name)}`).join('\n')}`,
        failed.length === 1 ? failed[0] : undefined,
      );
    }
    for (const note of staleProcesses(config.stack)) console.log(`  note: ${note}`);
  });

  await step(
    `6/8 Waiting for the chunk stage and the kb-index sink to make it searchable (at most ${KB_WAIT_MS / 1000}s)`,
    'kb-index',
    async () => {
      const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000 });
      const started = Date.now();
      try {
        await untilSearchable(es, DEMO_ORG.id, knowledge, { timeoutMs: KB_WAIT_MS });
      } catch (error) {
        throw new DemoError(`${messageOf(error)}\n    ${hint('chunk')}\n    ${hint('kb-index')}`, 'kb-index');
      } finally {
        await es.close();
      }
      console.log(`  ${knowledge.length} articles searchable after ${Math.round((Date.now() - started) / 1000)}s`);
      const retrievable = knowledge.filter((doc) => !doc.deleted && doc.body.trim() !== '');
      const took = await untilRetrievable(apiUrl, queryApiToken(600), retrievable, KB_WAIT_MS);
      console.log(`  and found by the in-process hybrid retrieval (GET /v1/kb/search) ${took} ms later`);
    },
  );

  const posted: Posted[] = await step(
    `7/8 Posting ${SAMPLES.length} interactions to ${ingestUrl}`,
    'ingest',
    async () => {
      const results: Posted[] = [];
      for (const sample of SAMPLES) results.push(await postSample(ingestUrl, key, sample));
      const replayed = results.filter((r) => r.replayed).length;
      console.log(
        replayed === 0
          ? `  ${results.length} accepted`
          : `  ${results.length - replayed} accepted, ${replayed} already posted by an earlier run (Idempotency-Key replayed)`,
      );
      return results;
    },
  );

  const token = queryApiToken(24 * 3600);
  const tickets = await step(`8/8 Waiting for the tickets to be routed (at most ${WAIT_MS / 1000}s)`, 'query-api', () =>
    waitRouted(apiUrl, token, posted, WAIT_MS, hint),
  );

  console.log('');
  for (const line of ticketTable(posted, tickets, Date.now())) console.log(line);
  console.log('');
  const keyPath = path.relative(process.cwd(), keyFile) || keyFile;
  for (const line of lookFurther({ apiUrl, ingestUrl, token, keyFile: keyPath, ticketId: posted[0]!.ticketId })) {
    console.log(line);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof DemoError ? error.message : messageOf(error)}`);
    if (error instanceof DemoError && error.service && error.service !== 'stack') {
      console.error(`  service: ${error.service}\n  log:     ${hint(error.service)}`);
    }
    if (!(error instanceof DemoError) && error instanceof Error) console.error(error.stack);
    process.exit(1);
  },
);

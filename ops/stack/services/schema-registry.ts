/**
 * A Confluent-compatible schema registry: Apicurio Registry, whose runnable archive is on Maven Central
 * (Confluent's registry is not, and Karapace is not installable here). Clients use its Confluent API under
 * `/apis/ccompat/v7`; schemas live in PostgreSQL so that stored messages stay decodable across restarts.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../../../config/index.js';
import { run } from '../exec.js';
import { findJavaHome } from '../java.js';
import { copyArtifact, type MavenArtifact } from '../maven.js';
import type { ServiceContext, ServiceDefinition } from '../service.js';
import { ensureDatabase, POSTGRES_USER } from './postgres.js';

/**
 * 3.3.3 is the newest archive Maven Central serves; the 3.1.x line (the last for Java 17) has no archive
 * there for 3.1.7, so we take the Java 21 build and run it on the newest JDK present.
 */
export const APICURIO_VERSION = '3.3.3';
const JAVA_MIN_MAJOR = 21;
export const SCHEMA_REGISTRY_DATABASE = 'schema_registry';
const CCOMPAT_PATH = '/apis/ccompat/v7';

const archive: MavenArtifact = {
  groupId: 'io.apicurio',
  artifactId: 'apicurio-registry-app',
  version: APICURIO_VERSION,
  type: 'tar.gz',
  classifier: 'all',
};

const homeDir = (distDir: string) => path.join(distDir, `apicurio-registry-${APICURIO_VERSION}`);
const runnerJar = (distDir: string) => path.join(homeDir(distDir), 'quarkus-run.jar');
const tmpDir = (ctx: ServiceContext) => path.join(ctx.dir, 'tmp');

export function schemaRegistryUrl(config: StackConfig): string {
  return `http://${config.host}:${config.ports.schemaRegistry}${CCOMPAT_PATH}`;
}

function registrySettings(ctx: ServiceContext): Record<string, string | number | boolean> {
  const { host, ports } = ctx.config;
  return {
    'quarkus.http.host': host,
    'quarkus.http.port': ports.schemaRegistry,
    // The build enables a separate management interface (health, metrics) that cannot be switched off at
    // run time; its default port 9000 is not ours to take, and nothing here uses it, so let the OS pick.
    'quarkus.management.host': host,
    'quarkus.management.port': 0,

    'apicurio.storage.kind': 'sql',
    'apicurio.storage.sql.kind': 'postgresql',
    'apicurio.datasource.url': `jdbc:postgresql://${host}:${ports.postgres}/${SCHEMA_REGISTRY_DATABASE}?ApplicationName=schema-registry`,
    'apicurio.datasource.username': POSTGRES_USER,
    // Loopback trust authentication; the property must still be set.
    'apicurio.datasource.password': '',
    // The defaults keep 20 idle connections open, a tenth of the local PostgreSQL's limit, for a service that
    // clients ask a handful of times per process (they cache schemas by id).
    'apicurio.datasource.jdbc.initial-size': 2,
    'apicurio.datasource.jdbc.min-size': 2,
    'apicurio.datasource.jdbc.max-size': 20,
    // A restart of PostgreSQL ends every pooled connection on the server's side, and the pool would hand each one
    // out again (its background check runs every 2 minutes): one request per dead connection failed with a 500
    // after every outage (ops/stack/services/schema-registry.restarts-stack.integration.test.ts). Checking a
    // connection as it is borrowed costs a round trip on loopback, for a service asked a handful of times per
    // process; the background check then drops dead idle ones within seconds.
    'quarkus.datasource.postgresql.jdbc.validate-on-borrow': true,
    'quarkus.datasource.postgresql.jdbc.background-validation-interval': '10S',

    // Besides being the policy we want, a global rule works around a ccompat quirk: for a subject without
    // its own rule, GET /config/{subject} answers 200 with the global level ("NONE" when there is none)
    // instead of 404, and @kafkajs/confluent-schema-registry then refuses to register (BACKWARD != NONE).
    'apicurio.rules.global.compatibility': 'BACKWARD',

    // Clients connect without credentials, as to a local Confluent registry. Pinned rather than left to
    // defaults so that an upgrade cannot quietly start demanding tokens or exporting traces.
    'quarkus.oidc.tenant-enabled': false,
    'apicurio.authn.basic-client-credentials.enabled': false,
    'quarkus.otel.sdk.disabled': true,
    'apicurio.usage.telemetry.enabled': false,

    // Keep scratch files with the service's state rather than in a /tmp shared with other users.
    'apicurio.storage.snapshot.location': tmpDir(ctx),
    'apicurio.import.work-dir': tmpDir(ctx),
    // The bundled pattern has a typo (`MMx`) that prints the zone offset in the middle of the date.
    'quarkus.log.console.format': '%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %m%n',
  };
}

export const schemaRegistry: ServiceDefinition = {
  name: 'schema-registry',
  dependsOn: ['postgres'],
  // About 5 s on an idle machine; three times that when other JVMs start alongside it.
  startTimeoutMs: 90_000,
  // Quarkus stops on SIGTERM in well under a second; its state is in PostgreSQL.
  stop: { signal: 'SIGTERM', target: 'leader', graceMs: 30_000 },
  ports: (config) => [config.ports.schemaRegistry],
  endpoint: schemaRegistryUrl,

  async install(ctx) {
    findJavaHome(JAVA_MIN_MAJOR);
    if (existsSync(runnerJar(ctx.distDir))) return;
    ctx.log(`fetching Apicurio Registry ${APICURIO_VERSION} from Maven Central`);
    const downloads = path.join(ctx.distDir, 'downloads');
    const file = await copyArtifact(downloads, archive);
    // Unpacked beside its final place and renamed, so an interrupted install never looks complete.
    const partial = `${homeDir(ctx.distDir)}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    // The archive's owner is its build user; root would otherwise restore that uid.
    await run('tar', ['-xzf', file, '-C', partial, '--no-same-owner']);
    renameSync(partial, homeDir(ctx.distDir));
    // Maven's local repository keeps a copy; a second one here would only cost 150 MB.
    rmSync(file, { force: true });
  },

  async prepare(ctx) {
    mkdirSync(tmpDir(ctx), { recursive: true });
    await ensureDatabase(ctx, SCHEMA_REGISTRY_DATABASE);
  },

  async process(ctx) {
    const javaHome = findJavaHome(JAVA_MIN_MAJOR);
    const heapMb = ctx.config.heapMb.schemaRegistry;
    const properties = Object.entries(registrySettings(ctx)).map(([key, value]) => `-D${key}=${value}`);
    return {
      command: path.join(javaHome, 'bin', 'java'),
      args: [
        `-Xmx${heapMb}m`,
        `-Xms${Math.min(64, heapMb)}m`,
        // Two cores and a small, lightly used heap: G1's extra threads and bookkeeping cost about 100 MB of
        // resident memory here and buy nothing.
        '-XX:+UseSerialGC',
        // The client-side cache keeps request rates tiny, so C2's peak speed is not worth its start-up time
        // and memory (about 1 s and 35 MB measured).
        '-XX:TieredStopAtLevel=1',
        // A JVM that ran out of heap should die and show as down, not linger half-working.
        '-XX:+ExitOnOutOfMemoryError',
        `-Djava.io.tmpdir=${tmpDir(ctx)}`,
        ...properties,
        '-jar',
        runnerJar(ctx.distDir),
      ],
      cwd: ctx.dir,
    };
  },

  async healthy(ctx) {
    // The global config is read from the database, so an answer proves both HTTP and storage are up.
    try {
      const response = await fetch(`${schemaRegistryUrl(ctx.config)}/config`, {
        signal: AbortSignal.timeout(2000),
      });
      if (!response.ok) return false;
      const body = (await response.json()) as { compatibilityLevel?: unknown };
      return typeof body.compatibilityLevel === 'string';
    } catch {
      return false;
    }
  },
};

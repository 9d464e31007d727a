/**
 * MongoDB wire protocol for the local stack: mongo-java-server with its H2 MVStore backend, started by our own
 * launcher (ops/mongo-wire/MongoWire.java). No registry reachable here serves a mongod binary or FerretDB, and
 * mongo-java-server's PostgreSQL backend is not served in its current version, so the data lives in one MVStore file
 * under the service directory and this service needs no other one.
 *
 * What the stand-in lacks, so code written against it stays within what real MongoDB also does: non-unique indexes
 * are accepted but not built (queries on such fields scan the collection; `_id` and unique indexes are real);
 * partialFilterExpression is ignored (a partial unique index is a plain one), TTL indexes never expire documents;
 * no $text search, transactions or change streams.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { StackConfig } from '../../../config/index.js';
import { run } from '../exec.js';
import { findJavaHome } from '../java.js';
import { copyWithDependencies, type MavenArtifact } from '../maven.js';
import type { ProcessSpec, ServiceContext, ServiceDefinition } from '../service.js';

const MONGO_JAVA_SERVER_VERSION = '1.47.0';
const ARTIFACTS: MavenArtifact[] = [
  { groupId: 'de.bwaldvogel', artifactId: 'mongo-java-server-h2-backend', version: MONGO_JAVA_SERVER_VERSION },
  // Without a provider slf4j drops every log line; this version matches the slf4j-api the server depends on.
  { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '2.0.17' },
];
const JAVA_MIN_MAJOR = 17;
const MAIN_CLASS = 'ticketflow.mongowire.MongoWire';
const CLASSES_PREFIX = 'mongo-wire-';

function libsDir(ctx: ServiceContext): string {
  return path.join(ctx.distDir, `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}`);
}

function launcherSource(ctx: ServiceContext): string {
  return path.join(ctx.root, 'ops', 'mongo-wire', 'MongoWire.java');
}

/**
 * Compiled launcher, named by a hash of its source and the server version: a changed source or an upgrade compiles
 * into a new folder, so an unchanged one is never rebuilt and a half-finished build is never used.
 */
function classesDir(ctx: ServiceContext): string {
  const hash = createHash('sha256')
    .update(MONGO_JAVA_SERVER_VERSION)
    .update(readFileSync(launcherSource(ctx)))
    .digest('hex')
    .slice(0, 12);
  return path.join(ctx.distDir, `${CLASSES_PREFIX}${hash}`);
}

function dataFile(ctx: ServiceContext): string {
  return path.join(ctx.dir, 'data.mv');
}

function url(config: StackConfig): string {
  return `mongodb://${config.host}:${config.ports.mongo}/`;
}

export const mongo: ServiceDefinition = {
  name: 'mongo',
  dependsOn: [],
  ports: (config) => [config.ports.mongo],
  endpoint: url,

  async install(ctx) {
    const javaHome = findJavaHome(JAVA_MIN_MAJOR);
    const javac = path.join(javaHome, 'bin', 'javac');
    if (!existsSync(javac)) {
      throw new Error(`${javaHome} is a JRE; mongo needs a JDK to compile its launcher (e.g. openjdk-17-jdk-headless)`);
    }
    const libs = libsDir(ctx);
    if (!existsSync(libs)) ctx.log(`fetching mongo-java-server ${MONGO_JAVA_SERVER_VERSION} from Maven Central`);
    await copyWithDependencies(libs, ARTIFACTS);

    const classes = classesDir(ctx);
    if (existsSync(classes)) return;
    ctx.log('compiling the mongo-wire launcher');
    const work = `${classes}.partial`;
    rmSync(work, { recursive: true, force: true });
    await run(javac, [
      '--release',
      String(JAVA_MIN_MAJOR),
      '-d',
      work,
      '-cp',
      path.join(libs, '*'),
      launcherSource(ctx),
    ]);
    renameSync(work, classes);
    for (const entry of readdirSync(ctx.distDir)) {
      const stale = path.join(ctx.distDir, entry);
      if (entry.startsWith(CLASSES_PREFIX) && stale !== classes) rmSync(stale, { recursive: true, force: true });
    }
  },

  async process(ctx): Promise<ProcessSpec> {
    const javaHome = findJavaHome(JAVA_MIN_MAJOR);
    const { host, ports } = ctx.config;
    return {
      command: path.join(javaHome, 'bin', 'java'),
      args: [
        // A small initial heap and the serial collector keep the idle footprint near 100 MiB; the cap is what a
        // load of tens of thousands of tickets needs (TICKETFLOW_MONGO_HEAP_MB).
        '-Xms32m',
        `-Xmx${ctx.config.heapMb.mongo}m`,
        '-XX:+UseSerialGC',
        // A server out of memory may answer some requests and not others; exiting lets the supervisor notice.
        '-XX:+ExitOnOutOfMemoryError',
        '-cp',
        `${classesDir(ctx)}${path.delimiter}${path.join(libsDir(ctx), '*')}`,
        MAIN_CLASS,
        '--listen',
        `${host}:${ports.mongo}`,
        '--data',
        dataFile(ctx),
        '--log-level',
        'info',
      ],
      env: { JAVA_HOME: javaHome },
      cwd: ctx.dir,
    };
  },

  async healthy(ctx) {
    const client = new MongoClient(url(ctx.config), {
      directConnection: true,
      serverSelectionTimeoutMS: 1000,
      connectTimeoutMS: 1000,
      socketTimeoutMS: 2000,
      appName: 'ticketflow-stack-health',
    });
    try {
      const reply = await client.db('admin').command({ ping: 1 });
      return reply.ok === 1;
    } catch {
      return false;
    } finally {
      await client.close().catch(() => undefined);
    }
  },

  // At open, mongo-java-server reads every collection of the store file and builds its indexes in memory: 90 s at
  // about 25,000 tickets on a loaded machine (the fault suite's restart failed at 30 s), growing with the data.
  startTimeoutMs: 300_000,
  // The launcher's shutdown hook (SIGTERM) closes the server, then flushes and closes the store file.
  stop: { signal: 'SIGTERM', target: 'leader', graceMs: 30_000 },
};

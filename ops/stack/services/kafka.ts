/**
 * Apache Kafka as one KRaft node (broker and controller in one JVM), run from Maven Central's jars because
 * the release tarball's download site is out of reach.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from '../../../config/index.js';
import { run } from '../exec.js';
import { findJavaHome } from '../java.js';
import { copyWithDependencies, type MavenArtifact } from '../maven.js';
import type { ServiceContext, ServiceDefinition } from '../service.js';

export const KAFKA_VERSION = '4.4.0';
/** Maven Central has no kafka-tools 4.4.0; the perf tools are plain clients, so an older line is fine. */
export const KAFKA_TOOLS_VERSION = '4.3.1';
const LOG4J_VERSION = '2.25.5';
const NODE_ID = 1;
const JAVA_MIN_MAJOR = 17;

/** The POMs name slf4j-api 1.7 but no binding; without this one Kafka's log lines vanish. */
const slf4jBinding: MavenArtifact = {
  groupId: 'org.apache.logging.log4j',
  artifactId: 'log4j-slf4j-impl',
  version: LOG4J_VERSION,
};

function brokerLibs(distDir: string): string {
  return path.join(distDir, `kafka-${KAFKA_VERSION}`, 'libs');
}

function toolsLibs(distDir: string): string {
  return path.join(distDir, `kafka-tools-${KAFKA_TOOLS_VERSION}`, 'libs');
}

/** The broker's jars, for `java -cp '<dir>/*'`; `stateDir` is StackConfig.stateDir (distributions live in its dist/). */
export function kafkaLibsDir(stateDir: string): string {
  return brokerLibs(path.join(stateDir, 'dist'));
}

/**
 * Jars of Kafka's command-line tools (ProducerPerformance and friends). A folder of their own because they are
 * another release than the broker, and two kafka-clients versions on one classpath clash.
 */
export function kafkaToolsLibsDir(stateDir: string): string {
  return toolsLibs(path.join(stateDir, 'dist'));
}

async function installKafkaTools(distDir: string): Promise<void> {
  await copyWithDependencies(toolsLibs(distDir), [
    { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version: KAFKA_TOOLS_VERSION },
    slf4jBinding,
  ]);
}

function serverProperties(ctx: ServiceContext): string {
  const { host, ports } = ctx.config;
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': NODE_ID,
    // Static voters rather than a bootstrapped dynamic quorum: the controller address then lives only in
    // this file, so a changed controller port needs no re-format.
    'controller.quorum.voters': `${NODE_ID}@${host}:${ports.kafkaController}`,
    listeners: `PLAINTEXT://${host}:${ports.kafka},CONTROLLER://${host}:${ports.kafkaController}`,
    'advertised.listeners': `PLAINTEXT://${host}:${ports.kafka}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': path.join(ctx.dir, 'data'),
    // Topics are provisioned explicitly with their partition counts; a typo must fail, not create a topic.
    'auto.create.topics.enable': false,
    'num.partitions': 3,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // Internal topics default to replication 3 and would never become available on one node.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // A lone consumer would otherwise wait 3 s for peers that never come.
    'group.initial.rebalance.delay.ms': 0,
    // Two cores: Kafka's defaults (3 network, 8 io threads) only add context switches here.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** Console only: the supervisor captures stdout into service.log, so file appenders would log twice. */
function log4jConfig(rootLevel: 'INFO' | 'WARN'): string {
  return `status = warn
# Log4j's own shutdown hook would stop logging while Kafka's hook is still shutting down, hiding those lines.
shutdownHook = disable
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${rootLevel}
rootLogger.appenderRef.stdout.ref = STDOUT
# Every client and server config is dumped whole at INFO (about 2,000 lines a start), and per-request
# lines and partition state changes would drown the rest.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
`;
}

function files(dir: string) {
  return {
    server: path.join(dir, 'server.properties'),
    log4j: path.join(dir, 'log4j2.properties'),
    data: path.join(dir, 'data'),
  };
}

/** Flags of Kafka's own start script, minus the ones for JMX and GC logs that nothing here reads. */
function jvmFlags(heapMb: number, log4jFile: string): string[] {
  return [
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
  ];
}

/** A random cluster id in Kafka's Uuid text form; one starting with '-' would read as a CLI flag. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function admin(config: StackConfig) {
  return new Kafka({
    clientId: 'ticketflow-stack',
    brokers: [`${config.host}:${config.ports.kafka}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
}

export const kafka: ServiceDefinition = {
  name: 'kafka',
  dependsOn: [],
  startTimeoutMs: 90_000,
  // SIGTERM runs the broker's controlled shutdown, which closes every log cleanly so the next start skips log
  // recovery; about a second idle, longer with many partitions.
  stop: { signal: 'SIGTERM', target: 'leader', graceMs: 60_000 },

  ports: (config) => [config.ports.kafka, config.ports.kafkaController],
  endpoint: (config) => `${config.host}:${config.ports.kafka}`,

  async install(ctx) {
    const libs = brokerLibs(ctx.distDir);
    if (!existsSync(libs)) ctx.log(`downloading Kafka ${KAFKA_VERSION} from Maven Central`);
    await copyWithDependencies(libs, [
      { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
      slf4jBinding,
    ]);
    if (!existsSync(toolsLibs(ctx.distDir))) ctx.log(`downloading Kafka tools ${KAFKA_TOOLS_VERSION}`);
    await installKafkaTools(ctx.distDir);
  },

  async prepare(ctx) {
    const f = files(ctx.dir);
    mkdirSync(ctx.dir, { recursive: true });
    // Rewritten on every start so that changed ports or settings take effect.
    writeFileSync(f.server, serverProperties(ctx));
    writeFileSync(f.log4j, log4jConfig('INFO'));
    if (existsSync(path.join(f.data, 'meta.properties'))) return;
    ctx.log('formatting Kafka storage');
    const quiet = path.join(ctx.dir, 'log4j2-tool.properties');
    writeFileSync(quiet, log4jConfig('WARN'));
    const java = path.join(findJavaHome(JAVA_MIN_MAJOR), 'bin', 'java');
    await run(java, [
      `-Dlog4j2.configurationFile=${quiet}`,
      '-cp',
      path.join(brokerLibs(ctx.distDir), '*'),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      newClusterId(),
      '--config',
      f.server,
    ]);
  },

  async process(ctx) {
    const f = files(ctx.dir);
    const javaHome = findJavaHome(JAVA_MIN_MAJOR);
    return {
      command: path.join(javaHome, 'bin', 'java'),
      args: [
        ...jvmFlags(ctx.config.heapMb.kafka, f.log4j),
        '-cp',
        path.join(brokerLibs(ctx.distDir), '*'),
        'kafka.Kafka',
        f.server,
      ],
      env: { JAVA_HOME: javaHome },
      cwd: ctx.dir,
    };
  },

  async healthy(ctx) {
    const client = admin(ctx.config);
    try {
      await client.connect();
      const cluster = await client.describeCluster();
      // A node that answers but knows no controller or not itself is still catching up on metadata.
      return cluster.controller !== null && cluster.brokers.some((b) => b.nodeId === NODE_ID);
    } catch {
      return false;
    } finally {
      await client.disconnect().catch(() => undefined);
    }
  },
};

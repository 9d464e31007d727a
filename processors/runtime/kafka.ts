import { Kafka, logLevel, type LogEntry, type RetryOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';

type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

const levels: Record<number, PinoLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The pino level of a kafkajs log line. kafkajs logs every heartbeat answered "rebalancing" as an error, but
 * that answer is how a member learns to rejoin: a scale-out, restart or deploy would fill error dashboards with
 * hundreds of lines that need nobody's attention.
 */
export function kafkaLogLevel(level: number, log: LogEntry['log']): PinoLevel {
  if (level === logLevel.ERROR && /group is rebalancing/i.test(String(log.error ?? ''))) return 'info';
  return levels[level] ?? 'info';
}

/**
 * A kafkajs client whose own log lines go through the process's pino logger. `retry` replaces the client's retry
 * policy (kafkajs runs it inside every request's own retries).
 */
export function createKafka(
  config: Config,
  logger: Logger,
  clientId = config.kafka.clientId,
  retry: RetryOptions = { initialRetryTime: 100, retries: 8 },
): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        kafkaLogger[kafkaLogLevel(level, log)](extra, message);
      },
    retry,
  });
}

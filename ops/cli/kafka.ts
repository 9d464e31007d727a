/** Kafka clients for operator commands: quiet (failures arrive as rejections with their message) and quick to give up. */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Config } from '../../config/index.js';

export function operatorKafka(config: Config, purpose: string): Kafka {
  return new Kafka({
    clientId: `${config.kafka.clientId}-${purpose}`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 3 },
  });
}

/** Runs `use` with a connected admin client and disconnects it whatever happens. */
export async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

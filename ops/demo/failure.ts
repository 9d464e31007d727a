/** How the demo fails: one message naming the step, the service at fault and where its log is. */
import path from 'node:path';
import type { StackConfig } from '../../config/index.js';
import { serviceFiles } from '../stack/supervisor.js';

export class DemoError extends Error {
  override name = 'DemoError';
  constructor(
    message: string,
    /** The stack service to look at, if one is at fault. */
    readonly service?: string,
  ) {
    super(message);
  }
}

export function logHint(stack: StackConfig, service: string): string {
  return `npm run stack -- logs ${service}   (${path.relative(process.cwd(), serviceFiles(stack, service).logFile) || '.'})`;
}

export const messageOf = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
};

/**
 * Runs one numbered step, turning any error into a DemoError that names the step; an error of its own names the
 * service at fault (or none), any other is blamed on the step's `service`.
 */
export async function step<T>(label: string, service: string, run: () => Promise<T>): Promise<T> {
  console.log(`\n${label}`);
  try {
    return await run();
  } catch (error) {
    if (error instanceof DemoError) {
      throw new DemoError(`${label}: ${error.message}`, error.service);
    }
    throw new DemoError(`${label}: ${messageOf(error)}`, service);
  }
}

import type { Logger } from 'pino';

/**
 * Stops a process cleanly on SIGTERM or SIGINT: runs `stop` once, exits 0 when it finishes and 1 when it fails
 * or outlives `deadlineMs`. Every ticketflow process, stage or HTTP service, shuts down this one way.
 */
export function stopOnSignals(
  stop: () => Promise<void>,
  { deadlineMs, logger }: { deadlineMs: number; logger: Logger },
) {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error(`shutdown exceeded ${deadlineMs} ms after ${signal}`);
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

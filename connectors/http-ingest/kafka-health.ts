/**
 * Whether ingest can write to Kafka right now. The producer retries an unreachable broker for ever (as its
 * idempotence needs, kafka-sender.ts), so a send to a broker that is gone neither fails nor ends: by itself,
 * ingest would learn of an outage only as one 5 s send timeout after another, while /readyz kept saying ready.
 *
 * This watches each send instead. Kafka is *down* when
 * - a send failed, or
 * - a send is unacknowledged after `suspectAfterMs` and no broker accepts a TCP connection, or
 * - a send is unacknowledged after `stalledAfterMs` (the send timeout): whatever the reason, requests behind it
 *   would only wait out their own timeouts.
 * It is up again as soon as a send is acknowledged, or, when none is in flight, as soon as a broker accepts a
 * connection (the next send then decides). While down, ingest answers 503 at once, writing nothing.
 */
import net from 'node:net';

export interface KafkaHealthOptions {
  readonly suspectAfterMs: number;
  readonly stalledAfterMs: number;
  /** Between probes of the brokers while Kafka is down and no send is in flight to tell. */
  readonly probeIntervalMs?: number;
}

/** Resolves true when at least one broker accepts a connection. */
export type BrokerProbe = () => Promise<boolean>;

export class KafkaHealth {
  private downSince: number | null = null;
  private reason = '';
  private inFlight = 0;
  private probing: NodeJS.Timeout | undefined;
  private readonly downListeners: Array<(reason: string) => void> = [];

  constructor(
    private readonly probe: BrokerProbe,
    private readonly options: KafkaHealthOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Why Kafka cannot be written to now, or null when it can. */
  unavailableReason(): string | null {
    return this.downSince === null ? null : this.reason;
  }

  /** For /readyz: rejects saying why while Kafka is down. */
  async check(): Promise<void> {
    const reason = this.unavailableReason();
    if (reason !== null) throw new Error(reason);
  }

  /** Called with the reason whenever Kafka goes from up to down. */
  onDown(listener: (reason: string) => void): void {
    this.downListeners.push(listener);
  }

  /** Wraps a send: its outcome, and how long it goes unanswered, say whether Kafka is there. */
  watch(send: Promise<void>, isPermanent: (error: unknown) => boolean = () => false): Promise<void> {
    this.inFlight += 1;
    const started = this.now();
    let settled = false;
    const suspect = setTimeout(() => {
      void this.probe().then(
        (reachable) => {
          if (!reachable && !settled) this.markDown('no Kafka broker accepts connections');
        },
        () => undefined,
      );
    }, this.options.suspectAfterMs);
    const stalled = setTimeout(() => {
      if (!settled) this.markDown(`Kafka has not acknowledged a send for ${this.now() - started} ms`);
    }, this.options.stalledAfterMs);
    const done = () => {
      settled = true;
      this.inFlight -= 1;
      clearTimeout(suspect);
      clearTimeout(stalled);
    };
    return send.then(
      () => {
        done();
        this.markUp();
      },
      (error: unknown) => {
        done();
        // A record the broker refuses (too large) says nothing about the broker being there.
        if (isPermanent(error)) this.markUp();
        else this.markDown(`the last send failed: ${(error as Error)?.message ?? String(error)}`);
        throw error;
      },
    );
  }

  /** Stops probing; for shutdown. */
  stop(): void {
    clearTimeout(this.probing);
    this.probing = undefined;
  }

  private markDown(reason: string): void {
    this.reason = reason;
    if (this.downSince !== null) return;
    this.downSince = this.now();
    for (const listener of this.downListeners) listener(reason);
    this.scheduleProbe();
  }

  private markUp(): void {
    this.downSince = null;
    this.reason = '';
    clearTimeout(this.probing);
    this.probing = undefined;
  }

  /** While down with nothing in flight, a broker taking connections again lets the next send try. */
  private scheduleProbe(): void {
    clearTimeout(this.probing);
    this.probing = setTimeout(() => {
      this.probing = undefined;
      if (this.downSince === null) return;
      if (this.inFlight > 0) return this.scheduleProbe();
      void this.probe().then(
        (reachable) => (reachable && this.inFlight === 0 ? this.markUp() : this.scheduleProbe()),
        () => this.scheduleProbe(),
      );
    }, this.options.probeIntervalMs ?? 500);
    this.probing.unref();
  }
}

/** A probe that tries a TCP connection to each `host:port`, resolving true at the first that accepts. */
export function tcpProbe(brokers: readonly string[], timeoutMs = 1000): BrokerProbe {
  const tryOne = (hostPort: string) =>
    new Promise<boolean>((resolve) => {
      const at = hostPort.lastIndexOf(':');
      const socket = net.connect({ host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) });
      const finish = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => finish(false));
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
    });
  return async () => (await Promise.all(brokers.map(tryOne))).some(Boolean);
}

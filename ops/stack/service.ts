import type { StackConfig } from '../../config/index.js';

/** What the stack supervisor hands each service: where its files live and how to talk about it. */
export interface ServiceContext {
  /** Repository root. */
  readonly root: string;
  /** `.stack/<service>/`: this service's data and state; owned by the service user. */
  readonly dir: string;
  /** `.stack/dist/`: downloaded or built distributions, shared by all services. */
  readonly distDir: string;
  /** `.stack/<service>/service.log`: stdout and stderr of the process. */
  readonly logFile: string;
  readonly config: StackConfig;
  /** Progress line for the operator. */
  log(message: string): void;
}

/** A foreground process; the supervisor detaches it, captures its output and records its pid. */
export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * How the supervisor shuts a process down: one signal, a bounded wait for the whole process group to exit, then
 * SIGKILL. Each server has its own clean and prompt way (PostgreSQL's fast shutdown is SIGINT, for example).
 */
export interface StopSpec {
  readonly signal: NodeJS.Signals;
  /**
   * `leader` signals only the process the supervisor started, which then shuts its children down in order (a
   * PostgreSQL postmaster, Elasticsearch's launcher); `group` signals every process of its group.
   */
  readonly target: 'leader' | 'group';
  /** How long a clean shutdown may take before the group is killed. */
  readonly graceMs: number;
}

/** SIGTERM to the process group, 30 s before SIGKILL: right for a process that handles SIGTERM by shutting down. */
export const DEFAULT_STOP: StopSpec = { signal: 'SIGTERM', target: 'group', graceMs: 30_000 };

/**
 * One real server of the local stack. The supervisor calls, in order: install (idempotent; fast when
 * already done), prepare (one-time initialisation of `dir`, idempotent), start the process from
 * `process`, poll `healthy` until true, then `afterStart`.
 */
export interface ServiceDefinition {
  readonly name: string;
  /** Services that must be healthy before this one starts. */
  readonly dependsOn: readonly string[];
  /** Loopback ports the process binds; each must be free before start. */
  ports(config: StackConfig): number[];
  /** What a client connects to, printed by `up` and `status`. */
  endpoint(config: StackConfig): string;
  install(ctx: ServiceContext): Promise<void>;
  prepare?(ctx: ServiceContext): Promise<void>;
  process(ctx: ServiceContext): Promise<ProcessSpec>;
  /** One real request with the service's own protocol; resolves false (never throws) while not ready. */
  healthy(ctx: ServiceContext): Promise<boolean>;
  afterStart?(ctx: ServiceContext): Promise<void>;
  /** Where the process serves Prometheus metrics, for the services that do; Prometheus scrapes it while it runs. */
  metrics?(config: StackConfig): MetricsEndpoint;
  /** How long to wait for health after spawning. */
  readonly startTimeoutMs: number;
  /** How `stop` and `down` shut it down; DEFAULT_STOP when absent. */
  readonly stop?: StopSpec;
  /** Started only when named (`stack up <service>`), never by a plain `up`, and not required by `status`. */
  readonly optional?: boolean;
}

export interface MetricsEndpoint {
  readonly port: number;
  readonly path: string;
  /** Target labels operators filter by (app, stage, group); `instance` names the process. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Starts, stops and reports the local stack. Each service runs as a detached process whose pid is recorded
 * under `.stack/<service>/`, so `down` stops exactly what `up` started and a second `up` changes nothing.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackConfig } from '../../config/index.js';
import { repoRoot } from '../../config/index.js';
import { run, runningAsRoot, SERVICE_USER } from './exec.js';
import { DEFAULT_STOP, type ServiceContext, type ServiceDefinition, type StopSpec } from './service.js';

export interface PidRecord {
  pid: number;
  command: string;
  startedAt: string;
}

/** `.stack/<service>/`, and the files `up` keeps there: the process's output and the record of its pid. */
export function serviceFiles(stack: StackConfig, name: string) {
  const dir = path.join(stack.stateDir, name);
  return { dir, logFile: path.join(dir, 'service.log'), pidFile: path.join(dir, 'service.pid.json') };
}

export class StackError extends Error {
  override name = 'StackError';
}

export interface ServiceStatus {
  name: string;
  state: 'running' | 'unhealthy' | 'stopped';
  pid?: number;
  endpoint: string;
  logFile: string;
  /** Started only when named; a stopped optional service is not a fault. */
  optional: boolean;
}

export class Supervisor {
  constructor(
    private readonly config: StackConfig,
    private readonly services: readonly ServiceDefinition[],
    private readonly print: (line: string) => void = (line) => console.log(line),
    /** Called after `up` and `stop` changed what runs; the stack uses it to rewrite Prometheus's targets. */
    private readonly onChange: () => Promise<void> | void = () => undefined,
  ) {
    const names = new Set(services.map((s) => s.name));
    for (const service of services) {
      for (const dep of service.dependsOn) {
        if (!names.has(dep)) throw new StackError(`${service.name} depends on unknown service ${dep}`);
      }
    }
    // A cycle would leave `up` waiting on itself forever.
    const visiting: string[] = [];
    const done = new Set<string>();
    const visit = (name: string) => {
      if (done.has(name)) return;
      if (visiting.includes(name)) {
        throw new StackError(`services depend on each other in a cycle: ${[...visiting, name].join(' -> ')}`);
      }
      visiting.push(name);
      this.service(name).dependsOn.forEach(visit);
      visiting.pop();
      done.add(name);
    };
    services.forEach((s) => visit(s.name));
  }

  service(name: string): ServiceDefinition {
    const found = this.services.find((s) => s.name === name);
    if (!found) {
      throw new StackError(
        `unknown service ${JSON.stringify(name)}; services: ${this.services.map((s) => s.name).join(', ')}`,
      );
    }
    return found;
  }

  context(service: ServiceDefinition): ServiceContext {
    const { dir, logFile } = serviceFiles(this.config, service.name);
    return {
      root: repoRoot,
      dir,
      distDir: path.join(this.config.stateDir, 'dist'),
      logFile,
      config: this.config,
      log: (message) => this.print(`[${service.name}] ${message}`),
    };
  }

  /**
   * Brings services up: the named ones and what they depend on, or every service that is not optional. Each starts
   * as soon as its own dependencies are healthy, so one slow health check holds back only its dependants. Resolves
   * with the services that failed or could not start (empty when all are healthy), each already reported with the
   * path of its log.
   */
  async up(names?: readonly string[]): Promise<string[]> {
    try {
      return await this.upSelection(names);
    } finally {
      await this.onChange();
    }
  }

  private async upSelection(names?: readonly string[]): Promise<string[]> {
    const wanted = this.selection(names);
    const failed = new Set<string>();
    const outcomes = new Map<string, Promise<boolean>>();
    const bringUp = (service: ServiceDefinition): Promise<boolean> => {
      let outcome = outcomes.get(service.name);
      if (!outcome) {
        outcome = this.startAfterDependencies(service, bringUp, failed);
        outcomes.set(service.name, outcome);
      }
      return outcome;
    };
    await Promise.all(wanted.map(bringUp));
    return this.services.filter((s) => failed.has(s.name)).map((s) => s.name);
  }

  private async startAfterDependencies(
    service: ServiceDefinition,
    bringUp: (dependency: ServiceDefinition) => Promise<boolean>,
    failed: Set<string>,
  ): Promise<boolean> {
    const healthy = await Promise.all(service.dependsOn.map((d) => bringUp(this.service(d))));
    const missing = service.dependsOn.filter((_, i) => !healthy[i]);
    if (missing.length > 0) {
      failed.add(service.name);
      this.print(`[${service.name}] not started: it depends on ${missing.join(', ')}`);
      return false;
    }
    try {
      await this.startOne(service);
      return true;
    } catch (error) {
      failed.add(service.name);
      const reason = error instanceof Error ? error.message : String(error);
      this.print(`[${service.name}] FAILED: ${reason}\n[${service.name}] log: ${this.context(service).logFile}`);
      return false;
    }
  }

  /** The named services and, transitively, their dependencies; without names, every service that is not optional. */
  private selection(names?: readonly string[]): ServiceDefinition[] {
    if (names === undefined || names.length === 0) return this.services.filter((s) => !s.optional);
    const chosen = new Set<string>();
    const add = (name: string) => {
      const service = this.service(name);
      if (chosen.has(service.name)) return;
      chosen.add(service.name);
      service.dependsOn.forEach(add);
    };
    names.forEach(add);
    return this.services.filter((s) => chosen.has(s.name));
  }

  private async startOne(service: ServiceDefinition): Promise<void> {
    const ctx = this.context(service);
    const { pidFile } = serviceFiles(this.config, service.name);
    const record = readPidRecord(pidFile);
    if (record && isAlive(record)) {
      if (await service.healthy(ctx)) {
        this.print(`[${service.name}] already running (pid ${record.pid}) at ${service.endpoint(this.config)}`);
        return;
      }
      ctx.log(`running (pid ${record.pid}) but not healthy yet; waiting`);
      await this.waitHealthy(service, ctx, record.pid);
      return;
    }
    if (record) rmSync(pidFile, { force: true });

    for (const port of service.ports(this.config)) {
      if (!(await isPortFree(this.config.host, port))) {
        throw new StackError(
          `port ${port} on ${this.config.host} is already in use by another process; ` +
            `stop it or choose another port (see the TICKETFLOW_*_PORT variables in the README)`,
        );
      }
    }

    const started = Date.now();
    mkdirSync(ctx.dir, { recursive: true });
    await this.giveToServiceUser(ctx.dir);
    await service.install(ctx);
    await service.prepare?.(ctx);
    await this.giveToServiceUser(ctx.dir);

    const spec = await service.process(ctx);
    const log = openSync(ctx.logFile, 'a');
    const ids = runningAsRoot() ? await serviceUserIds() : {};
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd ?? ctx.dir,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
      detached: true,
      ...ids,
    });
    closeSync(log);
    const pid = child.pid;
    if (pid === undefined) throw new StackError(`could not start ${spec.command}`);
    child.unref();
    writeFileSync(pidFile, JSON.stringify({ pid, command: spec.command, startedAt: new Date().toISOString() }));
    ctx.log(`started (pid ${pid}); waiting for its health check`);

    await this.waitHealthy(service, ctx, pid);
    await service.afterStart?.(ctx);
    this.print(
      `[${service.name}] healthy in ${((Date.now() - started) / 1000).toFixed(1)}s at ${service.endpoint(this.config)}`,
    );
  }

  private async waitHealthy(service: ServiceDefinition, ctx: ServiceContext, pid: number): Promise<void> {
    const deadline = Date.now() + service.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!isPidAlive(pid)) {
        throw new StackError(`process exited during start-up; last lines of its log:\n${tail(ctx.logFile, 15)}`);
      }
      if (await service.healthy(ctx)) return;
      await sleep(500);
    }
    throw new StackError(`no healthy answer within ${service.startTimeoutMs / 1000}s`);
  }

  /**
   * Stops what `up` started, each service only after everything here that depends on it, and independent ones at
   * the same time.
   */
  async down(): Promise<void> {
    const stopping = new Map<string, Promise<void>>();
    const stopAfterDependants = (service: ServiceDefinition): Promise<void> => {
      let done = stopping.get(service.name);
      if (!done) {
        const dependants = this.services.filter((s) => s.dependsOn.includes(service.name));
        done = Promise.all(dependants.map(stopAfterDependants)).then(() => this.stop(service.name));
        stopping.set(service.name, done);
      }
      return done;
    };
    await Promise.all(this.services.map(stopAfterDependants));
  }

  /** Stops one service if `up` started it, the way its definition says; `up` brings it back. */
  async stop(name: string): Promise<void> {
    const service = this.service(name);
    const { pidFile } = serviceFiles(this.config, service.name);
    const record = readPidRecord(pidFile);
    if (!record) return;
    if (isAlive(record)) {
      const how = service.stop ?? DEFAULT_STOP;
      const started = Date.now();
      const clean = await stopProcess(record.pid, how);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      this.print(
        clean
          ? `[${name}] stopped (pid ${record.pid}) in ${seconds}s`
          : `[${name}] stopped (pid ${record.pid}): killed after ${how.graceMs / 1000}s without exiting on ${how.signal}`,
      );
    }
    rmSync(pidFile, { force: true });
    await this.onChange();
  }

  /** Whether a process `up` started for this service is alive, healthy or not; asks nothing of the service. */
  running(name: string): boolean {
    const record = readPidRecord(serviceFiles(this.config, this.service(name).name).pidFile);
    return record !== undefined && isAlive(record);
  }

  async status(): Promise<ServiceStatus[]> {
    return Promise.all(
      this.services.map(async (service) => {
        const ctx = this.context(service);
        const record = readPidRecord(serviceFiles(this.config, service.name).pidFile);
        const alive = record !== undefined && isAlive(record);
        const state = !alive ? 'stopped' : (await service.healthy(ctx)) ? 'running' : 'unhealthy';
        return {
          name: service.name,
          state,
          pid: alive ? record.pid : undefined,
          endpoint: service.endpoint(this.config),
          logFile: ctx.logFile,
          optional: service.optional === true,
        };
      }),
    );
  }

  private async giveToServiceUser(dir: string): Promise<void> {
    if (!runningAsRoot()) return;
    await run('chown', ['-R', `${SERVICE_USER}:${SERVICE_USER}`, dir]);
    try {
      await run('runuser', ['-u', SERVICE_USER, '--', 'test', '-w', dir]);
    } catch {
      throw new StackError(
        `the service user ${SERVICE_USER} cannot reach ${dir}: a parent folder is closed to other users; ` +
          `clone the repository elsewhere or set TICKETFLOW_STATE_DIR to a folder it can reach`,
      );
    }
  }
}

/** What `up` recorded of a process it started; undefined when it started none. */
export function readPidRecord(pidFile: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0 until its parent reaps it.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Alive and still the program we started: pids are reused after a reboot or a long time. */
function isAlive(record: PidRecord): boolean {
  if (!isPidAlive(record.pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((part) => part.includes(path.basename(record.command)));
  } catch {
    return true;
  }
}

/**
 * Sends the service's stop signal and waits for every process of its group to exit; past the grace period, kills
 * the group. Resolves false when it had to kill.
 */
async function stopProcess(pid: number, how: StopSpec): Promise<boolean> {
  signalProcess(pid, how.signal, how.target);
  const deadline = Date.now() + how.graceMs;
  while (groupAlive(pid)) {
    if (Date.now() >= deadline) {
      signalProcess(pid, 'SIGKILL', 'group');
      const killDeadline = Date.now() + 5000;
      while (groupAlive(pid) && Date.now() < killDeadline) await sleep(100);
      return false;
    }
    await sleep(100);
  }
  return true;
}

function signalProcess(pid: number, signal: NodeJS.Signals, target: StopSpec['target']): void {
  try {
    process.kill(target === 'group' ? -pid : pid, signal);
  } catch {
    // No such group (the leader was not a group leader) or already gone: signal the process itself.
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Whether the process or any other live member of its process group remains: a server that exits before its
 * children (or leaves one behind) has not finished stopping. The supervisor starts each service detached, so its
 * pid is its process group id.
 */
function groupAlive(pgid: number): boolean {
  if (isPidAlive(pgid)) return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after its last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function serviceUserIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', SERVICE_USER]), run('id', ['-g', SERVICE_USER])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts, stops and reports the local stack. Each service runs as a detached process whose pid is recorded
 * under `.stack/<service>/`, so `down` stops exactly what `up` started and a second `up` changes nothing.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackConfig } from '../../config/index.js';
import { repoRoot } from '../../config/index.js';
import { run, runningAsRoot, SERVICE_USER } from './exec.js';
import type { ServiceContext, ServiceDefinition } from './service.js';

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
   * Brings every service up, in dependency waves that start in parallel. Resolves with the services that
   * failed (empty when all are healthy), each already reported with the path of its log.
   */
  async up(): Promise<string[]> {
    try {
      return await this.upAll();
    } finally {
      await this.onChange();
    }
  }

  private async upAll(): Promise<string[]> {
    const healthy = new Set<string>();
    const failed: string[] = [];
    let pending = [...this.services];
    while (pending.length > 0) {
      const ready = pending.filter((s) => s.dependsOn.every((d) => healthy.has(d)));
      const blocked = pending.filter((s) => s.dependsOn.some((d) => failed.includes(d)));
      for (const service of blocked) {
        failed.push(service.name);
        this.print(
          `[${service.name}] not started: it depends on ${service.dependsOn.filter((d) => failed.includes(d)).join(', ')}`,
        );
      }
      if (ready.length === 0) break;
      const results = await Promise.allSettled(ready.map((s) => this.startOne(s)));
      results.forEach((result, i) => {
        const service = ready[i]!;
        if (result.status === 'fulfilled') {
          healthy.add(service.name);
        } else {
          failed.push(service.name);
          const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
          this.print(`[${service.name}] FAILED: ${reason}\n[${service.name}] log: ${this.context(service).logFile}`);
        }
      });
      pending = pending.filter((s) => !healthy.has(s.name) && !failed.includes(s.name));
    }
    return failed;
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

  /** Stops what `up` started, in reverse dependency order. */
  async down(): Promise<void> {
    for (const service of [...this.services].reverse()) await this.stop(service.name);
  }

  /** Stops one service if `up` started it; `up` brings it back. */
  async stop(name: string): Promise<void> {
    const { pidFile } = serviceFiles(this.config, this.service(name).name);
    const record = readPidRecord(pidFile);
    if (!record) return;
    if (isAlive(record)) {
      await stopProcessGroup(record.pid);
      this.print(`[${name}] stopped (pid ${record.pid})`);
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

async function stopProcessGroup(pid: number, graceMs = 30_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isPidAlive(pid)) await sleep(200);
  if (isPidAlive(pid)) signal('SIGKILL');
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

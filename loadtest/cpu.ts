/**
 * CPU time used by processes and by the whole machine, from /proc (Linux), for benchmarks on a shared machine:
 * the time a server spent per request does not depend on how busy the other cores were, where its throughput
 * does. Every reader answers NaN where /proc is not available.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';

/** /proc counts CPU in USER_HZ, which Linux fixes at 100 whatever the kernel's own tick rate. */
const MS_PER_TICK = 10;

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU (user + system) of a process and every process below it, in ms: a server's launcher and its JVM alike. */
export function processTreeCpuMs(root: number | null | undefined): number {
  if (!root) return NaN;
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return NaN;
  }
  for (const entry of entries) {
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK);
  }
  if (!cpu.has(root)) return NaN;
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += cpu.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU busy on the whole machine (every core, every process), in ms. */
export function machineCpuMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * MS_PER_TICK;
  } catch {
    return NaN;
  }
}

/** The pid of a server the local stack started (ops/stack), or null. */
export function stackServicePid(config: Config, service: string): number | null {
  try {
    const record = JSON.parse(readFileSync(path.join(config.stack.stateDir, service, 'service.pid.json'), 'utf8')) as {
      pid?: number;
    };
    return typeof record.pid === 'number' ? record.pid : null;
  } catch {
    return null;
  }
}

/** This process's own CPU, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

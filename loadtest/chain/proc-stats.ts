/**
 * CPU time and memory of the processes a benchmark involves, read from /proc: CPU as the difference of
 * utime+stime between two marks, peak memory by sampling. A server may be a tree of processes (PostgreSQL's
 * backends, Elasticsearch's launcher and JVM), counted whole: backends come and go, so CPU also counts the
 * children each member has reaped (cutime+cstime), and memory counts each member's private resident pages
 * plus the largest shared resident set once, since shared buffers appear in every backend's RSS.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TREE_REFRESH_SAMPLES = 8;

/** /proc counts CPU in USER_HZ, which Linux fixes at 100 whatever the kernel's own tick rate. */
const USER_HZ = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in seconds. */
  ownCpuSeconds: number;
  /** cutime + cstime: children it waited for. */
  reapedCpuSeconds: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseStat(text: string): ProcStat {
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
  const seconds = (i: number) => Number(fields[i]) / USER_HZ;
  return {
    pid,
    ppid: Number(fields[1]),
    ownCpuSeconds: seconds(11) + seconds(12),
    reapedCpuSeconds: seconds(13) + seconds(14),
  };
}

/** Resident and shared resident bytes from /proc/<pid>/statm (in pages). */
export function parseStatm(text: string, pageSize: number): { rss: number; shared: number } {
  const [, resident, shared] = text.trim().split(/\s+/).map(Number);
  return { rss: resident! * pageSize, shared: shared! * pageSize };
}

/** Busy and total CPU seconds of the whole machine since boot, from the first line of /proc/stat. */
export function parseMachineStat(text: string): { busySeconds: number; totalSeconds: number } {
  const values = text.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map((v) => v ?? 0) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busySeconds: busy / USER_HZ, totalSeconds: (busy + idle! + iowait!) / USER_HZ };
}

const read = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Every live process's parent, for finding a tree's members. */
function parentsNow(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = read(`/proc/${entry}/stat`);
    if (!text) continue;
    const { pid, ppid } = parseStat(text);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  return children;
}

export interface Watched {
  readonly name: string;
  readonly kind: 'server' | 'node' | 'benchmark';
  readonly rootPid: number;
  /**
   * Count the root's descendants and the children they reaped too: a server's processes, a Node process's
   * esbuild helper. Off for the benchmark itself, whose children are watched on their own.
   */
  readonly tree: boolean;
}

interface Reading {
  cpuSeconds: number;
  memoryBytes: number;
  members: number;
}

export interface Mark {
  readonly at: number;
  readonly cpu: ReadonlyMap<string, number>;
  readonly machine: { busySeconds: number; totalSeconds: number };
  readonly load: readonly number[];
}

export interface ProcessUsage {
  name: string;
  kind: Watched['kind'];
  pid: number;
  /** Processes counted at the last sample (a server's tree). */
  members: number;
  cpuSeconds: number;
  peakRssMb: number;
}

export function loadAverage(): number[] {
  return (read('/proc/loadavg') ?? '0 0 0').split(' ').slice(0, 3).map(Number);
}

/**
 * Samples the watched processes every `intervalMs` (peak memory, load average) and takes CPU marks on demand.
 * A process that has gone keeps its last reading.
 */
export class ProcSampler {
  private readonly peaks = new Map<string, number>();
  private readonly last = new Map<string, Reading>();
  private readonly loads: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pageSize: number;
  private readonly members = new Map<string, number[]>();
  private samples = 0;

  constructor(
    private readonly watched: readonly Watched[],
    private readonly intervalMs = 250,
  ) {
    this.pageSize = detectPageSize();
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** Forgets the peaks and load samples so far: the next report covers only what follows. */
  resetPeaks(): void {
    this.peaks.clear();
    this.loads.length = 0;
  }

  mark(): Mark {
    const readings = this.sample(true);
    return {
      at: performance.timeOrigin + performance.now(),
      cpu: new Map([...readings].map(([name, r]) => [name, r.cpuSeconds])),
      machine: parseMachineStat(read('/proc/stat') ?? 'cpu 0 0 0 0 0 0 0 0'),
      load: loadAverage(),
    };
  }

  /** CPU between two marks and the peak memory since the last reset, per process in watch order. */
  usage(from: Mark, to: Mark): ProcessUsage[] {
    return this.watched.map((w) => ({
      name: w.name,
      kind: w.kind,
      pid: w.rootPid,
      members: this.last.get(w.name)?.members ?? 0,
      cpuSeconds: Math.max(0, (to.cpu.get(w.name) ?? NaN) - (from.cpu.get(w.name) ?? NaN)),
      peakRssMb: (this.peaks.get(w.name) ?? NaN) / (1024 * 1024),
    }));
  }

  /** 1-minute load averages sampled since the last reset. */
  loadSamples(): readonly number[] {
    return this.loads;
  }

  private sample(refreshTrees = false): Map<string, Reading> {
    // Finding trees reads every process's stat; members change rarely (a new backend), so only every 2 s and at
    // each mark, where CPU is counted.
    if (this.samples++ % TREE_REFRESH_SAMPLES === 0 || refreshTrees) {
      const children = this.watched.some((w) => w.tree) ? parentsNow() : new Map<number, number[]>();
      for (const w of this.watched) this.members.set(w.name, w.tree ? descendants(w.rootPid, children) : [w.rootPid]);
    }
    const readings = new Map<string, Reading>();
    for (const w of this.watched) {
      const pids = this.members.get(w.name)!;
      let cpu = 0;
      let privateBytes = 0;
      let largestShared = 0;
      let members = 0;
      for (const pid of pids) {
        const stat = read(`/proc/${pid}/stat`);
        const statm = read(`/proc/${pid}/statm`);
        if (!stat || !statm) continue;
        members++;
        const { ownCpuSeconds, reapedCpuSeconds } = parseStat(stat);
        cpu += ownCpuSeconds + (w.tree ? reapedCpuSeconds : 0);
        const { rss, shared } = parseStatm(statm, this.pageSize);
        privateBytes += rss - shared;
        largestShared = Math.max(largestShared, shared);
      }
      const reading =
        members > 0
          ? { cpuSeconds: cpu, memoryBytes: privateBytes + largestShared, members }
          : (this.last.get(w.name) ?? { cpuSeconds: NaN, memoryBytes: NaN, members: 0 });
      this.last.set(w.name, reading);
      readings.set(w.name, reading);
      if (members > 0) this.peaks.set(w.name, Math.max(this.peaks.get(w.name) ?? 0, reading.memoryBytes));
    }
    this.loads.push(loadAverage()[0]!);
    return readings;
  }
}

function descendants(root: number, children: Map<number, number[]>): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** statm counts pages; this process's VmRSS (kB) over its resident pages gives the page size. */
function detectPageSize(): number {
  const status = read('/proc/self/status') ?? '';
  const statm = read('/proc/self/statm');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  const pages = statm ? Number(statm.trim().split(/\s+/)[1]) : NaN;
  const size = (kb * 1024) / pages;
  // The two reads are a moment apart; round to the nearest power of two.
  return Number.isFinite(size) && size > 0 ? 2 ** Math.round(Math.log2(size)) : 4096;
}

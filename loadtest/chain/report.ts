/**
 * The results of `npm run bench:chain` as tables for a person and JSON for tools. Every rate printed is an
 * achieved one; a target appears only beside what was achieved against it.
 */
import type { RawKafkaResult } from '../kafka-raw.js';
import type { ChainResult } from '../passthrough-chain.js';
import { markdownTable, round } from '../stats.js';
import type { ChainOptions } from './options.js';
import type { PhaseResult } from './phase.js';
import type { PipelineReport } from './pipeline-run.js';

export interface ChainResults {
  options: ChainOptions;
  cores: number;
  /** 1, 5 and 15-minute load averages before the benchmark started anything. */
  loadBefore: number[];
  kafka: RawKafkaResult | null;
  passthrough: ChainResult | null;
  pipeline: PipelineReport;
}

/** Issue #7's targets for the 2-core reference machine. */
export const TARGETS = {
  burstPerSec: 1000,
  steadyP99Ms: 500,
  passthroughBurstPerSec: 10_000,
  nodeRssMb: 300,
} as const;

const MB = (n: number) => round(n, 0);
const pct = (part: number, whole: number) => (whole > 0 ? `${round((100 * part) / whole, 1)} %` : '-');

/** Per process, CPU of the burst and the steady phase and the peak memory over both. */
export function processRows(pipeline: PipelineReport) {
  const { burst, steady } = pipeline;
  return burst.processes.map((b, i) => {
    const s = steady.processes[i]!;
    return {
      name: b.name,
      kind: b.kind,
      processes: Math.max(b.members, s.members),
      cpuSeconds: b.cpuSeconds + s.cpuSeconds,
      cpuSecondsByPhase: { burst: b.cpuSeconds, steady: s.cpuSeconds },
      cpuMsPerInteraction: {
        burst: (1000 * b.cpuSeconds) / Math.max(1, burst.visible),
        steady: (1000 * s.cpuSeconds) / Math.max(1, steady.visible),
      },
      peakRssMb: Math.max(b.peakRssMb, s.peakRssMb),
      peakRssMbByPhase: { burst: b.peakRssMb, steady: s.peakRssMb },
    };
  });
}

export interface TargetCheck {
  target: string;
  measured: string;
  holds: boolean;
}

export function targetChecks(results: ChainResults): TargetCheck[] {
  const { burst, steady } = results.pipeline;
  const nodes = processRows(results.pipeline).filter((p) => p.kind === 'node');
  const heaviest = nodes.reduce((a, b) => (b.peakRssMb > a.peakRssMb ? b : a), nodes[0]!);
  const checks: TargetCheck[] = [
    {
      target: `burst of ${burst.interactions}: ≥ ${TARGETS.burstPerSec} interactions/s visible in all three stores`,
      measured: `${round(burst.perSec)}/s`,
      holds: burst.perSec >= TARGETS.burstPerSec,
    },
    {
      target: 'burst: 0 lost, 0 duplicated',
      measured: `${burst.lost} lost, ${burst.duplicated} duplicated`,
      holds: burst.lost === 0 && burst.duplicated === 0,
    },
    {
      target: `steady ${steady.targetPerSec}/s: p99 ≤ ${TARGETS.steadyP99Ms} ms from POST to visible in all three`,
      measured: `p99 ${round(steady.latency.p99Ms)} ms`,
      holds: steady.latency.p99Ms <= TARGETS.steadyP99Ms,
    },
    {
      target: `steady: the pipeline keeps up (achieved ≥ 99 % of ${steady.targetPerSec}/s), 0 lost, 0 duplicated`,
      measured: `${round(steady.perSec, 1)}/s, ${steady.lost} lost, ${steady.duplicated} duplicated`,
      holds: steady.perSec >= 0.99 * steady.targetPerSec! && steady.lost === 0 && steady.duplicated === 0,
    },
    {
      target: `every pipeline Node process ≤ ${TARGETS.nodeRssMb} MB RSS`,
      measured: heaviest ? `largest ${heaviest.name} ${MB(heaviest.peakRssMb)} MB` : '-',
      holds: nodes.every((p) => p.peakRssMb <= TARGETS.nodeRssMb),
    },
  ];
  if (results.passthrough) {
    checks.push({
      target: `5 pass-through stages: burst ≥ ${round(TARGETS.passthroughBurstPerSec)} events/s`,
      measured: `${round(results.passthrough.burst.eventsPerSec)}/s`,
      holds: results.passthrough.burst.eventsPerSec >= TARGETS.passthroughBurstPerSec,
    });
  }
  return checks;
}

const phaseJson = (p: PhaseResult) => ({
  interactions: p.interactions,
  accepted: p.accepted,
  visible: p.visible,
  perSec: p.perSec,
  p50Ms: p.latency.p50Ms,
  p90Ms: p.latency.p90Ms,
  p99Ms: p.latency.p99Ms,
  maxMs: p.latency.maxMs,
  lost: p.lost,
  duplicated: p.duplicated,
  refused: p.refused,
  deadLettered: p.deadLettered,
  lostAt: p.lostAt,
  seconds: p.seconds,
  postedPerSec: p.postedPerSec,
  posterLateP99Ms: p.posterLateP99Ms,
  redelivered: p.redelivered,
  hops: p.hops,
  sent: p.sent,
  outcome: p.outcome,
  machine: p.machine,
  polls: p.polls,
});

export function chainJson(results: ChainResults) {
  const { pipeline, kafka, passthrough } = results;
  const { burst, steady } = pipeline;
  return {
    kafkaCeiling: {
      recordsPerSec: kafka?.producer.recordsPerSec ?? null,
      ...(kafka
        ? {
            partitions: kafka.partitions,
            records: kafka.records,
            recordSize: kafka.recordSize,
            avgLatencyMs: kafka.producer.avgLatencyMs,
            p99LatencyMs: kafka.producer.p99LatencyMs,
          }
        : {}),
    },
    passthrough: {
      burstPerSec: passthrough?.burst.eventsPerSec ?? null,
      ...(passthrough
        ? {
            stages: passthrough.stages,
            handler: passthrough.batch ? 'batch' : 'per-event',
            burst: passthrough.burst,
            steady: {
              targetPerSec: passthrough.steady.rate,
              achievedPerSec: passthrough.steady.achievedPerSec,
              events: passthrough.steady.events,
              p50Ms: passthrough.steady.p50Ms,
              p99Ms: passthrough.steady.p99Ms,
            },
          }
        : {}),
    },
    pipeline: {
      shape: pipeline.shape,
      runId: pipeline.runId,
      seed: results.options.seed,
      pollIntervalMs: pipeline.pollIntervalMs,
      orgs: pipeline.orgs.map((o) => ({
        id: o.id,
        name: o.name,
        share: o.share,
        hot: o.hot,
        customers: o.customers,
        keying: o.keying,
        knowledgeChunks: o.chunks,
      })),
      sharedWith: pipeline.sharedWith,
      burst: phaseJson(burst),
      steady: { targetPerSec: steady.targetPerSec, achievedPerSec: steady.perSec, ...phaseJson(steady) },
      warmup: phaseJson(pipeline.warmup),
      integrity: pipeline.integrity,
    },
    processes: processRows(pipeline),
    machine: {
      cores: results.cores,
      loadBefore: results.loadBefore,
      burst: burst.machine,
      steady: steady.machine,
      unwatchedServers: pipeline.unwatched,
    },
    targets: targetChecks(results),
  };
}

function shares(counts: Record<string, number>, total: number, limit = 6): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k, n]) => `${k} ${round((100 * n) / total)} %`)
    .join(', ');
}

export function chainTables(results: ChainResults): string {
  const { pipeline, kafka, passthrough, options } = results;
  const { burst, steady } = pipeline;
  const ceiling = kafka?.producer.recordsPerSec ?? NaN;
  const ratio = (perSec: number) => (kafka ? round(perSec / ceiling, 4) : '-');
  const rows: (string | number)[][] = [];
  if (kafka) {
    rows.push([
      `Kafka producer perf tool, ${kafka.partitions} partitions, ${kafka.recordSize} B, acks=all`,
      round(ceiling),
      '1.0000',
      `${round(kafka.producer.avgLatencyMs, 1)} (avg)`,
      round(kafka.producer.p99LatencyMs),
      '',
      '',
    ]);
  }
  if (passthrough) {
    const handler = passthrough.batch ? 'batch' : 'per-event';
    rows.push(
      [
        `${passthrough.stages} pass-through stages (${handler} handlers), burst of ${passthrough.burst.events} events`,
        round(passthrough.burst.eventsPerSec),
        ratio(passthrough.burst.eventsPerSec),
        round(passthrough.burst.p50Ms),
        round(passthrough.burst.p99Ms),
        '',
        '',
      ],
      [
        `${passthrough.stages} pass-through stages, ${passthrough.steady.rate}/s offered: achieved`,
        round(passthrough.steady.achievedPerSec, 1),
        ratio(passthrough.steady.achievedPerSec),
        round(passthrough.steady.p50Ms),
        round(passthrough.steady.p99Ms),
        '',
        '',
      ],
    );
  }
  rows.push(
    [
      `pipeline (${pipeline.shape}), burst of ${burst.interactions} interactions`,
      round(burst.perSec),
      ratio(burst.perSec),
      round(burst.latency.p50Ms),
      round(burst.latency.p99Ms),
      burst.lost,
      burst.duplicated,
    ],
    [
      `pipeline (${pipeline.shape}), ${steady.targetPerSec}/s for ${options.seconds} s offered: achieved`,
      round(steady.perSec, 1),
      ratio(steady.perSec),
      round(steady.latency.p50Ms),
      round(steady.latency.p99Ms),
      steady.lost,
      steady.duplicated,
    ],
  );
  const main = markdownTable(
    ['measurement', 'per second', 'vs Kafka ceiling', 'p50 ms', 'p99 ms', 'lost', 'duplicated'],
    rows,
  );

  const hopRows = burst.hops.map((h, i) => {
    const s = steady.hops[i]!;
    return [h.name, h.what, round(h.p50Ms), round(h.p99Ms), round(s.p50Ms), round(s.p99Ms)];
  });
  const hops = markdownTable(['hop', 'from → to', 'burst p50', 'burst p99', 'steady p50', 'steady p99'], hopRows);

  const procs = processRows(pipeline);
  const procRows = procs.map((p) => [
    p.processes > 1 ? `${p.name} (${p.processes} processes)` : p.name,
    p.kind,
    round(p.cpuSecondsByPhase.burst, 1),
    round(p.cpuMsPerInteraction.burst, 2),
    round(p.cpuSecondsByPhase.steady, 1),
    round(p.cpuMsPerInteraction.steady, 2),
    MB(p.peakRssMb),
  ]);
  const listed = (phase: 'burst' | 'steady') => procs.reduce((n, p) => n + p.cpuSecondsByPhase[phase], 0);
  procRows.push([
    'all listed (memory: sum of the peaks)',
    '',
    round(listed('burst'), 1),
    round((1000 * listed('burst')) / Math.max(1, burst.visible), 2),
    round(listed('steady'), 1),
    round((1000 * listed('steady')) / Math.max(1, steady.visible), 2),
    MB(procs.reduce((n, p) => n + p.peakRssMb, 0)),
  ]);
  procRows.push([
    'whole machine (/proc/stat)',
    '',
    round(burst.machine.busyCpuSeconds, 1),
    '',
    round(steady.machine.busyCpuSeconds, 1),
    '',
    '',
  ]);
  const processes = markdownTable(
    ['process', 'kind', 'CPU s burst', 'CPU ms/interaction', 'CPU s steady', 'CPU ms/interaction', 'peak RSS MB'],
    procRows,
  );

  const targets = markdownTable(
    ['target (issue #7)', 'measured', 'holds'],
    targetChecks(results).map((t) => [t.target, t.measured, t.holds ? 'yes' : 'NO']),
  );

  const load = (n: number[]) => n.map((v) => round(v, 2)).join(' / ');
  const machine = (name: string, p: PhaseResult) =>
    `${name}: 1-min load ${round(p.machine.loadAtStart, 2)} at start, ${round(p.machine.loadMax, 2)} at most; ` +
    `CPU busy ${round(p.machine.busyCpuSeconds, 1)} of ${round(p.machine.cpuSecondsAvailable, 1)} CPU-s ` +
    `(${pct(p.machine.busyCpuSeconds, p.machine.cpuSecondsAvailable)}), of which processes not listed ` +
    `${round(Math.max(0, p.machine.busyCpuSeconds - procs.reduce((n, r) => n + r.cpuSecondsByPhase[name as 'burst' | 'steady'], 0)), 1)} CPU-s`;
  const sent = burst.sent;
  const total = burst.interactions;
  const hot = pipeline.orgs.find((o) => o.hot);
  const lost = (p: PhaseResult) =>
    p.lost + Object.values(p.refused).reduce((a, b) => a + b, 0) === 0
      ? ''
      : `\n- ${p.name}: ${p.lost} lost (${Object.entries(p.lostAt)
          .map(([why, n]) => `${n} ${why}`)
          .join('; ')}); refused ${JSON.stringify(p.refused)}`;
  const polls = (p: PhaseResult) =>
    (['mongo', 'search', 'redis'] as const)
      .map((s) => `${s} ${round(p.polls[s].p50Ms, 1)}/${round(p.polls[s].p99Ms, 1)} ms`)
      .join(', ');

  return [
    main,
    '',
    `Latency runs from the POST (its scheduled time in the steady phase) until the ticket is routed and visible ` +
      `in all three stores: the MongoDB ticket has its routing decision, a search in Elasticsearch finds it with ` +
      `its queue, the Redis hash has its queue. Throughput counts those interactions per second, from the first ` +
      `POST to the last visible. Visibility is polled every ${pipeline.pollIntervalMs} ms in batches, for tickets ` +
      `whose routed revision the changelog carried, and counted when an answer arrives; query times p50/p99: ` +
      `burst ${polls(burst)}; steady ${polls(steady)}.` +
      lost(burst) +
      lost(steady),
    '',
    targets,
    '',
    'Per hop (ms), from the timestamps producers put on each record and the answers of the store polls:',
    '',
    hops,
    '',
    `Processes: CPU (utime+stime from /proc, a server's whole process tree) during each phase, from its first ` +
      `POST until its last interaction was visible; peak resident memory sampled every 250 ms (for a tree, each ` +
      `process's private pages plus the largest shared set once).` +
      (pipeline.unwatched.length > 0 ? ` Not counted (no pid record): ${pipeline.unwatched.join(', ')}.` : ''),
    '',
    processes,
    '',
    `Machine: ${results.cores} cores; load average before the run ${load(results.loadBefore)}.`,
    `- ${machine('burst', burst)}`,
    `- ${machine('steady', steady)}`,
    '',
    `Workload (seed ${options.seed}): ${pipeline.orgs.length} orgs` +
      (hot
        ? `, hot org ${hot.id} with ${pct(sent.orgs[hot.id] ?? 0, total)} of the burst (keyed by ${hot.keying})`
        : '') +
      `; languages ${shares(sent.languages, total)}; channels ${shares(sent.channels, total)}; lengths ` +
      `${shares(sent.lengths, total)} (${round(sent.bodyChars.p50Ms)} characters median, ` +
      `${round(sent.bodyChars.maxMs)} longest); ${sent.intents} intents, ${pct(sent.outOfScope, total)} out of scope; ` +
      `personal data in ${pct(sent.withPii, total)}; upset customers ${pct(sent.upset, total)}.`,
    `Pipeline's view (burst): ${burst.outcome.intents} distinct intents classified, ` +
      `${pct(burst.outcome.outOfScope, burst.visible)} out of scope, ${pct(burst.outcome.autoReplied, burst.visible)} ` +
      `auto-replied, ${pct(burst.outcome.citing, burst.visible)} of drafts citing the knowledge base; languages ` +
      `detected ${shares(burst.outcome.languages, burst.visible)}.`,
    pipeline.sharedWith.length > 0
      ? `Groups shared with: ${pipeline.sharedWith.map((g) => `${g.group} ${g.members.map((m) => m.clientId).join('+')}`).join(', ')}.`
      : 'The processor groups had no other members.',
    pipeline.integrity.findings.length > 0 ? `Integrity: ${pipeline.integrity.findings.join('; ')}` : '',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

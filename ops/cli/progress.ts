/**
 * A progress bar with rate and ETA for long operations (replay catch-up, redrive, imports). On a terminal it
 * redraws one line in place; when stderr is a file or a pipe (CI, `2>log`) it prints a plain line every few
 * seconds instead, so logs stay readable and never fill with carriage returns.
 */
import type { OutStream } from './command.js';

export interface ProgressState {
  readonly label: string;
  readonly done: number;
  /** Unknown totals show the count and rate without a bar or ETA. */
  readonly total: number | null;
  /** Items per second; null until there is enough to say. */
  readonly ratePerSec: number | null;
  readonly unit: string;
}

const BAR_WIDTH = 24;
/** The rate is measured over this much recent history, so it follows a change of pace within seconds. */
const RATE_WINDOW_MS = 10_000;

/** `1:05`, `2:03:04`; `--:--` when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

function formatRate(rate: number | null, unit: string): string {
  if (rate === null) return `-- ${unit}/s`;
  return `${rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1)} ${unit}/s`;
}

/** One line: `label [#########---------------]  37%  370/1,000  52.0 events/s  ETA 0:12`. */
export function renderProgress(state: ProgressState): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const rate = formatRate(state.ratePerSec, state.unit);
  if (state.total === null) return `${state.label}  ${count(state.done)} ${state.unit}  ${rate}`;
  const fraction = state.total === 0 ? 1 : Math.min(1, Math.max(0, state.done / state.total));
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const left = Math.max(0, state.total - state.done);
  const eta = left === 0 ? 0 : state.ratePerSec ? left / state.ratePerSec : null;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${state.label} ${bar} ${percent}  ${count(state.done)}/${count(state.total)}  ${rate}  ETA ${formatEta(eta)}`;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total?: number | null;
  readonly unit?: string;
  readonly stream: OutStream;
  /** Between plain lines when the stream is not a terminal. */
  readonly plainIntervalMs?: number;
  /** Between redraws on a terminal. */
  readonly redrawIntervalMs?: number;
  readonly now?: () => number;
}

export class Progress {
  private done = 0;
  private total: number | null;
  private readonly samples: Array<{ at: number; done: number }> = [];
  private lastDrawAt = -Infinity;
  private finished = false;
  private readonly now: () => number;
  private readonly tty: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.total = options.total ?? null;
    this.now = options.now ?? Date.now;
    this.tty = options.stream.isTTY === true;
    this.samples.push({ at: this.now(), done: 0 });
  }

  /** Sets how many are done; `total` may grow while work arrives (a live topic's end moves on). */
  update(done: number, total?: number | null): void {
    if (this.finished) return;
    this.done = done;
    if (total !== undefined) this.total = total;
    const at = this.now();
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[1]!.at > RATE_WINDOW_MS) this.samples.shift();
    const interval = this.tty ? (this.options.redrawIntervalMs ?? 100) : (this.options.plainIntervalMs ?? 5000);
    if (at - this.lastDrawAt >= interval) this.draw(at);
  }

  increment(by = 1): void {
    this.update(this.done + by);
  }

  /** Draws the final state and ends the line; later updates are ignored. */
  finish(): void {
    if (this.finished) return;
    this.draw(this.now(), true);
    this.finished = true;
  }

  state(at = this.now()): ProgressState {
    const first = this.samples[0]!;
    const span = (at - first.at) / 1000;
    const ratePerSec = span >= 0.5 ? (this.done - first.done) / span : null;
    return {
      label: this.options.label,
      done: this.done,
      total: this.total,
      ratePerSec,
      unit: this.options.unit ?? 'items',
    };
  }

  private draw(at: number, final = false): void {
    this.lastDrawAt = at;
    const text = renderProgress(this.state(at));
    if (!this.tty) {
      this.options.stream.write(`${text}\n`);
      return;
    }
    const width = (this.options.stream.columns ?? 120) - 1;
    this.options.stream.write(`\r${text.slice(0, width)}\x1b[K${final ? '\n' : ''}`);
  }
}

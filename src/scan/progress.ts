/**
 * Scan progress (docs/architecture.md §6.4): a live bar on a terminal, a plain line every 10 s
 * otherwise, and on GitHub Actions a job summary and `::warning::` annotations.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { Report, TargetResult } from './results.js';
import type { ScanProgress } from './scan.js';

export interface ProgressOptions {
  out: Writable;
  mode: 'tty' | 'plain' | 'quiet';
  /** `$GITHUB_STEP_SUMMARY` when running on GitHub Actions. */
  githubSummary?: string;
  /** Emit `::warning::` annotations (GitHub Actions). */
  annotations?: boolean;
  intervalMs?: number;
  /** Where the results are and what to run next, for the last line (a scan on its own). */
  next?: { results: string; command: string };
  /** The clock (tests). */
  now?: () => number;
}

/** Outcomes that say something is wrong at the server, worth a look by a person. */
const WORTH_A_LOOK = new Set(['malformed', 'limit']);

export class Progress implements ScanProgress {
  private total = 0;
  private done = 0;
  private transferred = 0;
  private refused = 0;
  private notauth = 0;
  private failed = 0;
  private startedAt: number;
  private lastResultAt: number;
  private lastDraw = 0;
  private ticker: NodeJS.Timeout | undefined;
  private started = false;
  private readonly interval: number;
  private readonly now: () => number;

  constructor(private readonly o: ProgressOptions) {
    this.interval = o.intervalMs ?? (o.mode === 'tty' ? 200 : 10_000);
    this.now = o.now ?? Date.now;
    this.startedAt = this.lastResultAt = this.now();
  }

  phase(text: string): void {
    if (this.o.mode !== 'quiet') this.o.out.write(this.o.mode === 'tty' ? `\r\x1b[K${text}…` : `${text}\n`);
  }

  /** The targets known so far: called again as sources add targets (the bar keeps its start). */
  start(total: number): void {
    if (this.started) {
      if (total !== this.total && this.o.mode === 'plain') this.o.out.write(`${total} targets\n`);
      this.total = total;
      return;
    }
    this.started = true;
    this.total = total;
    this.startedAt = this.lastResultAt = this.now();
    this.lastDraw = this.o.mode === 'plain' ? this.now() : 0;
    if (this.o.mode === 'plain') this.o.out.write(`${total} targets\n`);
    // While the last transfers run out their timeouts no result comes: the line still moves.
    if (this.o.mode !== 'quiet' && this.interval > 0) {
      this.ticker = setInterval(() => this.tick(), this.interval);
      this.ticker.unref();
    }
  }

  result(r: TargetResult): void {
    this.done++;
    this.lastResultAt = this.now();
    if (r.outcome === 'transferred') this.transferred++;
    else if (r.outcome === 'refused') this.refused++;
    else if (r.outcome === 'notauth') this.notauth++;
    else this.failed++;
    if (this.o.annotations && WORTH_A_LOOK.has(r.outcome)) {
      this.o.out.write(`::warning title=${r.outcome} from ${r.address}::${escapeAnnotation(`${r.zone} ${r.detail ?? ''}`)}\n`);
    }
    this.tick();
  }

  private tick(): void {
    const now = this.now();
    if (this.o.mode !== 'quiet' && now - this.lastDraw >= this.interval) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  finish(report: Report): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.o.mode !== 'quiet') {
      this.o.out.write(`${this.o.mode === 'tty' ? '\r\x1b[K' : ''}${finalLine(report)}\n`);
      if (this.o.next) this.o.out.write(`results in ${this.o.next.results}; next: ${this.o.next.command}\n`);
    }
    if (this.o.githubSummary) fs.appendFileSync(this.o.githubSummary, scanSummaryMarkdown(report));
  }

  /**
   * `1234/12000 targets · 23 transferred · 9000 refused · 4 notauth · 200 failed · 150/s · ETA 1m12s`.
   * When the rate says the rest should be done and it is not, the rest are transfers
   * running out their timeouts: the line says so instead of `ETA 0s`.
   */
  line(now: number): string {
    const secs = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.done / secs;
    const left = this.total - this.done;
    const eta = rate > 0 ? left / rate : Infinity;
    const quiet = (now - this.lastResultAt) / 1000;
    const when = left > 0 && quiet >= 1 && quiet > eta ? `waiting for the last ${left} (no answer for ${duration(quiet)})` : `ETA ${duration(eta)}`;
    return `${this.done}/${this.total} targets · ${this.transferred} transferred · ${this.refused} refused · ${this.notauth} notauth · ${this.failed} failed · ${rate.toFixed(0)}/s · ${when}`;
  }

  private draw(now: number): void {
    if (this.o.mode === 'tty') {
      const width = 24;
      const filled = this.total ? Math.round((this.done / this.total) * width) : 0;
      this.o.out.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.line(now)}`);
    } else this.o.out.write(`${this.line(now)}\n`);
  }
}

/**
 * The scan's last line: `scan done: 12 zones transferred (15 targets); refused 300,
 * NOTAUTH 20; failed 7 (timeout 5, reset 2); 3 skipped at the deadline`.
 */
function finalLine(report: Report): string {
  const by = new Map<string, number>();
  const zones = new Set<string>();
  for (const t of report.targets) {
    by.set(t.outcome, (by.get(t.outcome) ?? 0) + 1);
    if (t.outcome === 'transferred') zones.add(t.zone);
  }
  const take = (k: string) => {
    const n = by.get(k) ?? 0;
    by.delete(k);
    return n;
  };
  const transferred = take('transferred');
  const refused = take('refused');
  const notauth = take('notauth');
  const skipped = take('skipped');
  const failures = [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const failed = failures.reduce((n, [, c]) => n + c, 0);
  const parts = [
    `scan done: ${zones.size} zones transferred (${transferred} of ${report.targets.length} targets)`,
    `refused ${refused}, NOTAUTH ${notauth}`,
    `failed ${failed}${failed ? ` (${failures.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
  ];
  if (skipped) parts.push(`${skipped} skipped at the deadline`);
  return parts.join('; ');
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** GitHub escapes for annotation messages. */
function escapeAnnotation(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The job summary: counts by outcome, zones transferred, slowest addresses. */
export function scanSummaryMarkdown(report: Report): string {
  const byOutcome = new Map<string, number>();
  const zones = new Set<string>();
  const byAddress = new Map<string, number>();
  for (const t of report.targets) {
    byOutcome.set(t.outcome, (byOutcome.get(t.outcome) ?? 0) + 1);
    if (t.outcome === 'transferred') zones.add(t.zone);
    byAddress.set(t.address, (byAddress.get(t.address) ?? 0) + (t.durationMs ?? 0));
  }
  const rows = [...byOutcome].sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${k} | ${v} |`);
  const slow = [...byAddress]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([a, ms]) => `| ${a} | ${(ms / 1000).toFixed(1)} s |`);
  return (
    [
      `## zonelog scan${report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : ''}`,
      '',
      `${report.targets.length} targets, ${zones.size} zones transferred.`,
      '',
      '| outcome | targets |',
      '| --- | --- |',
      ...rows,
      '',
      '| slowest addresses | time spent |',
      '| --- | --- |',
      ...slow,
      '',
    ].join('\n') + '\n'
  );
}

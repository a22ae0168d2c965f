/**
 * Benchmark of the lab (issue "The lab"): `zonelog lab --zones 1500` (1,500 TLDs
 * on 300 TLD server addresses, the lab's default of one address per 5 TLDs) in a
 * child process: the time until it prints its summary, its RSS then, and its
 * peak RSS (VmHWM) after it served a full `zonelog scan` of its world. See
 * `node dist/bench/run.js lab --help`.
 *
 * Also exports LabProcess, a lab in a child process, used by bench/scan.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pickFreePort } from '../test/support/servers.js';
import {
  REPO_ROOT,
  benchArgs,
  type CommonOptions,
  fmt,
  keepTempDir,
  loadAverage,
  log,
  machineFacts,
  makeTempDir,
  markdownTable,
  measure,
  median,
  procStatusKiB,
  removeTempDir,
  replaceSection,
  trackProcessGroup,
  untrackProcessGroup,
  zonelogBuild,
  type Measurement,
  type ZonelogBuild,
  wholeNumber,
  procCpuS,
} from './lib.js';

export const description = 'The lab: zonelog lab --zones 1500 (300 addresses) start time and RSS, ready and after serving a full scan';

const HEADING = '## The lab (issue: the lab)';
const GOALS = { startS: 10, rssMiB: 1024 };

const USAGE = `usage: node dist/bench/run.js lab [options]

  --zones N          generated TLDs (default 1500; the lab puts one server address per 5 TLDs)
  --runs N           lab starts, each followed by a full scan (default 3)
  --seed N           world seed (default 1)
  --timeout S        the scan's idle timeout in seconds (default 5)
  --no-scan          only start and stop the lab (no RSS after a scan)
  --no-report        do not touch BENCHMARKS.md (print the section instead)
  --rev REV          benchmark zonelog as of this git revision (built into bench/out/);
                     default: a private copy of the current dist/src (build it first)
  --keep             keep the temporary folder
`;

interface Options extends CommonOptions {
  zones: number;
  runs: number;
  seed: number;
  timeoutS: number;
  scan: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const parsed = benchArgs(
    argv,
    {
      zones: { type: 'string', default: '1500' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '5' },
      'no-scan': { type: 'boolean', default: false },
    } as const,
    USAGE,
  );
  if (!parsed) return undefined;
  const { values, common } = parsed;
  const int = wholeNumber;
  return {
    zones: int('zones', values.zones!, 1),
    runs: int('runs', values.runs!, 1),
    seed: int('seed', values.seed!, 1),
    timeoutS: int('timeout', values.timeout!, 1),
    scan: !values['no-scan'],
    ...common,
  };
}

// ---------------------------------------------------------------------------
// A lab in a child process.

/**
 * A lab server in its own process group (killed with the benchmark if it dies),
 * read line by line.
 */
export class LabProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  private buffered = '';
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  private stderrTail = '';
  private exitInfo: string | undefined;
  readonly exited: Promise<void>;

  constructor(argv: string[], opts: { stdin: boolean }) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true, cwd: REPO_ROOT });
    this.pid = this.child.pid!;
    trackProcessGroup(this.pid);
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => {
      this.buffered += s;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        this.lines.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, sig) => {
        this.exitInfo = `exited (${sig ?? code})`;
        untrackProcessGroup(this.pid);
        this.wake();
        resolve();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** Every line read so far, including those already consumed. */
  readonly all: string[] = [];

  /** The next line of stdout (consumed), or an error when the process ends or `timeoutMs` passes first. */
  async nextLine(timeoutMs: number): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        this.all.push(line);
        return line;
      }
      if (this.exitInfo) throw new Error(`the lab ${this.exitInfo}: ${this.stderrTail.trim() || '(no stderr)'}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`the lab printed nothing for ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a command line (lab-server protocol) and returns its JSON answer. */
  async command(cmd: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    this.child.stdin!.write(`${cmd}\n`);
    return JSON.parse(await this.nextLine(timeoutMs)) as Record<string, unknown>;
  }

  status(): Record<string, number> | undefined {
    return procStatusKiB(this.pid);
  }

  /** SIGTERM, then SIGKILL to the group after `graceMs`. Returns seconds until it exited. */
  async stop(graceMs = 15_000): Promise<number> {
    const t0 = performance.now();
    if (this.exitInfo) return 0;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => {
      log(`the lab (pid ${this.pid}) did not stop in ${graceMs / 1000} s: SIGKILL`);
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything it started in its group goes too.
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      /* none left */
    }
    return (performance.now() - t0) / 1000;
  }
}

// ---------------------------------------------------------------------------
// The benchmark.

interface Run {
  port: number;
  readyS: number;
  startCpuS: number;
  rssReadyMiB: number;
  hwmReadyMiB: number;
  scan?: Measurement;
  scanTargets?: number;
  scanOutcomes?: Record<string, number>;
  hwmAfterMiB?: number;
  rssAfterMiB?: number;
  serveCpuS?: number;
  stopS: number;
  summary: string;
  summaryTargets: number;
}

const kib2mib = (k: number | undefined) => (k === undefined ? NaN : k / 1024);

async function oneRun(opts: Options, zl: ZonelogBuild, tmp: string, index: number): Promise<Run> {
  for (let attempt = 0; ; attempt++) {
    const port = await pickFreePort();
    const argv = [process.execPath, zl.bin, 'lab', '--zones', String(opts.zones), '--seed', String(opts.seed), '--port', String(port)];
    const t0 = performance.now();
    const lab = new LabProcess(argv, { stdin: false });
    try {
      let readyS: number;
      for (;;) {
        const line = await lab.nextLine(120_000);
        if (line.startsWith('scan it:')) {
          readyS = (performance.now() - t0) / 1000;
          break;
        }
      }
      const ready = lab.status();
      const startCpuS = procCpuS(lab.pid) ?? NaN;
      const summary = lab.all.join('\n');
      const summaryTargets = Number(/^targets: (\d+)/m.exec(summary)?.[1] ?? NaN);
      const roots = /^root servers: (.*)$/m.exec(summary)?.[1]?.trim().split(/\s+/) ?? [];
      log(
        `run ${index}: lab ready in ${fmt(readyS)} s (pid ${lab.pid}, port ${port}), VmRSS ${fmt(kib2mib(ready?.VmRSS), 0)} MiB, VmHWM ${fmt(kib2mib(ready?.VmHWM), 0)} MiB`,
      );
      const run: Run = {
        port,
        readyS,
        startCpuS,
        rssReadyMiB: kib2mib(ready?.VmRSS),
        hwmReadyMiB: kib2mib(ready?.VmHWM),
        stopS: NaN,
        summary,
        summaryTargets,
      };
      if (opts.scan) {
        const out = path.join(tmp, `scan-${index}`);
        const json = path.join(tmp, `scan-${index}.json`);
        const scanArgv = [
          process.execPath,
          zl.bin,
          'scan',
          '--root',
          roots.join(','),
          '--port',
          String(port),
          '--out',
          out,
          '--timeout',
          String(opts.timeoutS),
          '--json',
        ];
        const m = await measure([{ argv: scanArgv }], { stdout: json, scratchDir: tmp, timeoutMs: 15 * 60_000 });
        const j = JSON.parse(fs.readFileSync(json, 'utf8')) as { targets: number; outcomes: Record<string, number> };
        const after = lab.status();
        run.scan = m;
        run.scanTargets = j.targets;
        run.scanOutcomes = j.outcomes;
        run.hwmAfterMiB = kib2mib(after?.VmHWM);
        run.rssAfterMiB = kib2mib(after?.VmRSS);
        run.serveCpuS = (procCpuS(lab.pid) ?? NaN) - startCpuS;
        log(
          `run ${index}: scan ${fmt(m.wallS)} s, ${j.targets} targets (lab says ${summaryTargets}); ` +
            `lab VmHWM ${fmt(run.hwmAfterMiB, 0)} MiB, VmRSS ${fmt(run.rssAfterMiB, 0)} MiB, ${fmt(run.serveCpuS, 1)} CPU s serving`,
        );
        fs.rmSync(out, { recursive: true, force: true });
        fs.rmSync(json, { force: true });
      }
      run.stopS = await lab.stop();
      return run;
    } catch (e) {
      await lab.stop();
      // Another program holds the port on one of the 300 addresses: try another.
      if (attempt < 3 && /already in use/.test((e as Error).message)) {
        log(`port ${port} taken on some address; retrying`);
        continue;
      }
      throw e;
    }
  }
}

function section(opts: Options, runs: Run[], zl: ZonelogBuild, command: string, loadBefore: string, loadAfter: string): string {
  const facts = machineFacts().filter((f) => ['nproc', 'CPU', 'memory', 'kernel', 'node'].includes(f.label));
  const med = (f: (r: Run) => number | undefined) => median(runs.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x)));
  const ready = med((r) => r.readyS);
  const hwmAfter = med((r) => r.hwmAfterMiB);
  const hwmReady = med((r) => r.hwmReadyMiB);
  const peak = opts.scan ? hwmAfter : hwmReady;
  const rows = runs.map((r, i) => [
    String(i + 1),
    fmt(r.readyS),
    fmt(r.startCpuS),
    fmt(r.rssReadyMiB, 0),
    fmt(r.hwmReadyMiB, 0),
    r.scan ? `${fmt(r.scan.wallS, 1)} (${r.scanTargets} targets)` : '—',
    r.serveCpuS !== undefined ? fmt(r.serveCpuS, 1) : '—',
    r.rssAfterMiB !== undefined ? fmt(r.rssAfterMiB, 0) : '—',
    r.hwmAfterMiB !== undefined ? fmt(r.hwmAfterMiB, 0) : '—',
    fmt(r.stopS),
  ]);
  rows.push([
    '**median**',
    `**${fmt(ready)}**`,
    fmt(med((r) => r.startCpuS)),
    fmt(
      med((r) => r.rssReadyMiB),
      0,
    ),
    fmt(hwmReady, 0),
    opts.scan
      ? fmt(
          med((r) => r.scan?.wallS),
          1,
        )
      : '—',
    opts.scan
      ? fmt(
          med((r) => r.serveCpuS),
          1,
        )
      : '—',
    opts.scan
      ? fmt(
          med((r) => r.rssAfterMiB),
          0,
        )
      : '—',
    opts.scan ? `**${fmt(hwmAfter, 0)}**` : '—',
    fmt(med((r) => r.stopS)),
  ]);
  const first = runs[0]!;
  const summaryLines = first.summary.split('\n').filter((l) => /^(zones|addresses|targets|expected outcomes):/.test(l));
  const sameTargets = runs.every((r) => r.scanTargets === undefined || r.scanTargets === r.summaryTargets);
  const outcomes = first.scanOutcomes
    ? Object.entries(first.scanOutcomes)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')
    : '';
  // The summary's "expected outcomes: refused 2503, notauth 1054, …" against the scan's counts.
  const expectedCounts = (r: Run) => {
    const line = /^expected outcomes: (.*)$/m.exec(r.summary)?.[1] ?? '';
    return Object.fromEntries(
      line
        .split(', ')
        .map((x) => x.split(' '))
        .map(([k, v]) => [k!, Number(v)]),
    );
  };
  const sameCounts = (r: Run) => {
    if (!r.scanOutcomes) return true;
    const e = expectedCounts(r);
    const keys = new Set([...Object.keys(e), ...Object.keys(r.scanOutcomes)]);
    return [...keys].every((k) => (e[k] ?? 0) === (r.scanOutcomes![k] ?? 0));
  };
  const countsOk = runs.every(sameCounts);
  return [
    `Produced by: \`${command}\` (bench/lab.ts). Each run starts \`zonelog lab --zones ${opts.zones} --seed ${opts.seed} --port P\` as a child process, ` +
      'waits for its summary (the last line, `scan it: …`, is "ready"), reads VmRSS and VmHWM from `/proc/PID/status`, ' +
      (opts.scan ? `runs \`zonelog scan --root … --port P --out DIR --timeout ${opts.timeoutS} --json\` over the whole world, reads them again, ` : '') +
      'then stops the lab with SIGTERM. ' +
      `${runs.length} runs; the machine (2 cores) is shared with other work, so the summary row gives **medians**.`,
    '',
    `zonelog under test (lab and scanner): ${zl.describe}.`,
    '',
    `Machine: ${facts.map((f) => `${f.label} ${f.value}`).join('; ')}. Load average ${loadBefore} before, ${loadAfter} after.`,
    '',
    `The world (default mix and sizes, seed ${opts.seed}), as the lab prints it:`,
    '',
    '```',
    ...summaryLines,
    '```',
    '',
    markdownTable(
      [
        'run',
        'ready s',
        'CPU s to ready',
        'VmRSS ready MiB',
        'VmHWM ready MiB',
        'scan wall s',
        'lab CPU s serving the scan',
        'VmRSS after scan MiB',
        'VmHWM after scan MiB',
        'stop s',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    markdownTable(
      ['goal', 'median', 'met?'],
      [
        [`ready in < ${GOALS.startS} s`, `${fmt(ready)} s`, ready < GOALS.startS ? 'met' : '**not met**'],
        [
          `peak RSS < 1 GB (${GOALS.rssMiB} MiB)${opts.scan ? ', VmHWM after serving the full scan' : ', VmHWM when ready (no scan run)'}`,
          `${fmt(peak, 0)} MiB`,
          peak < GOALS.rssMiB ? 'met' : '**not met**',
        ],
      ],
      ['l', 'r', 'l'],
    ),
    '',
    opts.scan
      ? `- The scan saw ${first.scanTargets} targets, the lab's summary ${first.summaryTargets}: ${sameTargets ? 'the same in every run' : '**they differ**'}. Outcomes (run 1): ${outcomes}; ` +
        `${countsOk ? "in every run the same counts as the summary's expected outcomes" : "**the counts differ from the summary's expected outcomes** in some run"} ` +
        '(the summary is computed for the default 10 s idle timeout; with 5 s no outcome of this world changes). ' +
        'The scan is there to make the lab generate, encode and serve every transferable zone; its own figures are in the scan section.'
      : '- No scan (`--no-scan`): the RSS is the lab idle after start.',
    '- "ready" includes starting node, building the world, binding TCP and UDP on every address and computing the expected outcomes that the summary counts.',
  ].join('\n');
}

export async function run(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if (!opts) return;
  const tmp = makeTempDir('zonelog-bench-lab-');
  if (opts.keep) keepTempDir(tmp);
  log(`temporary folder ${tmp}`);
  const command = `npm run bench -- lab${argv.length ? ' ' + argv.join(' ') : ''}`;
  try {
    const zl = zonelogBuild(opts.rev);
    log(`zonelog under test: ${zl.describe}`);
    const loadBefore = loadAverage();
    const runs: Run[] = [];
    for (let i = 1; i <= opts.runs; i++) runs.push(await oneRun(opts, zl, tmp, i));
    const body = section(opts, runs, zl, command, loadBefore, loadAverage());
    if (opts.report) {
      const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
      replaceSection(file, HEADING, body);
      log(`wrote ${file}`);
    }
    process.stdout.write(`${HEADING}\n\n${body}\n`);
  } finally {
    if (!opts.keep) removeTempDir(tmp);
  }
}

/**
 * Helpers shared by the benchmarks: temporary folders that are always cleaned up (try/finally in the benchmark, plus
 * signal and exit handlers here), timing a command or a pipeline with the peak
 * RSS of each of its processes (GNU time), medians, and the markdown section of
 * BENCHMARKS.md.
 *
 * Everything here talks only to 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Rng } from '../src/lab/rng.js';
import { type RunningServer, startServer } from '../test/support/servers.js';

/** The repository root (this file is compiled to dist/bench/lib.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GNU_TIME = '/usr/bin/time';

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------
// Cleanup: every measured process group and temp folder we made (servers.ts stops its servers itself).

const liveGroups = new Set<number>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

/** Synchronous: usable from signal and exit handlers. */
export function cleanupSync(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  liveGroups.clear();
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: NodeJS.Signals, code: number) => {
    log(`${sig}: stopping servers and removing temporary files`);
    cleanupSync();
    process.exit(code);
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('SIGHUP', () => onSignal('SIGHUP', 129));
  process.on('exit', () => cleanupSync());
}

/** A fresh folder under the system temp dir, removed by `removeTempDir` or at exit. */
export function makeTempDir(prefix: string): string {
  installCleanupHandlers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Keeps a folder at exit (for --keep). */
export function keepTempDir(dir: string): void {
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------
// A pinned zonelog build. Others may rebuild dist/ while a benchmark runs, so a
// benchmark never runs dist/src in place: it runs a private copy of it, or a
// build of one git revision, under bench/out/ (ignored by git; inside the
// repository so that node_modules and package.json's "type" still apply).

export interface ZonelogBuild {
  /** The entry point to run with node. */
  bin: string;
  /** What was built: `dist/src as built from the work tree at <sha> (src modified)` or `git <sha>`. */
  describe: string;
  dir: string;
}

export function zonelogBuild(rev: string | undefined): ZonelogBuild {
  installCleanupHandlers();
  const outRoot = path.join(REPO_ROOT, 'bench', 'out');
  fs.mkdirSync(outRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(outRoot, 'zonelog-'));
  tempDirs.add(dir);
  const git = (...args: string[]) => {
    const r = capture('git', ['-C', REPO_ROOT, ...args]);
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  if (rev === undefined) {
    const src = path.join(REPO_ROOT, 'dist', 'src');
    if (!fs.existsSync(path.join(src, 'cli', 'bin.js'))) throw new Error('dist/src/cli/bin.js is missing: run `npm run build` first');
    fs.cpSync(src, path.join(dir, 'dist', 'src'), { recursive: true });
    const head = git('rev-parse', '--short=12', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return {
      bin: path.join(dir, 'dist', 'src', 'cli', 'bin.js'),
      dir,
      describe: `dist/src as built from the work tree (HEAD ${head}${dirty ? ', src/ has uncommitted changes' : ''})`,
    };
  }
  const sha = git('rev-parse', '--verify', `${rev}^{commit}`);
  const tar = spawnSync('sh', ['-c', `git -C ${shellQuote(REPO_ROOT)} archive ${sha} src tsconfig.json | tar -x -C ${shellQuote(dir)}`], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`git archive ${sha}: ${tar.stderr}`);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.pinned.json'),
    JSON.stringify({ extends: './tsconfig.json', include: ['src/**/*.ts'], compilerOptions: { outDir: 'dist', rootDir: '.', sourceMap: true } }),
  );
  const tsc = capture(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.pinned.json')]);
  if (tsc.status !== 0) throw new Error(`building zonelog at ${sha} failed:\n${tsc.stdout}${tsc.stderr}`);
  const named = sha.startsWith(rev.toLowerCase()) ? '' : ` (${rev})`;
  return { bin: path.join(dir, 'dist', 'src', 'cli', 'bin.js'), dir, describe: `git ${sha.slice(0, 12)}${named}, built into bench/out/` };
}

// ---------------------------------------------------------------------------
// Small process helpers.

/** Runs a short command and returns its stdout and stderr (never throws on exit code). */
export function capture(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// ---------------------------------------------------------------------------
// Knot on loopback: test/support/servers.ts starts it, for the tests and the benchmarks alike.

/** Knot serving one zone file on 127.0.0.1, and how long it took to answer for it. */
export async function startKnot(opts: {
  zone: string;
  file: string;
  workers: number;
  readyTimeoutMs: number;
}): Promise<{ server: RunningServer; loadMs: number }> {
  const started = Date.now();
  const server = await startServer('knot', {
    zones: [{ name: opts.zone, file: opts.file, allowTransfer: true }],
    workers: opts.workers,
    startTimeoutMs: opts.readyTimeoutMs,
  });
  return { server, loadMs: Date.now() - started };
}

export interface Stage {
  argv: string[];
}

interface StageResult {
  argv: string[];
  exitStatus: number;
  /** Peak resident set size (ru_maxrss), KiB. */
  maxRssKiB: number;
  userS: number;
  sysS: number;
}

export interface Measurement {
  wallS: number;
  stages: StageResult[];
  /** Largest peak RSS of the processes, MiB. */
  maxRssMiB: number;
  /** Sum of the processes' peak RSS, MiB (an upper bound of the pipeline's peak). */
  sumRssMiB: number;
  /** User + system CPU seconds of all processes. */
  cpuS: number;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function commandText(stages: Stage[], stdout?: string): string {
  return stages.map((s) => s.argv.map(shellQuote).join(' ')).join(' | ') + (stdout ? ` > ${shellQuote(stdout)}` : '');
}

/**
 * Runs `stages` (one command, or a pipeline through `sh -c`), each process under
 * GNU time (`%M` = its own ru_maxrss, in KiB), with stdout of the last stage sent
 * to `stdout` (or /dev/null). Wall time is measured here, around the whole thing.
 * Fails when any process exits non-zero.
 */
export async function measure(stages: Stage[], opts: { stdout?: string; scratchDir: string; timeoutMs?: number }): Promise<Measurement> {
  const timeFiles = stages.map((_, i) => path.join(opts.scratchDir, `.time-${process.pid}-${i}`));
  for (const f of timeFiles) fs.rmSync(f, { force: true });
  const wrapped = stages.map((s, i) => [GNU_TIME, '-f', '%x %M %U %S', '-o', timeFiles[i]!, ...s.argv]);
  const outFd = fs.openSync(opts.stdout ?? '/dev/null', 'w');
  const errFile = path.join(opts.scratchDir, `.stderr-${process.pid}`);
  const errFd = fs.openSync(errFile, 'w');
  let argv: string[];
  if (wrapped.length === 1) argv = wrapped[0]!;
  else argv = ['sh', '-c', wrapped.map((w) => w.map(shellQuote).join(' ')).join(' | ')];
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', outFd, errFd], detached: true });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  liveGroups.add(child.pid!);
  let timedOut = false;
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        process.kill(-child.pid!, 'SIGKILL');
      }, opts.timeoutMs)
    : undefined;
  const status = await new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve(sig ?? code ?? -1));
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (timer) clearTimeout(timer);
  liveGroups.delete(child.pid!);
  const stderr = fs.readFileSync(errFile, 'utf8');
  fs.rmSync(errFile, { force: true });
  if (timedOut) throw new Error(`\`${commandText(stages, opts.stdout)}\` killed after ${opts.timeoutMs! / 1000} s: ${stderr.slice(-2000)}`);
  const results: StageResult[] = stages.map((s, i) => {
    let text = '';
    try {
      text = fs.readFileSync(timeFiles[i]!, 'utf8');
    } catch {
      /* missing: handled below */
    }
    fs.rmSync(timeFiles[i]!, { force: true });
    // GNU time writes "Command exited with non-zero status N" (or "terminated by signal") before the format line.
    const last = text.trim().split('\n').pop() ?? '';
    const m = /^(-?\d+) (\d+) ([\d.]+) ([\d.]+)$/.exec(last);
    if (!m) throw new Error(`no GNU time result for \`${s.argv.join(' ')}\` (exit ${status}): ${text.trim()} ${stderr.slice(-2000)}`);
    return { argv: s.argv, exitStatus: Number(m[1]), maxRssKiB: Number(m[2]), userS: Number(m[3]), sysS: Number(m[4]) };
  });
  const failed = results.find((r) => r.exitStatus !== 0);
  if (status !== 0 || failed) {
    throw new Error(`\`${commandText(stages, opts.stdout)}\` failed (exit ${failed ? failed.exitStatus : status}): ${stderr.slice(-2000)}`);
  }
  const rss = results.map((r) => r.maxRssKiB / 1024);
  return {
    wallS,
    stages: results,
    maxRssMiB: Math.max(...rss),
    sumRssMiB: rss.reduce((a, b) => a + b, 0),
    cpuS: results.reduce((a, r) => a + r.userS + r.sysS, 0),
  };
}

// ---------------------------------------------------------------------------
// Statistics and formatting.

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function markdownTable(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const sep = headers.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), `| ${sep.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The line where the section whose heading is at `start` ends: the next heading of its level or higher, or the end. */
function sectionEnd(lines: string[], start: number, level: number): number {
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^(#+)\s/.exec(lines[i]!);
    if (m && m[1]!.length <= level) return i;
  }
  return lines.length;
}

/**
 * Replaces the section that starts with the line `heading` (up to the next
 * heading of the same or a higher level) in `file`, or appends it; the rest of
 * the file is left as it is.
 */
export function replaceSection(file: string, heading: string, body: string): void {
  const level = /^#+/.exec(heading)![0].length;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  const section = `${heading}\n\n${body.trim()}\n`;
  let out: string;
  if (start < 0) {
    out = `${text.trimEnd()}\n\n${section}`;
  } else {
    const end = sectionEnd(lines, start, level);
    const before = lines.slice(0, start).join('\n').trimEnd();
    const after = lines.slice(end).join('\n').trim();
    out = `${before ? before + '\n\n' : ''}${section}${after ? '\n' + after + '\n' : ''}`;
  }
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, file);
}

/** The text of one section of a markdown file (without its heading), or undefined. */
export function readSection(file: string, heading: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const level = /^#+/.exec(heading)![0].length;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  if (start < 0) return undefined;
  return lines.slice(start + 1, sectionEnd(lines, start, level)).join('\n');
}

/** Facts about this machine and the tools, one per line. */
export function machineFacts(): { label: string; value: string }[] {
  const first = (r: { stdout: string; stderr: string }) => (r.stdout.trim() || r.stderr.trim()).split('\n')[0]!;
  const cpus = os.cpus();
  return [
    { label: 'nproc', value: String(os.availableParallelism()) },
    { label: 'CPU', value: cpus[0]?.model ?? 'unknown' },
    { label: 'memory', value: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB` },
    { label: 'kernel', value: `${os.type()} ${os.release()}` },
    { label: 'node', value: process.version },
    { label: '', value: first(capture('knotd', ['--version'])) },
    { label: '', value: first(capture('kdig', ['--version'])) },
    { label: '', value: first(capture('dig', ['-v'])) },
    { label: '', value: first(capture('ldns-read-zone', ['-v'])) },
  ];
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

// ---------------------------------------------------------------------------
// Long-running helper processes (a lab server) that must not outlive the benchmark.

/**
 * Kills the process group `pgid` (a child spawned with `detached: true`) with
 * SIGKILL if the benchmark exits or is interrupted before `untrackProcessGroup`.
 */
export function trackProcessGroup(pgid: number): void {
  installCleanupHandlers();
  liveGroups.add(pgid);
}

export function untrackProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
export function procCpuS(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Fields of /proc/PID/status in KiB (VmRSS, VmHWM, …), or undefined once the process is gone. */
export function procStatusKiB(pid: number): Record<string, number> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

// ---------------------------------------------------------------------------
// Sizes on disk, CPU profiles and git trace2 timings (bench/publish.ts, bench/history.ts).

/** Bytes of all regular files under `dir` (like `du -sb`, without directory entries). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

export interface ProfileEntry {
  /** `function (file:line)`, or V8's `(idle)`, `(program)`, `(garbage collector)`. */
  name: string;
  selfMs: number;
  share: number;
}

/** The functions with the most self time in a `node --cpu-prof` profile. */
export function cpuProfileTop(file: string, n = 10): { totalMs: number; top: ProfileEntry[] } {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd]));
  const self = new Map<string, number>();
  let totalUs = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    totalUs += dt;
    const cf = byId.get(id)?.callFrame;
    if (!cf) return;
    const where = cf.url ? ` (${cf.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:')}:${cf.lineNumber + 1})` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: totalUs ? us / totalUs : 0 }));
  return { totalMs: totalUs / 1000, top };
}

export interface GitProcess {
  argv: string[];
  /** Seconds from the process's start to its exit. */
  elapsedS: number;
}

/** The git processes recorded in a GIT_TRACE2_EVENT file (top-level ones only: their own children are inside their time). */
export function gitTrace(file: string): GitProcess[] {
  if (!fs.existsSync(file)) return [];
  const starts = new Map<string, string[]>();
  const out: GitProcess[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    let ev: { event?: string; sid?: string; argv?: string[]; t_abs?: number };
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    if (!ev.sid || ev.sid.includes('/')) continue;
    if (ev.event === 'start' && ev.argv) starts.set(ev.sid, ev.argv);
    else if (ev.event === 'exit' && starts.has(ev.sid)) out.push({ argv: starts.get(ev.sid)!, elapsedS: ev.t_abs ?? 0 });
  }
  return out;
}

/** A command-line value as a whole number of at least `min` (underscores allowed: 1_000_000). */
export function wholeNumber(name: string, v: string, min: number): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
}

/** The options every benchmark takes besides its own. */
const COMMON_OPTIONS = {
  'no-report': { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
  rev: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface CommonOptions {
  /** Write the section into BENCHMARKS.md (else print it). */
  report: boolean;
  /** Keep the temporary folder. */
  keep: boolean;
  /** Benchmark zonelog as of this git revision. */
  rev: string | undefined;
}

/**
 * A benchmark's command line: its own options and the common ones, strictly.
 * Undefined after --help (the usage is printed) or a bad option (one line on stderr, exit code 1).
 */
export function benchArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], own: T, usage: string) {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: T & typeof COMMON_OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs<{ args: string[]; options: T & typeof COMMON_OPTIONS; strict: true }>({
      args: argv,
      options: { ...own, ...COMMON_OPTIONS },
      strict: true,
    }));
  } catch (e) {
    // An unknown option or a missing value: one line, exit 1.
    process.stderr.write(`bench: ${(e as Error).message} (see --help)\n`);
    process.exitCode = 1;
    return undefined;
  }
  const all = values as Record<string, string | boolean | undefined>;
  if (all.help) {
    process.stdout.write(usage);
    return undefined;
  }
  const common: CommonOptions = { report: !all['no-report'], keep: Boolean(all.keep), rev: all.rev as string | undefined };
  return { values, common };
}

/** The lab's seeded generator (src/lab/rng.ts) as a function of no arguments, uniform in [0, 1). */
export function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.float();
}

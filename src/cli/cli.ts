/**
 * The `zonelog` command line (docs/architecture.md §9). This is the only module that touches
 * `process`: `main()` takes the arguments and the streams and returns the exit
 * code (0 success, 1 usage error, 2 the work failed), so tests call it directly.
 * The commands and their options are the table in options.ts.
 */
import { Command, CommanderError } from 'commander';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { formatAddress, parseAddress, type ServerAddress } from '../dns/address.js';
import { CONFIG_FILE, addExclusion, loadConfig } from '../scan/config.js';
import { delegationsFromZoneText, parseZoneList } from '../scan/discovery.js';
import type { TransferLimits } from '../axfr/limits.js';
import { textToName } from '../dns/name.js';
import { DEFAULT_ROOTS } from '../scan/roots.js';
import { parseShard } from '../scan/targets.js';
import type { Identity } from '../publish/commit.js';
import type { HistoryRepo } from '../history/history.js';
import type { Written } from '../fs/atomic.js';
import type { TransferResult } from '../axfr/transfer.js';
import { DateError, gitDate, parseDate, requireDate, type DayEnd } from '../history/dates.js';
import { addCommand } from './options.js';
import { parseIdentity } from './parse.js';
import { renderTable, type Format, type Table } from './table.js';
import { UsageError, describeFailure } from './errors.js';
import { findRepo } from '../git/git.js';
// Each command loads the modules it runs when it runs (below, `await import`):
// `zonelog log` should not pay for loading the scanner, the lab or the decoder.

export { parseSize } from './parse.js';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (live progress bar). */
  isTTY?: boolean;
  /** The current folder (default: the process's). */
  cwd?: string;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode.value;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were printed by commander.
      return e.exitCode === 0 ? 0 : 1;
    }
    if (e instanceof UsageError || e instanceof DateError) {
      io.stderr.write(`zonelog: ${e.message}\n`);
      return 1;
    }
    const failure = describeFailure(e);
    if (failure) {
      io.stderr.write(`zonelog: ${failure}\n`);
      return 2;
    }
    throw e;
  } finally {
    exitCode.value = 0;
  }
}

/** commander's usage messages, said plainly: `zonelog: --timeout: expected …`. */
function plainUsage(s: string): string {
  return s
    .replace(/^error: option '(?:-\w, )?(--[\w-]+)[^']*' argument '[^']*' is invalid\. /, 'zonelog: $1: ')
    .replace(/^error: command-argument value '[^']*' is invalid for argument '([\w.]+)'\. /, (_, a: string) => `zonelog: ${a.toUpperCase()}: `)
    .replace(/^error: /, 'zonelog: ')
    .replace(/\n\(Did you mean (.*)\?\)\n?$/, ' (did you mean $1?)\n')
    .replace(/Allowed choices are (.*)\.$/m, 'expected one of $1');
}

/** Set by a command's action: 2 when the work failed. */
const exitCode = { value: 0 };

/** The version in package.json, found above this module (src/cli or dist/src/cli). */
function version(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'zonelog' && pkg.version) return pkg.version;
    } catch {
      /* not here */
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function buildProgram(io: Io): Command {
  const program = new Command('zonelog')
    .description('Archive DNS zones that their servers hand out by zone transfer (AXFR), as canonical text in git.')
    .version(version(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(plainUsage(s)),
    })
    .showSuggestionAfterError();
  const command = (name: string) => addCommand(program, name).exitOverride();

  command('axfr').action(async (zone: string, opts: AxfrOptions) => {
    exitCode.value = await axfrCommand(zone, opts, io);
  });

  command('scan').action(async (opts: ScanCliOptions) => {
    const r = await scanCommand(opts, io, true);
    if (opts.json) io.stdout.write(JSON.stringify(r.summary) + '\n');
    exitCode.value = r.code;
  });

  command('publish').action(async (dirs: string[], opts: PublishCliOptions) => {
    const author = authorOf(opts, io);
    const r = await publishCommand(dirs, { ...opts, author }, io);
    if (opts.json && r.summary) io.stdout.write(JSON.stringify(r.summary) + '\n');
    exitCode.value = r.code;
  });

  command('run').action(async (opts: ScanCliOptions & PublishCliOptions) => {
    exitCode.value = await runCommand(opts, io);
  });

  command('lab').action(
    async (opts: {
      zones: number;
      seed: number;
      port: number;
      rootZone?: string;
      rounds: number;
      every: number;
      latency?: true | { min: number; max: number };
      silentAddresses: boolean;
      droppers?: number;
    }) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const { runLab } = await import('../lab/lab.js');
        const silence = {
          latency: opts.latency === true ? { min: 20, max: 300 } : opts.latency,
          silentAddresses: opts.silentAddresses ? {} : undefined,
          droppers: opts.droppers,
        };
        exitCode.value = await runLab(
          {
            zones: opts.zones,
            seed: opts.seed,
            port: opts.port,
            rootZoneFile: opts.rootZone,
            below: opts.rootZone === undefined,
            rounds: opts.rounds,
            everyMs: opts.every,
            ...silence,
          },
          io,
          stop.signal,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );

  command('demo').action(async (opts: { zones: number; seed: number; dir?: string }) => {
    const { runDemo } = await import('../lab/demo.js');
    exitCode.value = await runDemo({ zones: opts.zones, seed: opts.seed, dir: opts.dir, env: io.env }, io.stdout);
  });

  command('site').action(async (opts: { archive: string; out: string; minChange: number; recentDays: number; baseUrl?: string }) => {
    const [{ findRepo }, { buildSite, SiteError }] = await Promise.all([import('../git/git.js'), import('../site/site.js')]);
    const archiveDir = path.resolve(cwdOf(io), opts.archive);
    const repoDir = findRepo(archiveDir);
    if (!repoDir) throw new UsageError(`${archiveDir} is not inside a git repository`);
    try {
      const r = await buildSite({
        repoDir,
        archive: path.relative(repoDir, archiveDir) || '.',
        outDir: path.resolve(cwdOf(io), opts.out),
        env: io.env,
        minChange: opts.minChange,
        recentDays: opts.recentDays,
        baseUrl: opts.baseUrl,
      });
      io.stdout.write(
        `site: ${r.zones} zones (${r.transferable} transferable now), ${r.zonePagesWritten} zone pages written, ${r.events} events in the feed\n`,
      );
      io.stdout.write(`open ${path.join(r.outDir, 'index.html')}\n`);
      if (r.cacheError) io.stderr.write(`zonelog: the build cache was not kept (${r.cacheError}): the next build reads the whole history\n`);
    } catch (e) {
      if (e instanceof SiteError) throw new UsageError(e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (!code) throw e;
      // The site could not be written (permissions, disk full …): failed work.
      io.stderr.write(`zonelog: could not write the site: ${(e as Error).message}\n`);
      exitCode.value = 2;
    }
  });

  command('log').action(async (zone: string, opts: HistoryCliOptions & TableCliOptions & { since?: string; until?: string }, cmd: Command) => {
    const format = tableFormat(opts, cmd);
    const range = { since: dateOption(opts.since, 'start'), until: dateOption(opts.until, 'end') };
    exitCode.value = await history(io, opts, async (h, q) => {
      const entries = await q.zoneLog(h, zone, range);
      if (format === 'json') return entries;
      return table(
        ['date', 'commit', 'serial', 'added', 'removed'],
        entries.map((e) => [
          e.date,
          e.commit.slice(0, 12),
          e.serial,
          format === 'table' ? `+${e.added}` : e.added,
          format === 'table' ? `-${e.removed}` : e.removed,
        ]),
        format,
        opts.header,
      );
    });
  });

  command('diff').action(async (zone: string, opts: HistoryCliOptions & { from?: string; to?: string; type?: string; name?: string }) => {
    const points = { ...opts, from: pointOption(opts.from), to: pointOption(opts.to) };
    exitCode.value = await history(io, opts, async (h, q) => {
      const d = await q.zoneDiff(h, zone, points);
      return opts.json ? d : { raw: d.lines.map((l) => l + '\n').join('') };
    });
  });

  command('when').action(async (name: string, opts: HistoryCliOptions & TableCliOptions & { zone?: string; below: boolean }, cmd: Command) => {
    const format = tableFormat(opts, cmd);
    exitCode.value = await history(io, opts, async (h, q) => {
      const list = await q.whenName(h, name, opts);
      if (format === 'json') return list;
      // The record is the last column: its own tabs stay, so `cut -f4-` gives the canonical line.
      return table(
        ['first', 'last', 'zone', 'record'],
        list.map((p) => [p.first.date, p.present ? 'now' : p.last.date, p.zone, p.record]),
        format,
        opts.header,
      );
    });
  });

  command('show').action(async (zone: string, opts: HistoryCliOptions & { at?: string }) => {
    const at = pointOption(opts.at);
    exitCode.value = await history(io, opts, async (h, q) => {
      const text = await q.showZone(h, zone, at);
      return opts.json ? { zone, at: opts.at ?? 'HEAD', text } : { raw: text };
    });
  });

  command('stats').action(async (zone: string | undefined, opts: HistoryCliOptions & TableCliOptions, cmd: Command) => {
    const format = tableFormat(opts, cmd);
    exitCode.value = await history(io, opts, async (h, q) => {
      const rows = await q.zoneStats(h, zone);
      if (format === 'json') return rows;
      const types = [...new Set(rows.flatMap((r) => Object.keys(r.byType)))].sort();
      return table(
        ['date', 'commit', 'zone', 'serial', 'records', 'delegations', ...types],
        rows.map((r) => [r.date, r.commit, r.zone, r.serial, r.records, r.delegations, ...types.map((t) => r.byType[t] ?? 0)]),
        format,
        opts.header,
      );
    });
  });

  return program;
}

interface HistoryCliOptions {
  repo?: string;
  archive?: string;
  json: boolean;
}

interface TableCliOptions {
  format: Format;
  header: boolean;
}

/** `--json` is `--format json`; naming both with different formats is a usage error. */
function tableFormat(opts: HistoryCliOptions & TableCliOptions, cmd: Command): Format {
  if (opts.json && cmd.getOptionValueSource('format') === 'cli' && opts.format !== 'json') {
    throw new UsageError(`--json and --format ${opts.format} ask for two formats: give one`);
  }
  return opts.json ? 'json' : opts.format;
}

function table(columns: string[], rows: Table['rows'], format: Format, header: boolean): { raw: string } {
  return { raw: renderTable({ columns, rows }, format, header) };
}

/** A date-only option as git takes it (a bare day: its start or its end, UTC). */
function dateOption(text: string | undefined, end: DayEnd): string | undefined {
  return text === undefined ? undefined : gitDate(requireDate(text, end));
}

/** A revision or a date (a bare day means its end): a date becomes an instant, a revision stays as it is. */
function pointOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const d = parseDate(text, 'end');
  return d ? gitDate(d) : text;
}

function cwdOf(io: Io): string {
  return io.cwd ?? process.cwd();
}

/**
 * The repository and the archive folder in it: from --repo, else from --archive,
 * else from the current folder, wherever in the repository that is; the archive
 * is archive/ at the repository's top unless --archive says otherwise.
 */
function locateArchive(io: Io, opts: HistoryCliOptions): { repo: string; archive: string } {
  const cwd = cwdOf(io);
  const archiveAbs = opts.archive === undefined ? undefined : path.resolve(cwd, opts.archive);
  const start = opts.repo !== undefined ? path.resolve(cwd, opts.repo) : (archiveAbs ?? cwd);
  const repo = findRepo(start);
  if (!repo) throw new UsageError(`${start} is not inside a git repository: run zonelog in the archive's repository, or pass --repo DIR`);
  if (archiveAbs === undefined) return { repo, archive: 'archive' };
  const rel = path.relative(repo, archiveAbs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UsageError(`--archive ${opts.archive} is not a folder inside the repository ${repo}`);
  }
  return { repo, archive: rel.split(path.sep).join('/') };
}

/** Runs a history query: raw text is printed as is, anything else as one JSON document. */
async function history(
  io: Io,
  opts: HistoryCliOptions,
  query: (h: HistoryRepo, q: typeof import('../history/history.js')) => Promise<{ raw: string } | object>,
): Promise<number> {
  const { repo, archive } = locateArchive(io, opts);
  const q = await import('../history/history.js');
  const h = q.openHistory(repo, archive, io.env);
  const head = (await h.g.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(() => '')).trim();
  if (!head) throw new UsageError(`the repository ${repo} has no commits yet: its history starts with the first zonelog run (or publish --commit)`);
  let result: { raw: string } | object;
  try {
    result = await query(h, q);
  } catch (e) {
    if (e instanceof q.HistoryError) throw new UsageError(e.message);
    throw e;
  }
  if ('raw' in result && typeof result.raw === 'string') io.stdout.write(result.raw);
  else io.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}

interface TransferCliOptions {
  dnssec: boolean;
  timeout: number;
  connectTimeout: number;
  maxRecords: number;
  maxBytes: number;
  memoryBudget: number;
}

function limitsFrom(opts: TransferCliOptions, deadlineMs: number): TransferLimits {
  return {
    connectTimeoutMs: opts.connectTimeout,
    idleTimeoutMs: opts.timeout,
    deadlineMs,
    maxRecords: opts.maxRecords,
    maxBytes: opts.maxBytes,
  };
}

interface PublishCliOptions {
  archive: string;
  commit?: boolean;
  push: boolean;
  remote: string;
  splitBytes: number;
  author?: Identity;
  partial?: boolean;
  json?: boolean;
  quiet?: boolean;
}

interface PublishSummary {
  changes: number;
  added: string[];
  changed: string[];
  removed: string[];
  commit: string | null;
  subject: string | null;
  pushed: boolean | null;
}

async function publishCommand(dirs: string[], opts: PublishCliOptions, io: Io): Promise<{ code: number; summary?: PublishSummary }> {
  const { publish } = await import('../publish/publish.js');
  const result = await publish({
    dirs: dirs.map((d) => path.resolve(cwdOf(io), d)),
    archiveDir: path.resolve(cwdOf(io), opts.archive),
    splitBytes: opts.splitBytes,
    commit: Boolean(opts.commit) || opts.push,
    push: opts.push,
    remote: opts.remote,
    partial: opts.partial,
    author: opts.author,
    env: io.env,
  });
  if (result.ok) for (const note of result.notes) io.stderr.write(`zonelog: ${note}\n`);
  if (!result.ok) {
    if (result.usage) throw new UsageError(result.error);
    io.stderr.write(`zonelog: ${result.error}\n`);
    return { code: 2 };
  }
  const summary: PublishSummary = {
    changes: result.changes.length,
    added: result.changes.filter((c) => c.kind === 'added').map((c) => c.zone),
    changed: result.changes.filter((c) => c.kind === 'changed' || c.kind === 'servers').map((c) => c.zone),
    removed: result.changes.filter((c) => c.kind === 'removed').map((c) => c.zone),
    commit: result.commit?.committed ? result.commit.commit : null,
    subject: result.commit?.committed ? result.commit.subject : null,
    pushed: result.push ? result.push.ok : null,
  };
  if (!opts.json && !opts.quiet) {
    if (result.commit?.committed) io.stdout.write(`${result.commit.subject}\n${result.commit.body ? result.commit.body + '\n' : ''}`);
    else io.stdout.write(result.changes.length ? `archive updated: ${result.changes.length} zones\n` : 'archive unchanged\n');
  }
  if (io.env.GITHUB_ACTIONS === 'true' && io.env.GITHUB_STEP_SUMMARY && result.commit?.committed) {
    fs.appendFileSync(io.env.GITHUB_STEP_SUMMARY, `## zonelog publish\n\n${result.commit.subject}\n\n\`\`\`\n${result.commit.body}\n\`\`\`\n`);
  }
  if (result.push && !result.push.ok) {
    io.stderr.write(`zonelog: push failed${result.push.attempts > 1 ? ` after ${result.push.attempts} attempts` : ''}: ${result.push.error}\n`);
    return { code: 2, summary };
  }
  return { code: 0, summary };
}

/**
 * `zonelog run`: what can be known before the scan is checked before it (the
 * repository, the remote, the author), then scan, publish, commit, push.
 */
async function runCommand(opts: ScanCliOptions & PublishCliOptions, io: Io): Promise<number> {
  const archive = path.resolve(cwdOf(io), opts.archive);
  if (!findRepo(archive)) {
    throw new UsageError(
      `zonelog run commits, but ${archive} is not inside a git repository: run git init where the archive should live, or pass --archive DIR inside a repository`,
    );
  }
  const author = authorOf(opts, io);
  if (opts.push) await checkRemote(archive, opts.remote, io);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-scan-'));
  try {
    const scanned = await scanCommand({ ...opts, out }, io, false);
    if (scanned.code !== 0) {
      if (opts.json) io.stdout.write(JSON.stringify({ scan: scanned.summary, publish: null }) + '\n');
      return scanned.code;
    }
    const published = await publishCommand([out], { ...opts, author, commit: true }, io);
    if (opts.json) io.stdout.write(JSON.stringify({ scan: { ...scanned.summary, out: undefined }, publish: published.summary ?? null }) + '\n');
    return published.code;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** --author, else $ZONELOG_AUTHOR (checked like --author), else zonelog's own identity. */
function authorOf(opts: PublishCliOptions, io: Io): Identity | undefined {
  if (opts.author) return opts.author;
  const env = io.env.ZONELOG_AUTHOR;
  if (env === undefined || env === '') return undefined;
  try {
    return parseIdentity(env);
  } catch (e) {
    throw new UsageError(`ZONELOG_AUTHOR: ${(e as Error).message}`);
  }
}

/**
 * Before any work that ends in a push: the remote must exist and answer. A
 * missing remote or a wrong URL is said at once, not after a scan and retries.
 */
async function checkRemote(archive: string, remote: string, io: Io): Promise<void> {
  const repo = findRepo(archive);
  if (!repo) return; // publish says this itself
  const { git } = await import('../git/git.js');
  const g = git(repo, io.env, { GIT_TERMINAL_PROMPT: '0' });
  const url = (await g.raw(['remote', 'get-url', remote]).catch(() => '')).trim();
  if (!url) throw new UsageError(`the repository ${repo} has no remote named ${remote}: add it (git remote add ${remote} URL) or pass --remote NAME`);
  try {
    await g.raw(['ls-remote', '--heads', remote]);
  } catch (e) {
    const why =
      (e as Error).message
        .split('\n')
        .map((l) => l.trim())
        .find((l) => /^(fatal|error):/.test(l)) ?? 'no answer';
    throw new UsageError(`the remote ${remote} (${url}) cannot be reached: ${why.replace(/^(fatal|error): /, '')}; check its URL and your credentials`);
  }
}

interface ScanCliOptions extends TransferCliOptions {
  out: string;
  root?: string;
  port: number;
  zones?: string;
  archive: string;
  shard?: string;
  exclude?: string[];
  config?: string;
  budget?: string[];
  leakedMax: number;
  suffixList?: string;
  ipv4Only: boolean;
  ipv6Only: boolean;
  concurrency: number;
  perAddress: number;
  transferDeadline: number;
  deadline?: number;
  json: boolean;
  quiet: boolean;
}

interface ScanSummary {
  out?: string;
  targets: number;
  zonesTransferred: number;
  outcomes: Record<string, number>;
  discovery: Record<string, unknown>;
}

/** `standalone`: the scan's last line says where the results are and what to run next. */
async function scanCommand(opts: ScanCliOptions, io: Io, standalone: boolean): Promise<{ code: number; summary: ScanSummary }> {
  if (opts.ipv4Only && opts.ipv6Only) throw new UsageError('--ipv4-only and --ipv6-only exclude each other');
  const roots: ServerAddress[] = [];
  for (const r of (opts.root ?? DEFAULT_ROOTS.join(','))
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const parsed = parseAddress(r, opts.port);
    if (!parsed.ok) throw new UsageError(parsed.error);
    if (!net.isIP(parsed.address.host)) throw new UsageError(`--root takes IP addresses, not ${JSON.stringify(r)}`);
    roots.push(parsed.address);
  }
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  if (opts.shard !== undefined && !shard) throw new UsageError(`--shard takes I/N with 1 <= I <= N, not ${JSON.stringify(opts.shard)}`);
  const configFile = path.resolve(cwdOf(io), opts.config ?? CONFIG_FILE);
  const config = loadConfig(configFile, opts.config !== undefined);
  if (!config.ok) throw new UsageError(config.error);
  const exclusions = config.exclusions;
  for (const e of opts.exclude ?? []) {
    const err = addExclusion(exclusions, e);
    if (err) throw new UsageError(`--exclude: ${err}`);
  }
  let zones: string[] = [];
  if (opts.zones !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(cwdOf(io), opts.zones), 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the zones file ${opts.zones}: ${(e as Error).message}`);
    }
    const parsed = parseZoneList(text);
    if (!parsed.ok) throw new UsageError(`${opts.zones}: ${parsed.error}`);
    zones = parsed.zones;
  }
  const sources = await sourceOptions(opts);
  const [{ checkOutDir }, { Progress }, { scan, discoveryFailure }] = await Promise.all([
    import('../scan/results.js'),
    import('../scan/progress.js'),
    import('../scan/scan.js'),
  ]);
  const out = path.resolve(cwdOf(io), opts.out);
  const outCheck = checkOutDir(out);
  if (!outCheck.ok) throw new UsageError(outCheck.error);

  const fallbackZones = zones.length > 0 ? zones : archivedTlds(path.resolve(cwdOf(io), opts.archive));
  const progress = new Progress({
    out: io.stderr,
    mode: opts.quiet || opts.json ? 'quiet' : io.isTTY ? 'tty' : 'plain',
    githubSummary: io.env.GITHUB_ACTIONS === 'true' ? io.env.GITHUB_STEP_SUMMARY : undefined,
    annotations: io.env.GITHUB_ACTIONS === 'true',
    next: standalone ? { results: opts.out, command: `zonelog publish ${shellWord(opts.out)} --commit` } : undefined,
  });
  const report = await scan({
    roots,
    port: opts.port,
    zones,
    fallbackZones,
    shard,
    family: opts.ipv4Only ? 'ipv4' : opts.ipv6Only ? 'ipv6' : 'any',
    exclusions,
    concurrency: opts.concurrency,
    perAddress: opts.perAddress,
    limits: limitsFrom(opts, opts.transferDeadline),
    deadlineMs: opts.deadline,
    dnssec: opts.dnssec,
    memoryBudget: opts.memoryBudget,
    out,
    // Shards of one CI run share its id, so publish can name the scan a missing shard belongs to.
    scanId: /^[0-9]+$/.test(io.env.GITHUB_RUN_ID ?? '')
      ? `github-run-${io.env.GITHUB_RUN_ID}-${/^[0-9]+$/.test(io.env.GITHUB_RUN_ATTEMPT ?? '') ? io.env.GITHUB_RUN_ATTEMPT : '1'}`
      : undefined,
    progress,
    sources,
  });
  const counts: Record<string, number> = {};
  for (const t of report.targets) counts[t.outcome] = (counts[t.outcome] ?? 0) + 1;
  const zonesTransferred = new Set(report.targets.filter((t) => t.outcome === 'transferred').map((t) => t.zone)).size;
  const summary: ScanSummary = { out, targets: report.targets.length, zonesTransferred, outcomes: counts, discovery: report.discovery };
  const failed = discoveryFailure(report);
  if (failed) {
    io.stderr.write(`zonelog: ${failed}\n`);
    return { code: 2, summary };
  }
  return { code: 0, summary };
}

/** A path as a shell takes it: as is when plain, else in single quotes. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `--budget`, `--leaked-max` and `--suffix-list`. */
async function sourceOptions(opts: ScanCliOptions): Promise<import('../scan/scan.js').SourceOptions> {
  const [{ DEFAULT_BUDGETS, parseBudget }, { parseSuffixList, shippedSuffixListPath, SHIPPED_SUFFIX_LIST }] = await Promise.all([
    import('../scan/sources/budget.js'),
    import('../scan/sources/psl.js'),
  ]);
  const budgets = { ...DEFAULT_BUDGETS };
  for (const b of opts.budget ?? []) {
    const err = parseBudget(b, budgets);
    if (err) throw new UsageError(`--budget: ${err}`);
  }
  let suffixes: string[] = [];
  if (budgets.psl > 0) {
    const file = opts.suffixList ?? shippedSuffixListPath();
    if (file === undefined)
      throw new UsageError(`the suffix list ${SHIPPED_SUFFIX_LIST} is missing from this installation; give --suffix-list FILE or --budget psl=0`);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the suffix list ${file}: ${(e as Error).message}`);
    }
    const list = parseSuffixList(text);
    if (list.suffixes.length === 0) throw new UsageError(`${file} names no public suffix of two labels or more`);
    suffixes = list.suffixes;
  }
  return { suffixes, leakedMaxDelegations: opts.leakedMax, budgets };
}

/** TLDs named in the archived root zone, for discovery when no root server allows transfer. */
function archivedTlds(archiveDir: string): string[] {
  try {
    const text = fs.readFileSync(path.join(archiveDir, 'root.zone'), 'latin1');
    return [...delegationsFromZoneText(text, '.').delegations.keys()];
  } catch {
    return [];
  }
}

interface AxfrOptions extends TransferCliOptions {
  server: string;
  output?: string;
  port: number;
  deadline: number;
  json: boolean;
}

async function axfrCommand(zoneText: string, opts: AxfrOptions, io: Io): Promise<number> {
  const parsed = parseAddress(opts.server, opts.port);
  if (!parsed.ok) throw new UsageError(parsed.error);
  const zone = textToName(zoneText);
  const server = parsed.address;
  const limits = limitsFrom(opts, opts.deadline);
  const output = opts.output ? path.resolve(cwdOf(io), opts.output) : undefined;
  const [{ transfer }, { describeFailure: describeOutcome }, { writeAtomic, writeToStream }] = await Promise.all([
    import('../axfr/transfer.js'),
    import('../axfr/outcome.js'),
    import('../fs/atomic.js'),
  ]);
  let result: TransferResult;
  try {
    result = await transfer({
      zone,
      server,
      limits,
      dnssec: opts.dnssec,
      memoryBudget: opts.memoryBudget,
      tmpDir: output ? path.dirname(output) : undefined,
    });
  } catch (e) {
    // Not the server's doing: the disk (sort spill files) failed us.
    io.stderr.write(
      `zonelog: the transfer failed here, not at the server: ${(e as Error).message}; check that ${output ? path.dirname(output) : 'the temporary folder'} exists and has room\n`,
    );
    return 2;
  }
  const where = formatAddress(server);
  const report = { zone: zoneText, server: where, ...result.outcome };
  if (!result.zone) {
    if (opts.json) io.stdout.write(JSON.stringify(report) + '\n');
    io.stderr.write(`zonelog: ${describeOutcome(result.outcome, where)}\n`);
    return 2;
  }
  let written: Written;
  try {
    // The hash is printed with --json only.
    if (output) written = await writeAtomic(output, result.zone.byteChunks(), opts.json === true);
    else if (opts.json) written = { bytes: 0, sha256: '' };
    else written = await writeToStream(io.stdout, result.zone.byteChunks());
  } catch (e) {
    io.stderr.write(`zonelog: could not write ${output ?? 'standard output'}: ${describeFailure(e) ?? (e as Error).message}\n`);
    return 2;
  } finally {
    result.zone.dispose();
  }
  if (opts.json) {
    const out = output ? { ...report, records: result.zone.written, file: output, fileBytes: written.bytes, sha256: written.sha256 } : report;
    io.stdout.write(JSON.stringify(out) + '\n');
  }
  return 0;
}

/** The entry point for the installed command. */
export async function runCli(): Promise<void> {
  // `zonelog log … | head`: the reader went away; stop quietly, as git does.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  try {
    process.exitCode = await main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      isTTY: process.stderr.isTTY,
    });
  } catch (e) {
    process.stderr.write(`zonelog: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  }
}

/**
 * The `zonelog` command line (DESIGN §2). This is the only module that touches
 * `process`: `main()` takes the arguments and the streams and returns the exit
 * code (0 success, 1 usage error, 2 the work failed), so tests call it directly.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { formatAddress, parseAddress, parsePort, type ServerAddress } from '../dns/address.js';
import { CONFIG_FILE, addExclusion, loadConfig } from '../scan/config.js';
import { delegationsFromZoneText, parseZoneList } from '../scan/discovery.js';
import { DEFAULT_SPLIT_BYTES } from '../archive/layout.js';
import { DEFAULT_LIMITS, DEFAULT_MEMORY_BUDGET, type TransferLimits } from '../axfr/limits.js';
import { NameError, nameToText, textToName } from '../dns/name.js';
import { DEFAULT_ROOTS } from '../scan/roots.js';
import { parseShard } from '../scan/targets.js';
import type { Identity } from '../publish/commit.js';
import type { HistoryRepo } from '../history/history.js';
import type { Written } from '../fs/atomic.js';
import type { TransferResult } from '../axfr/transfer.js';
// Each command loads the modules it runs when it runs (below, `await import`):
// `zonelog log` should not pay for loading the scanner, the lab or the decoder.

export interface Io {
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (live progress bar). */
  isTTY?: boolean;
}

/** A usage problem found after commander parsed the line: exit 1. */
class UsageError extends Error {}

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
    if (e instanceof UsageError) {
      io.stderr.write(`zonelog: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    exitCode.value = 0;
  }
}

/** Set by a command's action: 2 when the work failed. */
const exitCode = { value: 0 };

function buildProgram(io: Io): Command {
  const program = new Command('zonelog')
    .description('Archive DNS zones that their servers hand out by zone transfer (AXFR), as canonical text in git.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'zonelog: ')),
    })
    .showSuggestionAfterError();

  addTransferOptions(
    program
      .command('axfr')
      .description('Transfer one zone from one server and print its canonical text (DESIGN §4).')
      .argument('<zone>', 'zone name, e.g. "." or "example."', parseZone)
      .requiredOption('--server <addr>', 'server address: IPv4, [IPv6]:PORT, or host name, with an optional :PORT')
      .option('-o, --output <file>', 'write the text to FILE (atomically: nothing is written unless the transfer completes)')
      .option('--port <n>', 'port when --server has none', parsePortOption, 53),
  )
    .option('--deadline <seconds>', 'total time allowed for the transfer', parseSeconds, DEFAULT_LIMITS.deadlineMs)
    .option('--json', 'print the outcome as JSON on stdout (the text then goes only to --output)', false)
    .action(async (zone: Buffer, opts: AxfrOptions) => {
      exitCode.value = await axfrCommand(zone, opts, io);
    });

  addScanOptions(
    program
      .command('scan')
      .description('Discover the servers of the root and of every TLD and try a transfer from each address; write a results directory.')
      .requiredOption('--out <dir>', 'results directory to create (must not exist, or be empty)')
      .option('--archive <dir>', 'the archive, whose root.zone lists the TLDs when no root server allows transfer', 'archive'),
  ).action(async (opts: ScanCliOptions) => {
    exitCode.value = await scanCommand(opts, io);
  });

  addPublishOptions(
    program
      .command('publish')
      .description('Merge results directories (the shards of one scan) into the archive; commit and push when asked.')
      .argument('<dir...>', 'results directories written by zonelog scan')
      .option('--commit', 'commit the archive when a byte changed', false),
  ).action(async (dirs: string[], opts: PublishCliOptions) => {
    exitCode.value = await publishCommand(dirs, opts, io);
  });

  addPublishOptions(
    addScanOptions(
      program
        .command('run')
        .description('Scan, publish and commit in one (what the scheduled workflow runs); --push to push.'),
    ),
  ).action(async (opts: ScanCliOptions & PublishCliOptions) => {
    exitCode.value = await runCommand(opts, io);
  });

  program
    .command('lab')
    .description('Run the simulated internet on loopback (a root zone and N TLDs on many 127.x addresses) until interrupted.')
    .option('--zones <n>', 'generated TLDs', parseCount, 50)
    .option('--seed <n>', 'the world is deterministic from this seed', parseCount, 1)
    .option('--port <n>', 'DNS port on every address', parsePortOption, 5300)
    .option('--root-zone <file>', 'serve this root zone (e.g. a real one) with its addresses mapped to loopback')
    .option('--latency [ms]', 'delay every response by a round trip drawn per address from MIN-MAX ms', parseMsRange)
    .option('--silent-addresses', 'put the silent targets (5 % of all) on a few addresses that never answer, 40 to 60 targets each', false)
    .option('--droppers <n>', 'addresses that drop AXFR silently for the zones they do not allow and answer the others', parseCount)
    .action(async (opts: { zones: number; seed: number; port: number; rootZone?: string; latency?: true | { min: number; max: number }; silentAddresses: boolean; droppers?: number }) => {
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
        exitCode.value = await runLab({ zones: opts.zones, seed: opts.seed, port: opts.port, rootZoneFile: opts.rootZone, ...silence }, io, stop.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  program
    .command('demo')
    .description('Start the lab, run two rounds of scan + publish into a new git repository, and show log and diff.')
    .option('--zones <n>', 'generated TLDs', parseCount, 40)
    .option('--seed <n>', 'the world is deterministic from this seed', parseCount, 1)
    .option('--dir <dir>', 'make the repository here (default: a new temporary folder)')
    .action(async (opts: { zones: number; seed: number; dir?: string }) => {
      const { runDemo } = await import('../lab/demo.js');
      exitCode.value = await runDemo({ zones: opts.zones, seed: opts.seed, dir: opts.dir, env: io.env }, io.stdout);
    });

  const historyCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .option('--repo <dir>', 'the git repository holding the archive', '.')
      .option('--archive <dir>', 'the archive folder inside the repository', 'archive')
      .option('--json', 'machine output', false);

  historyCommand('log', 'One line per commit that changed the zone: date, commit, serial, records added and removed.')
    .argument('<zone>')
    .option('--since <date>', 'only commits after this date')
    .option('--until <date>', 'only commits before this date')
    .action(async (zone: string, opts: HistoryCliOptions & { since?: string; until?: string }) => {
      exitCode.value = await history(io, opts, async (h, q) => {
        const entries = await q.zoneLog(h, zone, opts);
        return opts.json ? entries : entries.map((e) => `${e.date}\t${e.commit.slice(0, 12)}\t${e.serial ?? '-'}\t+${e.added}\t−${e.removed}`);
      });
    });

  historyCommand('diff', 'Records added and removed between two points in time (revisions or dates); default: the last change.')
    .argument('<zone>')
    .option('--from <rev-or-date>', 'the earlier point')
    .option('--to <rev-or-date>', 'the later point (default HEAD)')
    .option('--type <type>', 'only records of this type')
    .option('--name <name>', 'only records owned by this name')
    .action(async (zone: string, opts: HistoryCliOptions & { from?: string; to?: string; type?: string; name?: string }) => {
      exitCode.value = await history(io, opts, async (h, q) => {
        const d = await q.zoneDiff(h, zone, opts);
        return opts.json ? d : d.lines;
      });
    });

  historyCommand('when', 'For each record owned by NAME: the first and last time it was present, and whether it is now.')
    .argument('<name>')
    .option('--zone <zone>', 'look only in this zone (default: every archived zone that holds NAME)')
    .option('--below', 'also records owned by names below NAME', false)
    .action(async (name: string, opts: HistoryCliOptions & { zone?: string; below: boolean }) => {
      exitCode.value = await history(io, opts, async (h, q) => {
        const list = await q.whenName(h, name, opts);
        return opts.json ? list : list.map((p) => `${p.first.date}\t${p.present ? 'now' : p.last.date}\t${p.zone}\t${p.record}`);
      });
    });

  historyCommand('show', 'The zone text as it was at a revision or date (split parts joined).')
    .argument('<zone>')
    .option('--at <rev-or-date>', 'revision or date (default HEAD)')
    .action(async (zone: string, opts: HistoryCliOptions & { at?: string }) => {
      exitCode.value = await history(io, opts, async (h, q) => {
        const text = await q.showZone(h, zone, opts.at);
        return opts.json ? { zone, at: opts.at ?? 'HEAD', text } : { raw: text };
      });
    });

  historyCommand('stats', 'A time series, one row per (commit, zone): date, serial, records, records by type, delegations.')
    .argument('[zone]')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (zone: string | undefined, opts: HistoryCliOptions & { format: 'csv' | 'json' }) => {
      exitCode.value = await history(io, opts, async (h, q) => {
        const rows = await q.zoneStats(h, zone);
        return opts.json || opts.format === 'json' ? rows : { raw: q.statsCsv(rows) };
      });
    });

  return program;
}

interface HistoryCliOptions {
  repo: string;
  archive: string;
  json: boolean;
}

/** Runs a history query: lines are printed one per line, raw text as is, anything else as JSON. */
async function history(
  io: Io,
  opts: HistoryCliOptions,
  query: (h: HistoryRepo, q: typeof import('../history/history.js')) => Promise<string[] | { raw: string } | object>,
): Promise<number> {
  const repo = path.resolve(opts.repo);
  const [{ findRepo }, q] = await Promise.all([import('../git/git.js'), import('../history/history.js')]);
  if (!findRepo(repo)) throw new UsageError(`${repo} is not inside a git repository`);
  try {
    const result = await query(q.openHistory(repo, opts.archive, io.env), q);
    if (!opts.json && Array.isArray(result) && result.every((l) => typeof l === 'string')) io.stdout.write(result.map((l) => l + '\n').join(''));
    else if ('raw' in result && typeof (result as { raw: unknown }).raw === 'string') io.stdout.write((result as { raw: string }).raw);
    else io.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof q.HistoryError) throw new UsageError(e.message);
    throw e;
  }
}

interface TransferCliOptions {
  dnssec: boolean;
  timeout: number;
  connectTimeout: number;
  maxRecords: number;
  maxBytes: number;
  memoryBudget: number;
}

/** Options every command that transfers shares. */
function addTransferOptions(cmd: Command): Command {
  return cmd
    .option('--dnssec', 'keep RRSIG, NSEC and NSEC3 records (left out by default)', false)
    .option('--timeout <seconds>', 'idle timeout: give up after this long without a byte', parseSeconds, DEFAULT_LIMITS.idleTimeoutMs)
    .option('--connect-timeout <seconds>', 'give up when the connection takes longer', parseSeconds, DEFAULT_LIMITS.connectTimeoutMs)
    .option('--max-records <n>', 'stop a transfer after this many records', parseCount, DEFAULT_LIMITS.maxRecords)
    .option('--max-bytes <size>', 'stop a transfer after this many bytes (suffixes KB, MB, GB)', parseSize, DEFAULT_LIMITS.maxBytes)
    .addOption(new Option('--memory-budget <size>', 'memory for sorting before records spill to disk').argParser(parseSize).default(DEFAULT_MEMORY_BUDGET, '256MB'));
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

/** Options of scan (and run). */
function addScanOptions(cmd: Command): Command {
  return addTransferOptions(
    cmd
      .option('--root <addrs>', 'root server addresses, comma-separated, each ADDR[:PORT] (default: the root servers and ICANN\'s transfer servers)')
      .option('--port <n>', 'DNS port for every server address', parsePortOption, 53)
      .option('--zones <file>', 'more zones to scan, one name per line (also the TLD list when no root server allows transfer)')
      .option('--shard <i/n>', 'scan only shard I of N (shards 1..N together cover every target once)')
      .option('--exclude <zone-or-address...>', 'never contact this zone or address (repeatable)')
      .option('--config <file>', `exclusion list (default ./${CONFIG_FILE} when it exists)`)
      .option('--ipv4-only', 'only IPv4 addresses', false)
      .option('--ipv6-only', 'only IPv6 addresses', false)
      .option('--concurrency <n>', 'transfers at once in all', parseCount, 128)
      .option('--per-address <n>', 'transfers at once to one address', parseCount, 2)
      .option('--transfer-deadline <seconds>', 'total time allowed for one transfer', parseSeconds, DEFAULT_LIMITS.deadlineMs)
      .option('--deadline <seconds>', 'time allowed for the whole scan, transfers in flight included: what is cut or left is skipped', parseSeconds)
      .option('--json', 'print a summary as JSON on stdout', false)
      .option('--quiet', 'no progress output', false),
  );
}

/** Options of publish (and run). */
function addPublishOptions(cmd: Command): Command {
  return cmd
    .option('--archive <dir>', 'the archive folder, inside a git repository for --commit', 'archive')
    .option('--push', 'push after committing; on rejection fetch, rebase and retry (implies --commit)', false)
    .option('--remote <name>', 'remote to push to', 'origin')
    .option('--split-bytes <size>', 'a zone text larger than this becomes a folder of parts', parseSize, DEFAULT_SPLIT_BYTES)
    .option('--author <identity>', 'commit author and committer, "Name <email>"', parseIdentity)
    .option('--partial', 'the results are not every shard of the scan: publish them, but remove no zone', false);
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

async function publishCommand(dirs: string[], opts: PublishCliOptions, io: Io): Promise<number> {
  const { publish } = await import('../publish/publish.js');
  const result = await publish({
    dirs,
    archiveDir: path.resolve(opts.archive),
    splitBytes: opts.splitBytes,
    commit: Boolean(opts.commit) || opts.push,
    push: opts.push,
    remote: opts.remote,
    partial: opts.partial,
    author: opts.author ?? identityFromEnv(io.env),
    env: io.env,
  });
  if (result.ok) for (const note of result.notes) io.stderr.write(`zonelog: ${note}\n`);
  if (!result.ok) {
    if (result.usage) throw new UsageError(result.error);
    io.stderr.write(`zonelog: ${result.error}\n`);
    return 2;
  }
  const summary = {
    changes: result.changes.length,
    added: result.changes.filter((c) => c.kind === 'added').map((c) => c.zone),
    changed: result.changes.filter((c) => c.kind === 'changed' || c.kind === 'servers').map((c) => c.zone),
    removed: result.changes.filter((c) => c.kind === 'removed').map((c) => c.zone),
    commit: result.commit?.committed ? result.commit.commit : null,
    pushed: result.push ? result.push.ok : null,
  };
  if (opts.json) io.stdout.write(JSON.stringify(summary) + '\n');
  else if (!opts.quiet) {
    if (result.commit?.committed) io.stdout.write(`${result.commit.subject}\n${result.commit.body ? result.commit.body + '\n' : ''}`);
    else io.stdout.write(result.changes.length ? `archive updated: ${result.changes.length} zones\n` : 'archive unchanged\n');
  }
  if (io.env.GITHUB_ACTIONS === 'true' && io.env.GITHUB_STEP_SUMMARY && result.commit?.committed) {
    fs.appendFileSync(io.env.GITHUB_STEP_SUMMARY, `## zonelog publish\n\n${result.commit.subject}\n\n\`\`\`\n${result.commit.body}\n\`\`\`\n`);
  }
  if (result.push && !result.push.ok) {
    io.stderr.write(`zonelog: push failed${result.push.attempts > 1 ? ` after ${result.push.attempts} attempts` : ''}: ${result.push.error}\n`);
    return 2;
  }
  return 0;
}

async function runCommand(opts: ScanCliOptions & PublishCliOptions, io: Io): Promise<number> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-scan-'));
  try {
    const scanned = await scanCommand({ ...opts, out }, io);
    if (scanned !== 0) return scanned;
    return await publishCommand([out], { ...opts, commit: true }, io);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** `Name <email>` */
function parseIdentity(text: string): Identity {
  const m = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected "Name <email>"');
  return { name: m[1]!, email: m[2]! };
}

function identityFromEnv(env: Record<string, string | undefined>): Identity | undefined {
  return env.ZONELOG_AUTHOR ? parseIdentity(env.ZONELOG_AUTHOR) : undefined;
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
  ipv4Only: boolean;
  ipv6Only: boolean;
  concurrency: number;
  perAddress: number;
  transferDeadline: number;
  deadline?: number;
  json: boolean;
  quiet: boolean;
}

async function scanCommand(opts: ScanCliOptions, io: Io): Promise<number> {
  if (opts.ipv4Only && opts.ipv6Only) throw new UsageError('--ipv4-only and --ipv6-only exclude each other');
  const roots: ServerAddress[] = [];
  for (const r of (opts.root ?? DEFAULT_ROOTS.join(',')).split(',').map((x) => x.trim()).filter(Boolean)) {
    const parsed = parseAddress(r, opts.port);
    if (!parsed.ok) throw new UsageError(parsed.error);
    if (!net.isIP(parsed.address.host)) throw new UsageError(`--root takes IP addresses, not ${JSON.stringify(r)}`);
    roots.push(parsed.address);
  }
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  if (opts.shard !== undefined && !shard) throw new UsageError(`--shard takes I/N with 1 ≤ I ≤ N, not ${JSON.stringify(opts.shard)}`);
  const configFile = opts.config ?? CONFIG_FILE;
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
      text = fs.readFileSync(opts.zones, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the zones file ${opts.zones}: ${(e as Error).message}`);
    }
    const parsed = parseZoneList(text);
    if (!parsed.ok) throw new UsageError(`${opts.zones}: ${parsed.error}`);
    zones = parsed.zones;
  }
  const [{ checkOutDir }, { Progress }, { scan, discoveryFailure }] = await Promise.all([import('../scan/results.js'), import('../scan/progress.js'), import('../scan/scan.js')]);
  const out = path.resolve(opts.out);
  const outCheck = checkOutDir(out);
  if (!outCheck.ok) throw new UsageError(outCheck.error);

  const fallbackZones = zones.length > 0 ? zones : archivedTlds(opts.archive);
  const progress = new Progress({
    out: io.stderr,
    mode: opts.quiet || opts.json ? 'quiet' : io.isTTY ? 'tty' : 'plain',
    githubSummary: io.env.GITHUB_ACTIONS === 'true' ? io.env.GITHUB_STEP_SUMMARY : undefined,
    annotations: io.env.GITHUB_ACTIONS === 'true',
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
    scanId: /^[0-9]+$/.test(io.env.GITHUB_RUN_ID ?? '') ? `github-run-${io.env.GITHUB_RUN_ID}-${/^[0-9]+$/.test(io.env.GITHUB_RUN_ATTEMPT ?? '') ? io.env.GITHUB_RUN_ATTEMPT : '1'}` : undefined,
    progress,
  });
  const counts: Record<string, number> = {};
  for (const t of report.targets) counts[t.outcome] = (counts[t.outcome] ?? 0) + 1;
  const zonesTransferred = new Set(report.targets.filter((t) => t.outcome === 'transferred').map((t) => t.zone)).size;
  if (opts.json) io.stdout.write(JSON.stringify({ out, targets: report.targets.length, zonesTransferred, outcomes: counts, discovery: report.discovery }) + '\n');
  const failed = discoveryFailure(report);
  if (failed) {
    io.stderr.write(`zonelog: ${failed}\n`);
    return 2;
  }
  return 0;
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

async function axfrCommand(zone: Buffer, opts: AxfrOptions, io: Io): Promise<number> {
  const parsed = parseAddress(opts.server, opts.port);
  if (!parsed.ok) throw new UsageError(parsed.error);
  const server = parsed.address;
  const limits = limitsFrom(opts, opts.deadline);
  const output = opts.output ? path.resolve(opts.output) : undefined;
  const [{ transfer }, { describeFailure }, { writeAtomic, writeToStream }] = await Promise.all([
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
    io.stderr.write(`zonelog: the transfer failed here, not at the server: ${(e as Error).message}; check that ${output ? path.dirname(output) : 'the temporary folder'} exists and has room\n`);
    return 2;
  }
  const where = formatAddress(server);
  const report = { zone: nameToText(zone), server: where, ...result.outcome };
  if (!result.zone) {
    if (opts.json) io.stdout.write(JSON.stringify(report) + '\n');
    io.stderr.write(`zonelog: ${describeFailure(result.outcome, where)}\n`);
    return 2;
  }
  let written: Written;
  try {
    // The hash is printed with --json only.
    if (output) written = await writeAtomic(output, result.zone.byteChunks(), opts.json === true);
    else if (opts.json) written = { bytes: 0, sha256: '' };
    else written = await writeToStream(io.stdout, result.zone.byteChunks());
  } catch (e) {
    io.stderr.write(`zonelog: could not write ${output ?? 'standard output'}: ${(e as Error).message}\n`);
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

function parseZone(text: string): Buffer {
  try {
    return textToName(text.endsWith('.') || text === '.' ? text : `${text}.`);
  } catch (e) {
    if (e instanceof NameError) throw new InvalidArgumentError(`invalid zone name: ${e.message}`);
    throw e;
  }
}

function parsePortOption(text: string): number {
  const p = parsePort(text);
  if (p === undefined) throw new InvalidArgumentError('a port is a number from 1 to 65535');
  return p;
}

/** Seconds (fractions allowed) to milliseconds. */
function parseSeconds(text: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || Number(text) <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return Math.round(Number(text) * 1000);
}

/** `MIN-MAX` milliseconds, e.g. `20-300`. */
function parseMsRange(text: string): { min: number; max: number } {
  const m = /^([0-9]+)-([0-9]+)$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 60_000) throw new InvalidArgumentError('expected MIN-MAX milliseconds, e.g. 20-300');
  return { min: Number(m[1]), max: Number(m[2]) };
}

function parseCount(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a positive whole number');
  return Number(text);
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1e3, KB: 1e3, M: 1e6, MB: 1e6, G: 1e9, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** `1000`, `64KB`, `256MB`, `1GiB`. */
export function parseSize(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) throw new InvalidArgumentError('expected a size such as 1000, 64KB, 256MB or 1GiB');
  return Math.round(Number(m[1]) * unit);
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

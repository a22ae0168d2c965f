/**
 * The `zonelog` command line (DESIGN §2). This is the only module that touches
 * `process`: `main()` takes the arguments and the streams and returns the exit
 * code (0 success, 1 usage error, 2 the work failed), so tests call it directly.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { formatAddress, parseAddress, parsePort } from './address.js';
import { writeAtomic, writeToStream, type Written } from './atomic.js';
import { DEFAULT_LIMITS, transfer, type TransferLimits } from './axfr.js';
import { DEFAULT_MEMORY_BUDGET } from './canonical.js';
import { NameError, nameToText, textToName } from './name.js';
import { describeFailure } from './outcome.js';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
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

  program
    .command('axfr')
    .description('Transfer one zone from one server and print its canonical text (DESIGN §4).')
    .argument('<zone>', 'zone name, e.g. "." or "example."', parseZone)
    .requiredOption('--server <addr>', 'server address: IPv4, [IPv6]:PORT, or host name, with an optional :PORT')
    .option('-o, --output <file>', 'write the text to FILE (atomically: nothing is written unless the transfer completes)')
    .option('--port <n>', 'port when --server has none', parsePortOption, 53)
    .option('--dnssec', 'keep RRSIG, NSEC and NSEC3 records (left out by default)', false)
    .option('--timeout <seconds>', 'idle timeout: give up after this long without a byte', parseSeconds, DEFAULT_LIMITS.idleTimeoutMs)
    .option('--connect-timeout <seconds>', 'give up when the connection takes longer', parseSeconds, DEFAULT_LIMITS.connectTimeoutMs)
    .option('--deadline <seconds>', 'total time allowed for the transfer', parseSeconds, DEFAULT_LIMITS.deadlineMs)
    .option('--max-records <n>', 'stop after this many records', parseCount, DEFAULT_LIMITS.maxRecords)
    .option('--max-bytes <size>', 'stop after this many bytes (suffixes KB, MB, GB)', parseSize, DEFAULT_LIMITS.maxBytes)
    .addOption(new Option('--memory-budget <size>', 'memory for sorting before records spill to disk').argParser(parseSize).default(DEFAULT_MEMORY_BUDGET, '256MB'))
    .option('--json', 'print the outcome as JSON on stdout (the text then goes only to --output)', false)
    .action(async (zone: Buffer, opts: AxfrOptions) => {
      exitCode.value = await axfrCommand(zone, opts, io);
    });

  return program;
}

interface AxfrOptions {
  server: string;
  output?: string;
  port: number;
  dnssec: boolean;
  timeout: number;
  connectTimeout: number;
  deadline: number;
  maxRecords: number;
  maxBytes: number;
  memoryBudget: number;
  json: boolean;
}

async function axfrCommand(zone: Buffer, opts: AxfrOptions, io: Io): Promise<number> {
  const parsed = parseAddress(opts.server, opts.port);
  if (!parsed.ok) throw new UsageError(parsed.error);
  const server = parsed.address;
  const limits: TransferLimits = {
    connectTimeoutMs: opts.connectTimeout,
    idleTimeoutMs: opts.timeout,
    deadlineMs: opts.deadline,
    maxRecords: opts.maxRecords,
    maxBytes: opts.maxBytes,
  };
  const output = opts.output ? path.resolve(opts.output) : undefined;
  const result = await transfer({
    zone,
    server,
    limits,
    dnssec: opts.dnssec,
    memoryBudget: opts.memoryBudget,
    tmpDir: output ? path.dirname(output) : undefined,
  });
  const where = formatAddress(server);
  const report = { zone: nameToText(zone), server: where, ...result.outcome };
  if (!result.zone) {
    if (opts.json) io.stdout.write(JSON.stringify(report) + '\n');
    io.stderr.write(`zonelog: ${describeFailure(result.outcome, where)}\n`);
    return 2;
  }
  let written: Written;
  try {
    if (output) written = await writeAtomic(output, result.zone.chunks());
    else if (opts.json) written = { bytes: 0, sha256: '' };
    else written = await writeToStream(io.stdout, result.zone.chunks());
  } catch (e) {
    io.stderr.write(`zonelog: could not write ${output ?? 'standard output'}: ${(e as Error).message}\n`);
    return 2;
  } finally {
    result.zone.dispose();
  }
  if (opts.json) {
    const out = output ? { ...report, records: result.zone.written, bytes: written.bytes, sha256: written.sha256, file: output } : report;
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
  try {
    process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  } catch (e) {
    process.stderr.write(`zonelog: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  }
}

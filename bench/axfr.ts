/**
 * Benchmark of the AXFR client (`zonelog axfr`) against dig, kdig and the
 * `dig | ldns-read-zone -z` pipeline, on a generated TLD-shaped zone served by
 * Knot on 127.0.0.1. See `node dist/bench/run.js axfr --help`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, processGroupAlive } from '../test/support/servers.js';
import {
  REPO_ROOT,
  prng,
  benchArgs,
  type CommonOptions,
  zonelogBuild,
  type ZonelogBuild,
  fmt,
  keepTempDir,
  loadAverage,
  log,
  machineFacts,
  markdownTable,
  measure,
  median,
  readSection,
  removeTempDir,
  replaceSection,
  makeTempDir,
  startKnot,
  capture,
  type Measurement,
  type Stage,
  wholeNumber,
  procCpuS,
} from './lib.js';

export const description = 'AXFR client: zonelog axfr vs dig, kdig and dig | ldns-read-zone -z, on a TLD-shaped zone served by Knot';

const HEADING = '## AXFR client (issue: strict AXFR client)';
const BIG_HEADING_PREFIX = '### Big zone';
const ZONE = 'bench.';
/** No single command of the main case may take longer than this (the big case allows four times as long). */
const COMMAND_TIMEOUT_MS = 15 * 60_000;
/** A --memory-budget that no zone here reaches: the in-memory reference of the spill check. */
const IN_MEMORY_BUDGET = '64GB';

const USAGE = `usage: node dist/bench/run.js axfr [options]

  --records N        records in the zone (default 1000000)
  --runs N           timed runs of each command (default 5)
  --seed N           zone generator seed (default 1)
  --big              also run the big case: --big-records with --memory-budget 256MB (slow)
  --big-records N    records in the big zone (default 10000000)
  --big-only         run only the big case (keeps the main results in BENCHMARKS.md)
  --workers N        Knot UDP and TCP workers (default 1)
  --spill-budget S   memory budget that forces spilling in the equality check (default 4MB)
  --no-report        do not touch BENCHMARKS.md (print the section instead)
  --report-file F    write the section into F instead of BENCHMARKS.md
  --rev REV          benchmark zonelog as of this git revision (built into bench/out/);
                     default: a private copy of the current dist/src (build it first)
  --keep             keep the temporary folder
`;

interface Options extends CommonOptions {
  records: number;
  runs: number;
  seed: number;
  big: boolean;
  bigOnly: boolean;
  bigRecords: number;
  workers: number;
  spillBudget: string;
  reportFile: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const parsed = benchArgs(
    argv,
    {
      records: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
      big: { type: 'boolean', default: false },
      'big-only': { type: 'boolean', default: false },
      'big-records': { type: 'string', default: '10000000' },
      workers: { type: 'string', default: '1' },
      'spill-budget': { type: 'string', default: '4MB' },
      'report-file': { type: 'string', default: path.join(REPO_ROOT, 'BENCHMARKS.md') },
    } as const,
    USAGE,
  );
  if (!parsed) return undefined;
  const { values, common } = parsed;
  const int = wholeNumber;
  return {
    records: int('records', values.records!, 20),
    runs: int('runs', values.runs!, 1),
    seed: int('seed', values.seed!, 0),
    big: values.big! || values['big-only']!,
    bigOnly: values['big-only']!,
    bigRecords: int('big-records', values['big-records']!, 20),
    workers: int('workers', values.workers!, 1),
    spillBudget: values['spill-budget']!,
    ...common,
    reportFile: path.resolve(values['report-file']!),
  };
}

// ---------------------------------------------------------------------------
// The zone: TLD-shaped, deterministic, records in shuffled order.

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789-';

export interface ZoneShape {
  records: number;
  children: number;
  ns: number;
  ds: number;
  a: number;
  aaaa: number;
}

/**
 * Calls `emit` with exactly `n` record lines of the zone `bench.`: first the SOA,
 * then the apex (NS and their addresses), then for each child name an NS pair,
 * a DS for about 70% of them, and for about 35% in-bailiwick name servers with A
 * glue (and AAAA glue for 60% of those). About 3.8 records per child, so about
 * n/3.8 children. Stops at exactly n records.
 */
export function generateRecords(n: number, seed: number, emit: (line: string) => void): ZoneShape {
  const rnd = prng(seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const hex = (bytes: number) => {
    let s = '';
    for (let i = 0; i < bytes; i += 4) s += ((rnd() * 4294967296) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, bytes * 2);
  };
  const ipv4 = () => `${1 + int(222)}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const ipv6 = () => `2a0${int(16).toString(16)}:${int(65536).toString(16)}:${int(65536).toString(16)}:${int(65536).toString(16)}::${1 + int(255)}`;
  const shape: ZoneShape = { records: 0, children: 0, ns: 0, ds: 0, a: 0, aaaa: 0 };
  const out = (line: string, kind?: 'ns' | 'ds' | 'a' | 'aaaa') => {
    if (shape.records >= n) return false;
    emit(line);
    shape.records++;
    if (kind) shape[kind]++;
    return true;
  };
  out(`${ZONE} 86400 IN SOA a.nic.${ZONE} hostmaster.nic.${ZONE} 2026112701 1800 900 604800 86400`);
  for (const s of ['a', 'b', 'c', 'd']) out(`${ZONE} 172800 IN NS ${s}.nic.${ZONE}`, 'ns');
  for (const s of ['a', 'b', 'c', 'd']) {
    out(`${s}.nic.${ZONE} 172800 IN A ${ipv4()}`, 'a');
    out(`${s}.nic.${ZONE} 172800 IN AAAA ${ipv6()}`, 'aaaa');
  }
  for (let i = 0; shape.records < n; i++) {
    // A label of 3..14 random characters (no leading or trailing hyphen), made unique by "-<index>".
    let word = LETTERS[int(26)]!;
    const len = 2 + int(12);
    for (let k = 1; k < len; k++) word += LABEL_CHARS[int(LABEL_CHARS.length)]!;
    const child = `${word}-${i.toString(36)}.${ZONE}`;
    shape.children++;
    const inBailiwick = rnd() < 0.35;
    const withDs = rnd() < 0.7;
    const withAaaa = rnd() < 0.6;
    let ns: string[];
    if (inBailiwick) ns = [`ns1.${child}`, `ns2.${child}`];
    else {
      // A few thousand hosting providers, the big ones much more common.
      const p = Math.floor(3000 * rnd() ** 3);
      const tld = ['net.', 'com.', 'org.', ZONE][p % 4]!;
      const k = 1 + 2 * int(2);
      ns = [`ns${k}.dnsprovider${p}.${tld}`, `ns${k + 1}.dnsprovider${p}.${tld}`];
    }
    for (const host of ns) out(`${child} 172800 IN NS ${host}`, 'ns');
    if (withDs) out(`${child} 86400 IN DS ${int(65536)} ${rnd() < 0.8 ? 13 : 8} 2 ${hex(32)}`, 'ds');
    if (inBailiwick) {
      for (const host of ns) out(`${host} 172800 IN A ${ipv4()}`, 'a');
      if (withAaaa) for (const host of ns) out(`${host} 172800 IN AAAA ${ipv6()}`, 'aaaa');
    }
  }
  return shape;
}

/**
 * Writes the zone file with the SOA first and every other record in a seeded
 * random order. Up to a million records are shuffled in memory; bigger zones go
 * through bucket files (each record to a random bucket, then each bucket shuffled),
 * so memory stays around one bucket.
 */
export function writeZoneFile(file: string, n: number, seed: number, scratchDir: string): ZoneShape {
  const PER_BUCKET = 1_000_000;
  const buckets = Math.max(1, Math.ceil((n - 1) / PER_BUCKET));
  const rnd = prng(seed ^ 0x5eed);
  const fd = fs.openSync(file, 'w');
  const bucketFiles: string[] = [];
  const bucketFds: number[] = [];
  const bucketBufs: string[] = [];
  const memory: string[] = [];
  let first = true;
  for (let b = 0; b < buckets && buckets > 1; b++) {
    const f = path.join(scratchDir, `bucket-${b}`);
    bucketFiles.push(f);
    bucketFds.push(fs.openSync(f, 'w'));
    bucketBufs.push('');
  }
  const shape = generateRecords(n, seed, (line) => {
    if (first) {
      fs.writeSync(fd, `$TTL 86400\n${line}\n`);
      first = false;
      return;
    }
    if (buckets === 1) {
      memory.push(line);
      return;
    }
    const b = Math.floor(rnd() * buckets);
    bucketBufs[b] += line + '\n';
    if (bucketBufs[b]!.length > 1 << 20) {
      fs.writeSync(bucketFds[b]!, bucketBufs[b]!, null, 'latin1');
      bucketBufs[b] = '';
    }
  });
  const shuffleOut = (lines: string[]) => {
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = lines[i]!;
      lines[i] = lines[j]!;
      lines[j] = t;
    }
    for (let i = 0; i < lines.length; i += 20_000) fs.writeSync(fd, lines.slice(i, i + 20_000).join('\n') + '\n', null, 'latin1');
  };
  if (buckets === 1) shuffleOut(memory);
  else {
    for (let b = 0; b < buckets; b++) {
      fs.writeSync(bucketFds[b]!, bucketBufs[b]!, null, 'latin1');
      fs.closeSync(bucketFds[b]!);
      bucketBufs[b] = '';
      const lines = fs.readFileSync(bucketFiles[b]!, 'latin1').split('\n');
      lines.pop();
      fs.rmSync(bucketFiles[b]!);
      shuffleOut(lines);
    }
  }
  fs.closeSync(fd);
  return shape;
}

// ---------------------------------------------------------------------------
// Checks on outputs.

/** Lines in a file (count of LF), streaming. */
function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) n++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

/** Record lines of dig/kdig output: not empty, not a `;` comment. */
function countRecordLines(file: string): number {
  const text = fs.readFileSync(file, 'latin1');
  let n = 0;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    if (end > at && text.charCodeAt(at) !== 59 /* ; */) n++;
    at = end + 1;
  }
  return n;
}

function readLines(file: string): string[] {
  const lines = fs.readFileSync(file, 'latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface Comparison {
  identical: boolean;
  /** Same order, line for line (lines that differ differ in place). */
  sameOrder: boolean;
  /** Positions whose lines differ (Infinity when the lengths differ). */
  positional: number;
  /** Lines that differ in place, by the TYPE field of the first file's line. */
  diffTypes: Record<string, number>;
  linesA: number;
  linesB: number;
  onlyA: number;
  onlyB: number;
  examplesA: string[];
  examplesB: string[];
}

/** Compares two files as line sequences and, when they differ, as sorted line sets. */
function compareLines(fileA: string, fileB: string): Comparison {
  const a = readLines(fileA);
  const b = readLines(fileB);
  let positional = a.length === b.length ? 0 : Infinity;
  const diffTypes: Record<string, number> = {};
  for (let i = 0; positional !== Infinity && i < a.length; i++) {
    if (a[i] === b[i]) continue;
    positional++;
    const type = a[i]!.split('\t')[3] ?? '?';
    diffTypes[type] = (diffTypes[type] ?? 0) + 1;
  }
  const identical = positional === 0;
  const result: Comparison = {
    identical,
    sameOrder: identical,
    positional,
    diffTypes,
    linesA: a.length,
    linesB: b.length,
    onlyA: 0,
    onlyB: 0,
    examplesA: [],
    examplesB: [],
  };
  if (identical) return result;
  a.sort();
  b.sort();
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) {
      result.onlyA++;
      if (result.examplesA.length < 5) result.examplesA.push(a[i]!);
      i++;
    } else if (i >= a.length || b[j]! < a[i]!) {
      result.onlyB++;
      if (result.examplesB.length < 5) result.examplesB.push(b[j]!);
      j++;
    } else {
      i++;
      j++;
    }
  }
  // Same length, and every line that differs differs in place: the order is the same, only those lines' text is not.
  result.sameOrder = positional === result.onlyA && positional === result.onlyB;
  return result;
}

function filesEqual(a: string, b: string): boolean {
  return capture('cmp', ['-s', a, b]).status === 0;
}

/** Watches a folder for zonelog's spill folders (`zonelog-sort-*`) and counts the most run files seen at once. */
function watchSpill(dir: string): { stop(): { folders: number; maxRuns: number } } {
  const seen = new Set<string>();
  let maxRuns = 0;
  const tick = () => {
    try {
      for (const e of fs.readdirSync(dir)) {
        if (!e.startsWith('zonelog-sort-')) continue;
        seen.add(e);
        try {
          maxRuns = Math.max(maxRuns, fs.readdirSync(path.join(dir, e)).length);
        } catch {
          /* removed meanwhile */
        }
      }
    } catch {
      /* ignore */
    }
  };
  const timer = setInterval(tick, 20);
  timer.unref(); // never what keeps the process alive, even when a measurement throws before stop()
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { folders: seen.size, maxRuns };
    },
  };
}

// ---------------------------------------------------------------------------
// The benchmark.

interface Variant {
  key: string;
  label: string;
  stages: Stage[];
  /** Where stdout of the last stage goes (zonelog writes its -o file itself). */
  stdout?: string;
  /** The command as a person would type it. */
  display: string;
  results: Measurement[];
  /** CPU seconds knotd spent while each result's command ran. */
  serverCpuS: number[];
}

function variants(bin: string, port: number, dir: string): Variant[] {
  const at = ['@127.0.0.1', '-p', String(port)];
  const out = (k: string) => path.join(dir, `out-${k}.txt`);
  const list: Omit<Variant, 'results' | 'serverCpuS'>[] = [
    {
      key: 'zonelog',
      label: '(a) zonelog axfr',
      stages: [{ argv: [process.execPath, bin, 'axfr', ZONE, '--server', `127.0.0.1:${port}`, '-o', out('zonelog')] }],
      display: `zonelog axfr ${ZONE} --server 127.0.0.1:PORT -o FILE`,
    },
    {
      key: 'dig',
      label: '(b) dig +onesoa',
      stages: [{ argv: ['dig', 'AXFR', '+onesoa', ZONE, ...at] }],
      stdout: out('dig'),
      display: `dig AXFR +onesoa ${ZONE} @127.0.0.1 -p PORT > FILE`,
    },
    {
      key: 'kdig',
      label: '(c) kdig',
      stages: [{ argv: ['kdig', 'AXFR', ZONE, ...at] }],
      stdout: out('kdig'),
      display: `kdig AXFR ${ZONE} @127.0.0.1 -p PORT > FILE`,
    },
    {
      key: 'ldns',
      label: '(d) dig | ldns-read-zone -z',
      stages: [{ argv: ['dig', 'AXFR', ZONE, ...at] }, { argv: ['ldns-read-zone', '-z'] }],
      stdout: out('ldns'),
      display: `sh -c 'dig AXFR ${ZONE} @127.0.0.1 -p PORT | ldns-read-zone -z > FILE'`,
    },
  ];
  return list.map((v) => ({ ...v, results: [], serverCpuS: [] }));
}

/**
 * (e), the floor of a Node client: the same query, the server's BYTES read and
 * dropped (bench/axfr-read.ts). Made once zonelog has said how many bytes a transfer is.
 */
function readerVariant(zl: ZonelogBuild, port: number, bytes: number): Variant {
  const reader = path.join(path.dirname(fileURLToPath(import.meta.url)), 'axfr-read.js');
  return {
    key: 'read',
    label: '(e) Node, the bytes only',
    // The query is built by the zonelog build under test (its dist/src).
    stages: [{ argv: [process.execPath, reader, path.dirname(path.dirname(zl.bin)), ZONE, '127.0.0.1', String(port), String(bytes)] }],
    display: `node dist/bench/axfr-read.js dist/src ${ZONE} 127.0.0.1 PORT ${bytes}`,
    results: [],
    serverCpuS: [],
  };
}

function outputOf(v: Variant): string {
  return v.stdout ?? v.stages[0]!.argv[v.stages[0]!.argv.length - 1]!;
}

interface MainResult {
  n: number;
  shape: ZoneShape;
  genS: number;
  knotLoadS: number;
  zoneFileBytes: number;
  variants: Variant[];
  checks: string[];
  spill: {
    m: Measurement;
    identical: boolean;
    folders: number;
    maxRuns: number;
    budget: string;
    /** The run with a budget nothing reaches. */
    reference: Measurement;
    referenceRuns: number;
    /** Run files seen in each timed run of zonelog with its default budget. */
    defaultRuns: number[];
    defaultIdentical: boolean;
  };
  outputBytes: number;
  loadBefore: string;
  loadAfter: string;
}

interface BigResult {
  n: number;
  shape: ZoneShape;
  genS: number;
  knotLoadS: number;
  zoneFileBytes: number;
  zonelog: Measurement;
  dig?: Measurement;
  lines: number;
  outputBytes: number;
  folders: number;
  maxRuns: number;
  loadBefore: string;
  loadAfter: string;
}

async function runMain(opts: Options, tmp: string, zl: ZonelogBuild): Promise<MainResult> {
  const loadBefore = loadAverage();
  const zoneFile = path.join(tmp, 'bench.zone');
  log(`generating ${opts.records} records (seed ${opts.seed})`);
  const t = Date.now();
  const shape = writeZoneFile(zoneFile, opts.records, opts.seed, tmp);
  const genS = (Date.now() - t) / 1000;
  log(`zone file: ${shape.children} children, ${(fs.statSync(zoneFile).size / 1e6).toFixed(1)} MB, ${genS.toFixed(1)} s`);

  let knot: RunningServer | undefined;
  try {
    log('starting knotd');
    const started = await startKnot({ zone: ZONE, file: zoneFile, workers: opts.workers, readyTimeoutMs: 600_000 });
    knot = started.server;
    const loadMs = started.loadMs;
    log(`knotd pid ${knot.pid} on 127.0.0.1:${knot.port}, zone loaded in ${(loadMs / 1000).toFixed(1)} s`);
    const vs = variants(zl.bin, knot.port, tmp);
    const byKey = (k: string) => vs.find((v) => v.key === k)!;

    // Warm-up (untimed): zonelog and the ldns pipeline, whose outputs are checked now. zonelog's
    // runs with --json, whose outcome says how many bytes a transfer is, for (e).
    log('warm-up and output checks');
    const ldns = byKey('ldns');
    await measure(ldns.stages, { stdout: ldns.stdout, scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS });
    const outcomeFile = path.join(tmp, 'outcome.json');
    await measure([{ argv: [...byKey('zonelog').stages[0]!.argv, '--json'] }], { stdout: outcomeFile, scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS });
    const transferBytes = (JSON.parse(fs.readFileSync(outcomeFile, 'utf8')) as { bytes: number }).bytes;
    vs.push(readerVariant(zl, knot.port, transferBytes));
    const checks: string[] = [];
    const zonelogOut = outputOf(byKey('zonelog'));
    const ldnsOut = outputOf(byKey('ldns'));
    const lines = countLines(zonelogOut);
    checks.push(
      `zonelog output has ${lines} lines; expected ${opts.records} (the zone's unique records, SOA once): ${lines === opts.records ? 'OK' : 'MISMATCH'}`,
    );
    const normalised = path.join(tmp, 'zonelog.ldns.txt');
    await measure([{ argv: ['ldns-read-zone', '-z', zonelogOut] }], { stdout: normalised, scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS });
    const cmpLdns = compareLines(normalised, ldnsOut);
    if (cmpLdns.identical) {
      checks.push(`\`ldns-read-zone -z\` of zonelog's output is byte-identical to the \`dig | ldns-read-zone -z\` output (${cmpLdns.linesA} lines): OK`);
    } else {
      checks.push(
        `\`ldns-read-zone -z\` of zonelog's output DIFFERS from the \`dig | ldns-read-zone -z\` output: ${cmpLdns.linesA} vs ${cmpLdns.linesB} lines, ` +
          `${cmpLdns.sameOrder ? '' : 'not in the same order; '}${cmpLdns.onlyA} lines only in zonelog's, ${cmpLdns.onlyB} only in the pipeline's` +
          (cmpLdns.examplesA.length ? `; e.g. zonelog: \`${cmpLdns.examplesA[0]}\`` : '') +
          (cmpLdns.examplesB.length ? `; pipeline: \`${cmpLdns.examplesB[0]}\`` : ''),
      );
    }
    const cmpSelf = compareLines(zonelogOut, normalised);
    if (cmpSelf.identical) checks.push("zonelog's own text is already exactly what `ldns-read-zone -z` makes of it (same order, same presentation): OK");
    else if (cmpSelf.sameOrder) {
      checks.push(
        `zonelog's own text is in the same order as \`ldns-read-zone -z\` of it (OK), but ${cmpSelf.positional} of ${cmpSelf.linesA} lines differ in presentation ` +
          `(by type: ${Object.entries(cmpSelf.diffTypes)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}), ` +
          `e.g. zonelog \`${cmpSelf.examplesA[0]}\` vs ldns \`${cmpSelf.examplesB[0]}\``,
      );
    } else if (cmpSelf.onlyA === 0 && cmpSelf.onlyB === 0) {
      checks.push(
        `zonelog's own text has the same lines as \`ldns-read-zone -z\` of it but NOT in the same order (${cmpSelf.positional} positions differ): ORDER MISMATCH`,
      );
    } else {
      checks.push(
        `zonelog's own text vs \`ldns-read-zone -z\` of it: order cannot be compared line for line; ${cmpSelf.onlyA} lines only in zonelog's, ${cmpSelf.onlyB} only in ldns's` +
          (cmpSelf.examplesA.length ? ` (e.g. zonelog \`${cmpSelf.examplesA[0]}\` / ldns \`${cmpSelf.examplesB[0]}\`)` : ''),
      );
    }
    fs.rmSync(normalised, { force: true });
    const outputBytes = fs.statSync(zonelogOut).size;

    // Timed runs, interleaved, the order rotated each round so no command always follows the same one.
    const defaultSpillRuns: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const order = vs.map((_, i) => vs[(i + r) % vs.length]!);
      for (const v of order) {
        const watcher = v.key === 'zonelog' ? watchSpill(tmp) : undefined;
        let m: Measurement;
        const serverBefore = procCpuS(knot.pid) ?? NaN;
        try {
          m = await measure(v.stages, { stdout: v.stdout, scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS });
        } finally {
          if (watcher) defaultSpillRuns.push(watcher.stop().maxRuns);
        }
        v.results.push(m);
        v.serverCpuS.push((procCpuS(knot.pid) ?? NaN) - serverBefore);
        log(
          `run ${r + 1}/${opts.runs} ${v.key.padEnd(8)} ${fmt(m.wallS)} s  ${fmt(m.maxRssMiB, 1)} MiB${v.stages.length > 1 ? ` (sum ${fmt(m.sumRssMiB, 1)})` : ''}  cpu ${fmt(m.cpuS)} s`,
        );
      }
    }
    const digRecords = countRecordLines(outputOf(byKey('dig')));
    const kdigRecords = countRecordLines(outputOf(byKey('kdig')));
    const ldnsLines = countLines(outputOf(byKey('ldns')));
    checks.push(
      `record lines in the last run's outputs: dig +onesoa ${digRecords} (expected ${opts.records}), kdig ${kdigRecords} (expected ${opts.records + 1}, SOA twice), ` +
        `dig | ldns-read-zone -z ${ldnsLines} (ldns keeps the SOA once; expected ${opts.records}): ` +
        `${digRecords === opts.records && kdigRecords === opts.records + 1 && ldnsLines === opts.records ? 'OK' : 'MISMATCH'}`,
    );
    if (!filesEqual(outputOf(byKey('zonelog')), zonelogOut)) checks.push('zonelog output changed between runs: MISMATCH');

    // Spill path vs in-memory path, byte for byte. The reference gets a budget so large
    // that nothing spills (the default budget may spill: it is shared by all sorters of the process).
    const a = byKey('zonelog').stages[0]!.argv;
    const withBudget = async (budget: string, file: string) => {
      const watcher = watchSpill(tmp);
      try {
        const m = await measure([{ argv: [...a.slice(0, -1), file, '--memory-budget', budget] }], { scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS });
        return { m, seen: watcher.stop() };
      } finally {
        watcher.stop();
      }
    };
    const memOut = path.join(tmp, 'out-zonelog-inmemory.txt');
    const spillOut = path.join(tmp, 'out-zonelog-spill.txt');
    log(`spill check: --memory-budget ${IN_MEMORY_BUDGET} (reference) and ${opts.spillBudget}`);
    const mem = await withBudget(IN_MEMORY_BUDGET, memOut);
    const spill = await withBudget(opts.spillBudget, spillOut);
    const sm = spill.m;
    const seen = spill.seen;
    const identical = filesEqual(spillOut, memOut);
    const defaultIdentical = filesEqual(zonelogOut, memOut);
    log(
      `spill: ${fmt(sm.wallS)} s, ${fmt(sm.maxRssMiB, 1)} MiB, ${seen.maxRuns} run files seen, identical: ${identical}; reference spilled ${mem.seen.maxRuns}; default identical: ${defaultIdentical}`,
    );
    fs.rmSync(spillOut, { force: true });
    fs.rmSync(memOut, { force: true });

    return {
      n: opts.records,
      shape,
      genS,
      knotLoadS: loadMs / 1000,
      zoneFileBytes: fs.statSync(zoneFile).size,
      variants: vs,
      checks,
      spill: {
        m: sm,
        identical,
        folders: seen.folders,
        maxRuns: seen.maxRuns,
        budget: opts.spillBudget,
        reference: mem.m,
        referenceRuns: mem.seen.maxRuns,
        defaultRuns: defaultSpillRuns,
        defaultIdentical,
      },
      outputBytes,
      loadBefore,
      loadAfter: loadAverage(),
    };
  } catch (e) {
    if (knot && !processGroupAlive(knot.pid))
      log(`knotd exited during the benchmark; its log ends:\n${knot.logs().trimEnd().split('\n').slice(-15).join('\n')}`);
    throw e;
  } finally {
    if (knot) {
      log('stopping knotd');
      await knot.stop();
    }
    for (const e of fs.readdirSync(tmp)) if (e.startsWith('out-') || e === 'bench.zone') fs.rmSync(path.join(tmp, e), { force: true });
  }
}

async function runBig(opts: Options, tmp: string, zl: ZonelogBuild): Promise<BigResult> {
  const loadBefore = loadAverage();
  const dir = path.join(tmp, 'big');
  fs.mkdirSync(dir, { recursive: true });
  const zoneFile = path.join(dir, 'bench.zone');
  log(`big case: generating ${opts.bigRecords} records`);
  const t = Date.now();
  const shape = writeZoneFile(zoneFile, opts.bigRecords, opts.seed, dir);
  const genS = (Date.now() - t) / 1000;
  log(`big zone file: ${(fs.statSync(zoneFile).size / 1e6).toFixed(0)} MB in ${genS.toFixed(1)} s`);
  let knot: RunningServer | undefined;
  try {
    const started = await startKnot({ zone: ZONE, file: zoneFile, workers: opts.workers, readyTimeoutMs: 1_800_000 });
    knot = started.server;
    const loadMs = started.loadMs;
    log(`knotd loaded the big zone in ${(loadMs / 1000).toFixed(1)} s`);
    const out = path.join(dir, 'out-zonelog.txt');
    const argv = [process.execPath, zl.bin, 'axfr', ZONE, '--server', `127.0.0.1:${knot.port}`, '-o', out, '--memory-budget', '256MB'];
    const watcher = watchSpill(dir);
    let zonelog: Measurement;
    try {
      zonelog = await measure([{ argv }], { scratchDir: dir, timeoutMs: 4 * COMMAND_TIMEOUT_MS });
    } finally {
      watcher.stop();
    }
    const seen = watcher.stop();
    log(`big zonelog: ${fmt(zonelog.wallS)} s, ${fmt(zonelog.maxRssMiB, 1)} MiB, ${seen.maxRuns} run files`);
    const lines = countLines(out);
    const outputBytes = fs.statSync(out).size;
    fs.rmSync(out, { force: true });
    const digOut = path.join(dir, 'out-dig.txt');
    const dig = await measure([{ argv: ['dig', 'AXFR', '+onesoa', ZONE, '@127.0.0.1', '-p', String(knot.port)] }], {
      stdout: digOut,
      scratchDir: dir,
      timeoutMs: 4 * COMMAND_TIMEOUT_MS,
    });
    log(`big dig: ${fmt(dig.wallS)} s, ${fmt(dig.maxRssMiB, 1)} MiB`);
    fs.rmSync(digOut, { force: true });
    return {
      n: opts.bigRecords,
      shape,
      genS,
      knotLoadS: loadMs / 1000,
      zoneFileBytes: fs.statSync(zoneFile).size,
      zonelog,
      dig,
      lines,
      outputBytes,
      folders: seen.folders,
      maxRuns: seen.maxRuns,
      loadBefore,
      loadAfter: loadAverage(),
    };
  } finally {
    if (knot) await knot.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// The report.

const GOALS = { vsDig: 1.0, vsDigLdns: 0.25, rssMiB: 300, bigRssMiB: 512 };

function verdict(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

interface VariantStats {
  wall: number;
  cpu: number;
  /** knotd's CPU seconds meanwhile. */
  server: number;
}

/** What the machine's cores allow: zonelog's and knotd's CPU, spread perfectly over them, against dig's time. */
function floorText(z: VariantStats, dig: VariantStats, read: VariantStats): string {
  const both = z.cpu + z.server;
  const cores = os.availableParallelism();
  return (
    `The floor on this machine: (e), a Node client that sends the same query and only reads the bytes, takes ${fmt(read.wall)} s ` +
    `(Node's start-up and knotd's sending; knotd used ${fmt(read.server)} CPU s). zonelog used ${fmt(z.cpu)} CPU s and knotd ${fmt(z.server)} meanwhile: ` +
    `${fmt(both)} CPU s that, spread perfectly over the ${cores} cores, would still take ${fmt(both / cores)} s, ${fmt(both / cores / dig.wall)}× dig's ${fmt(dig.wall)} s. ` +
    `dig used ${fmt(dig.cpu)} CPU s for the same records, printed unsorted.`
  );
}

function mainSection(r: MainResult, runs: number): string {
  const stats = (v: Variant) => {
    const wall = v.results.map((m) => m.wallS);
    return {
      wall: median(wall),
      min: Math.min(...wall),
      max: Math.max(...wall),
      cpu: median(v.results.map((m) => m.cpuS)),
      rss: median(v.results.map((m) => m.maxRssMiB)),
      rssSum: median(v.results.map((m) => m.sumRssMiB)),
      server: median(v.serverCpuS),
    };
  };
  const s = Object.fromEntries(r.variants.map((v) => [v.key, stats(v)]));
  const z = s.zonelog!;
  const rows = r.variants.map((v) => {
    const x = s[v.key]!;
    return [
      v.label,
      `\`${v.display}\``,
      fmt(x.wall),
      `${fmt(x.min)}–${fmt(x.max)}`,
      fmt(x.cpu),
      fmt(x.server),
      fmt(x.rss, 0) + (v.stages.length > 1 ? ` (sum ${fmt(x.rssSum, 0)})` : ''),
    ];
  });
  const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
  const tDig = ratio(z.wall, s.dig!.wall);
  const tKdig = ratio(z.wall, s.kdig!.wall);
  const tLdns = ratio(z.wall, s.ldns!.wall);
  const cpu = (k: string) => `${fmt(ratio(z.cpu, s[k]!.cpu))}×`;
  const ratios = [
    ['zonelog / dig', `${fmt(tDig)}×`, cpu('dig'), `${fmt(ratio(z.rss, s.dig!.rss))}×`, `time ≤ ${GOALS.vsDig.toFixed(2)}×`, verdict(tDig <= GOALS.vsDig)],
    ['zonelog / kdig', `${fmt(tKdig)}×`, cpu('kdig'), `${fmt(ratio(z.rss, s.kdig!.rss))}×`, '—', '—'],
    [
      'zonelog / (dig | ldns-read-zone -z)',
      `${fmt(tLdns)}×`,
      cpu('ldns'),
      `${fmt(ratio(z.rss, s.ldns!.rss))}×`,
      `time ≤ ${GOALS.vsDigLdns.toFixed(2)}×`,
      verdict(tLdns <= GOALS.vsDigLdns),
    ],
    ['zonelog peak RSS', '', '', `${fmt(z.rss, 0)} MiB`, `≤ ${GOALS.rssMiB} MiB`, verdict(z.rss <= GOALS.rssMiB)],
  ];
  const sh = r.shape;
  const sm = r.spill.m;
  return [
    `### ${r.n.toLocaleString('en-US')} records, ${runs} runs each`,
    '',
    `Zone \`${ZONE}\`: ${sh.records.toLocaleString('en-US')} records — SOA, ${sh.ns.toLocaleString('en-US')} NS, ${sh.ds.toLocaleString('en-US')} DS, ` +
      `${sh.a.toLocaleString('en-US')} A, ${sh.aaaa.toLocaleString('en-US')} AAAA; ${sh.children.toLocaleString('en-US')} delegations ` +
      `(zone file ${(r.zoneFileBytes / 1e6).toFixed(1)} MB in seeded random order, generated in ${r.genS.toFixed(1)} s, loaded by Knot in ${r.knotLoadS.toFixed(1)} s). ` +
      `zonelog's canonical text: ${(r.outputBytes / 1e6).toFixed(1)} MB. Load average ${r.loadBefore} before, ${r.loadAfter} after.`,
    '',
    markdownTable(['', 'command', 'median wall s', 'min–max s', 'median CPU s (user+sys)', 'knotd CPU s meanwhile', 'median peak RSS MiB'], rows, [
      'l',
      'l',
      'r',
      'r',
      'r',
      'r',
      'r',
    ]),
    '',
    "Peak RSS is each process's own `ru_maxrss` from GNU time; for the pipeline (d) the column is the **largest** of its processes " +
      '(`ldns-read-zone`, which holds the whole zone), with the sum of both in parentheses. Wall time is measured around the whole command. ' +
      'zonelog also fsyncs its output before the atomic rename; the others only write to a redirect.',
    '',
    markdownTable(['ratio (medians)', 'wall time', 'CPU time', 'peak RSS', 'goal', 'goal met?'], ratios, ['l', 'r', 'r', 'r', 'l', 'l']),
    '',
    'The goals are judged on wall time, as asked; the CPU-time ratio is given beside it because it is much less disturbed by the other work on the machine ' +
      '(each client shares the two cores with knotd, which sends the zone, and with whatever else runs).',
    '',
    floorText(z, s.dig!, s.read!),
    '',
    'Checks:',
    '',
    ...r.checks.map((c) => `- ${c}`),
    `- spill path: \`zonelog axfr … --memory-budget ${r.spill.budget}\` ` +
      (r.spill.maxRuns > 0
        ? `wrote ${r.spill.maxRuns} sorted run files to disk`
        : '**did not spill** (no run file seen: the zone fits the budget, so this check proves nothing)') +
      `; its output is ${r.spill.identical ? '**byte-identical** to' : '**DIFFERENT** from'} the in-memory output of \`--memory-budget ${IN_MEMORY_BUDGET}\` ` +
      `(${r.spill.referenceRuns === 0 ? 'no spill' : `**spilled ${r.spill.referenceRuns} runs**`}): ` +
      `${r.spill.identical && r.spill.maxRuns > 0 && r.spill.referenceRuns === 0 ? 'OK' : r.spill.identical ? 'not exercised' : 'MISMATCH'}. ` +
      `One run each: ${fmt(sm.wallS)} s and ${fmt(sm.maxRssMiB, 0)} MiB peak RSS spilling; ${fmt(r.spill.reference.wallS)} s and ${fmt(r.spill.reference.maxRssMiB, 0)} MiB in memory.`,
    `- default budget (256 MB), the timed runs (a): ${r.spill.defaultRuns.every((n) => n === 0) ? 'no spill' : `spilled ${r.spill.defaultRuns.join(', ')} run files`}; ` +
      `output ${r.spill.defaultIdentical ? 'byte-identical to' : '**DIFFERENT** from'} the in-memory reference: ${r.spill.defaultIdentical ? 'OK' : 'MISMATCH'}.`,
  ].join('\n');
}

function bigSection(b: BigResult, command: string, zl: ZonelogBuild): string {
  const z = b.zonelog;
  const rows = [
    ['zonelog axfr … --memory-budget 256MB', fmt(z.wallS, 1), fmt(z.cpuS, 1), fmt(z.maxRssMiB, 0)],
    ...(b.dig ? [['dig AXFR +onesoa … > FILE', fmt(b.dig.wallS, 1), fmt(b.dig.cpuS, 1), fmt(b.dig.maxRssMiB, 0)]] : []),
  ];
  const ok = b.lines === b.n;
  return [
    `${BIG_HEADING_PREFIX}: ${b.n.toLocaleString('en-US')} records, \`--memory-budget 256MB\`, one run`,
    '',
    `Produced by: \`${command}\`; zonelog under test: ${zl.describe}.`,
    '',
    `Zone: ${b.shape.children.toLocaleString('en-US')} delegations, zone file ${(b.zoneFileBytes / 1e6).toFixed(0)} MB (generated in ${b.genS.toFixed(0)} s), ` +
      `loaded by Knot in ${b.knotLoadS.toFixed(0)} s. Load average ${b.loadBefore} before, ${b.loadAfter} after.`,
    '',
    markdownTable(['command', 'wall s', 'CPU s', 'peak RSS MiB'], rows, ['l', 'r', 'r', 'r']),
    '',
    `- completed: ${ok ? 'yes' : 'NO'} — ${b.lines.toLocaleString('en-US')} lines (expected ${b.n.toLocaleString('en-US')}), ${(b.outputBytes / 1e6).toFixed(0)} MB; ` +
      `spilled ${b.maxRuns} sorted runs.`,
    `- goal: completes with peak RSS ≤ ${GOALS.bigRssMiB} MiB: ${verdict(ok && z.maxRssMiB <= GOALS.bigRssMiB)} (${fmt(z.maxRssMiB, 0)} MiB).` +
      (b.dig ? ` zonelog / dig time: ${fmt(z.wallS / b.dig.wallS)}×.` : ''),
  ].join('\n');
}

/** A section's text cut before each `### ` heading; the part before the first one, and `### N records…`, are the main part. */
function splitSubsections(text: string): { kind: 'main' | 'big' | 'other'; text: string }[] {
  const parts: { kind: 'main' | 'big' | 'other'; text: string }[] = [];
  let current: string[] = [];
  const flush = () => {
    const t = current.join('\n').trim();
    current = [];
    if (!t) return;
    const kind = !t.startsWith('### ') || /^### [\d,]+ records/.test(t) ? 'main' : t.startsWith(BIG_HEADING_PREFIX) ? 'big' : 'other';
    parts.push({ kind, text: t });
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) flush();
    current.push(line);
  }
  flush();
  return parts;
}

function commandLine(argv: string[]): string {
  return `npm run bench -- axfr${argv.length ? ' ' + argv.join(' ') : ''}`;
}

export async function run(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if (!opts) return;
  const tmp = makeTempDir('zonelog-bench-axfr-');
  if (opts.keep) keepTempDir(tmp);
  log(`temporary folder ${tmp}`);
  const command = commandLine(argv);
  const file = opts.reportFile;
  // The section as it is now, cut at its `### ` headings: this run replaces the
  // main part (the text before the first `###` and the `### N records` table) and,
  // with --big, the big-zone part; every other subsection (notes written by hand,
  // such as a profile) is kept as it is.
  const previous = splitSubsections(readSection(file, HEADING) ?? '');
  const previousMain =
    previous
      .filter((p) => p.kind === 'main')
      .map((p) => p.text)
      .join('\n\n') || undefined;
  const previousBig = previous.find((p) => p.kind === 'big')?.text;
  const kept = previous.filter((p) => p.kind === 'other').map((p) => p.text);
  try {
    const zl = zonelogBuild(opts.rev);
    log(`zonelog under test: ${zl.describe}`);
    const main = opts.bigOnly ? undefined : await runMain(opts, tmp, zl);
    const big = opts.big ? await runBig(opts, tmp, zl) : undefined;

    let body: string;
    if (main) {
      const facts = machineFacts();
      body = [
        `Produced by: \`${command}\` (bench/axfr.ts; Knot serves the zone on 127.0.0.1 with ${opts.workers} UDP and ${opts.workers} TCP worker${opts.workers > 1 ? 's' : ''}, ` +
          `\`zonefile-sync: -1\`, \`journal-content: none\`; the commands run interleaved, in a rotated order each round, after one untimed warm-up of (a) and (d)). ` +
          'The machine is shared with other work, so the table gives medians.',
        '',
        `zonelog under test: ${zl.describe}.`,
        '',
        `Machine: ${facts.map((f) => (f.label ? `${f.label} ${f.value}` : f.value)).join('; ')}.`,
        '',
        `Goals: zonelog ≤ ${GOALS.vsDig.toFixed(1)}× dig's time, ≤ ${GOALS.vsDigLdns}× the dig | ldns-read-zone pipeline's time, peak RSS ≤ ${GOALS.rssMiB} MiB; ` +
          `for ${opts.bigRecords.toLocaleString('en-US')} records with \`--memory-budget 256MB\`: completes with peak RSS ≤ ${GOALS.bigRssMiB} MiB.`,
        '',
        mainSection(main, opts.runs),
      ].join('\n');
    } else {
      body = previousMain ?? '(main case not run yet)';
    }
    if (big) body += '\n\n' + bigSection(big, command, zl);
    else if (previousBig) body += '\n\n' + previousBig;
    else body += `\n\n${BIG_HEADING_PREFIX}: not run (opt-in: \`node dist/bench/run.js axfr --big\`).`;
    for (const k of kept) body += '\n\n' + k;

    if (opts.report) {
      replaceSection(file, HEADING, body);
      log(`wrote ${path.relative(process.cwd(), file) || file}`);
    }
    process.stdout.write(`${HEADING}\n\n${body}\n`);
  } finally {
    if (!opts.keep) removeTempDir(tmp);
  }
}

/**
 * Benchmark of the scan (issues "The scan" and "fast where servers are silent"):
 * `zonelog scan` of whole lab worlds (1,500 TLDs with 6 to 10 servers each, about
 * 12,000 targets on 300 addresses, mostly refusals, 5 % silent, 2 % transferring
 * zones of 1k–100k records) against the way earlier archivers worked on the same
 * (zone, address) targets: one `dig AXFR` at a time, and 25 `dig AXFR` at a time
 * (`xargs -P 25`). The worlds: today's (silence spread thinly), silent addresses
 * concentrated, servers that drop AXFR for the zones they do not allow, and the
 * internet's latency on a world shaped like the real root. Every zonelog outcome
 * is checked against the lab's expected outcome for the same client limits, and
 * each run is set beside the politeness bound. See `node dist/bench/run.js scan --help`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabProcess } from './lab.js';
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
  removeTempDir,
  replaceSection,
  shellQuote,
  zonelogBuild,
  type Measurement,
  type ZonelogBuild,
  wholeNumber,
} from './lib.js';
import type { ExpectedTarget } from '../src/lab/world.js';
import type { Report, TargetResult } from '../src/scan/results.js';

export const description =
  'Scan: zonelog scan of 1,500-TLD lab worlds (silence spread, concentrated, droppers, latency) vs dig AXFR one at a time and 25 at a time (xargs -P 25), outcomes checked';

const HEADING = '## Scan (issue: the scan)';
const GOALS = { vsParallelDig: 0.2, wallS: 60, rssMB: 500 };
const MB_IN_MIB = 1e6 / 1024 ** 2;
/** The mix of TLD (zone, address) behaviours: refusals, 5 % silent, 2 % allow. */
const MIX = { refused: 60, notauth: 33, silent: 5, allow: 2 };
const SIZES = { min: 1000, max: 100_000 };
/**
 * Servers per TLD: 1,500 TLDs then make about 12,000 targets, as in the issue and as
 * in the real root zone (13,839 targets for 1,544 TLDs in February 2018, where each NS
 * name has an IPv4 and an IPv6 address; the lab has one IPv6 address, ::1).
 */
const SERVERS_PER_TLD = { min: 6, max: 10 };
const TRANSFER_DEADLINE_MS = 30 * 60_000;
/** A dig still running after this long is killed (its +time covers each read, not the whole transfer). */
const DIG_KILL_S = 120;
const COMMAND_TIMEOUT_MS = 30 * 60_000;

type WorldName = 'today' | 'concentrated' | 'droppers' | 'latency';
/** The worlds (src/lab/silence.ts): today's mix, and the shapes that decide a scan's length on the real internet. */
const WORLDS: Record<WorldName, { title: string; zones?: number; lab: Record<string, unknown> }> = {
  today: { title: "today's world: 5 % of the targets silent, spread thinly over the addresses", lab: {} },
  concentrated: {
    title: 'silent addresses concentrated: 5 % of the targets silent, all on a few addresses with 40–60 targets each',
    lab: { silentAddresses: { share: 0.05, min: 40, max: 60 } },
  },
  droppers: {
    title: "today's world with 6 servers that drop AXFR silently for the zones they do not allow and transfer the others",
    lab: { droppers: 6 },
  },
  latency: {
    title: "the internet's latency: every response delayed by a round trip drawn per address from 20–300 ms, on a world shaped like the real root (1,450 TLDs)",
    zones: 1450,
    lab: { latency: { min: 20, max: 300 } },
  },
};
const WORLD_NAMES = Object.keys(WORLDS) as WorldName[];

const USAGE = `usage: node dist/bench/run.js scan [options]

  --worlds W[,W...]    worlds to run (default all: ${WORLD_NAMES.join(',')})
  --zones N            generated TLDs of each world but the root-shaped one (default 1500: about 12,000 targets)
  --addresses N        TLD server addresses (default 300)
  --seed N             world seed (default 1)
  --timeout S          idle timeout of zonelog (--timeout) and dig (+time) in seconds (default 5)
  --runs N             timed runs of zonelog scan and of the 25-parallel dig (default 3), after
                       one untimed zonelog scan that warms the lab's transfer cache
  --dig-runs N         timed runs of the 25-parallel dig (default: --runs)
  --sample N           targets for the one-dig-at-a-time run, extrapolated (default 500; 0: no such run)
  --parallel N         dig processes at once in (c) (default 25)
  --parallel-sample N  run (c) on a sample of N targets and extrapolate (default: all targets)
  --diagnose-per-address N
                       also one zonelog scan with --per-address N (not judged: it shows what the
                       default --per-address 2 costs)
  --no-profile         do not profile zonelog (node --cpu-prof) when it misses a goal
  --no-report          do not touch BENCHMARKS.md (print the section instead)
  --rev REV            benchmark zonelog as of this git revision (built into bench/out/);
                       default: a private copy of the current dist/src (build it first)
  --keep               keep the temporary folder
  --coverage           instead: the scan of a world with zones below the TLDs shaped like the real one
                       (--suffixes public suffixes, --arpa-zones reverse zones) with every source, beside
                       the TLD-only scan of the same world (sources below the TLDs off); no dig
  --suffixes N         with --coverage (default 7000)
  --arpa-zones N       with --coverage (default 300)
`;

interface Options extends CommonOptions {
  worlds: WorldName[];
  zones: number;
  digRuns: number;
  addresses: number;
  seed: number;
  timeoutS: number;
  runs: number;
  sample: number;
  parallel: number;
  parallelSample: number | undefined;
  diagnosePerAddress: number | undefined;
  profile: boolean;
  coverage: { suffixes: number; arpaZones: number } | undefined;
}

function parseOptions(argv: string[]): Options | undefined {
  const parsed = benchArgs(
    argv,
    {
      worlds: { type: 'string', default: WORLD_NAMES.join(',') },
      zones: { type: 'string', default: '1500' },
      'dig-runs': { type: 'string' },
      addresses: { type: 'string', default: '300' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '5' },
      runs: { type: 'string', default: '3' },
      sample: { type: 'string', default: '500' },
      parallel: { type: 'string', default: '25' },
      'parallel-sample': { type: 'string' },
      'diagnose-per-address': { type: 'string' },
      'no-profile': { type: 'boolean', default: false },
      coverage: { type: 'boolean', default: false },
      suffixes: { type: 'string', default: '7000' },
      'arpa-zones': { type: 'string', default: '300' },
    } as const,
    USAGE,
  );
  if (!parsed) return undefined;
  const { values, common } = parsed;
  const int = wholeNumber;
  return {
    worlds: values.worlds!.split(',').map((w) => {
      if (!(WORLD_NAMES as string[]).includes(w)) throw new Error(`--worlds: no world ${JSON.stringify(w)}; there are ${WORLD_NAMES.join(', ')}`);
      return w as WorldName;
    }),
    zones: int('zones', values.zones!, 1),
    digRuns: values['dig-runs'] !== undefined ? int('dig-runs', values['dig-runs'], 1) : int('runs', values.runs!, 1),
    addresses: int('addresses', values.addresses!, 1),
    seed: int('seed', values.seed!, 1),
    timeoutS: int('timeout', values.timeout!, 1),
    runs: int('runs', values.runs!, 1),
    sample: int('sample', values.sample!, 0),
    parallel: int('parallel', values.parallel!, 1),
    parallelSample: values['parallel-sample'] !== undefined ? int('parallel-sample', values['parallel-sample'], 1) : undefined,
    diagnosePerAddress: values['diagnose-per-address'] !== undefined ? int('diagnose-per-address', values['diagnose-per-address'], 1) : undefined,
    profile: !values['no-profile'],
    coverage: values.coverage ? { suffixes: int('suffixes', values.suffixes!, 0), arpaZones: int('arpa-zones', values['arpa-zones']!, 0) } : undefined,
    ...common,
  };
}

// ---------------------------------------------------------------------------
// Targets and what must come of them.

/** One (zone, address) target: the unit of zonelog's scan and of one dig. */
interface Pair {
  key: string;
  zone: string;
  address: string;
  nsNames: string[];
  behaviour: string;
  expected: string;
  serial?: number;
  records?: number;
}

function pairsOf(expected: ExpectedTarget[]): { pairs: Pair[]; inconsistent: string[] } {
  const byKey = new Map<string, Pair>();
  const inconsistent: string[] = [];
  for (const t of expected) {
    const key = `${t.zone} ${t.address}`;
    const p = byKey.get(key);
    if (!p) {
      byKey.set(key, {
        key,
        zone: t.zone,
        address: t.address,
        nsNames: [t.nsName],
        behaviour: t.behaviour,
        expected: t.expected,
        serial: t.serial,
        records: t.records,
      });
      continue;
    }
    p.nsNames.push(t.nsName);
    if (p.expected !== t.expected || p.serial !== t.serial || p.records !== t.records)
      inconsistent.push(`${key}: ${p.expected} vs ${t.expected} (via ${t.nsName})`);
  }
  return { pairs: [...byKey.values()], inconsistent };
}

function tally(items: Iterable<string>): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

const tallyText = (items: Iterable<string>) =>
  tally(items)
    .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
    .join(', ');

/**
 * A deterministic sample of `n` pairs, stratified by expected outcome: each
 * outcome gets its share (largest remainder), taken at an even stride through
 * that outcome's pairs in (zone, address) order.
 */
function stratifiedSample(pairs: Pair[], n: number): Pair[] {
  if (n >= pairs.length) return [...pairs];
  const groups = new Map<string, Pair[]>();
  for (const p of [...pairs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    let g = groups.get(p.expected);
    if (!g) groups.set(p.expected, (g = []));
    g.push(p);
  }
  const entries = [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const quotas = entries.map(([, g]) => (n * g.length) / pairs.length);
  const counts = quotas.map(Math.floor);
  let left = n - counts.reduce((s, c) => s + c, 0);
  for (const { i } of quotas.map((q, i) => ({ i, r: q - Math.floor(q) })).sort((a, b) => b.r - a.r || a.i - b.i)) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  const out: Pair[] = [];
  entries.forEach(([, g], gi) => {
    const k = counts[gi]!;
    for (let j = 0; j < k; j++) out.push(g[Math.floor((j * g.length) / k)]!);
  });
  return out;
}

// ---------------------------------------------------------------------------
// Checking zonelog's report against the lab.

interface Mismatch {
  key: string;
  expected: string;
  got: string;
}

interface Check {
  targets: number;
  missing: string[];
  extra: string[];
  mismatches: Mismatch[];
  outcomes: [string, number][];
  attempts: [string, number][];
  records: number;
  /**
   * The politeness bound: max(T, max over addresses a of A_a / P), A_a the time a's server
   * spent answering (attempts × duration of every target it answered), P = --per-address,
   * T = --timeout (a silence must be waited on for T once); and the address that sets it.
   */
  bound: { address: string; targets: number; timeouts: number; answeredS: number; boundS: number; perAddress: number; timeoutS: number };
}

function checkReport(report: Report, pairs: Pair[], timeoutS: number): Check {
  const want = new Map(pairs.map((p) => [p.key, p]));
  const got = new Map<string, TargetResult>();
  for (const t of report.targets) got.set(`${t.zone} ${t.address}`, t);
  const missing = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  const mismatches: Mismatch[] = [];
  let records = 0;
  for (const [key, t] of got) {
    const p = want.get(key);
    if (!p) continue;
    if (t.outcome === 'transferred') records += t.records ?? 0;
    const describe = (o: string, serial?: number, n?: number) => (o === 'transferred' ? `transferred serial ${serial} records ${n}` : o);
    const e = describe(p.expected, p.serial, p.records);
    const g = describe(t.outcome, t.serial, t.records);
    if (e !== g) mismatches.push({ key, expected: e, got: `${g}${t.detail ? ` (${t.detail}; ${t.attempts} attempt${t.attempts === 1 ? '' : 's'})` : ''}` });
  }
  mismatches.sort((a, b) => (a.key < b.key ? -1 : 1));
  const perAddress = Number(report.options.perAddress ?? 2);
  const load = new Map<string, { targets: number; timeouts: number; ms: number }>();
  for (const t of report.targets) {
    const l = load.get(t.address) ?? { targets: 0, timeouts: 0, ms: 0 };
    l.targets++;
    if (t.outcome === 'timeout') l.timeouts++;
    else if (t.outcome !== 'skipped' && t.outcome !== 'unreachable') l.ms += (t.durationMs ?? 0) * Math.max(1, t.attempts);
    load.set(t.address, l);
  }
  const [bAddr, b] = [...load].sort((x, y) => y[1].ms - x[1].ms)[0] ?? ['', { targets: 0, timeouts: 0, ms: 0 }];
  const answeredS = b.ms / 1000;
  return {
    bound: { address: bAddr, targets: b.targets, timeouts: b.timeouts, answeredS, boundS: Math.max(timeoutS, answeredS / perAddress), perAddress, timeoutS },
    targets: report.targets.length,
    missing,
    extra,
    mismatches,
    outcomes: tally(report.targets.map((t) => t.outcome)),
    attempts: tally(report.targets.map((t) => `${t.outcome} × ${t.attempts}`)),
    records,
  };
}

// ---------------------------------------------------------------------------
// dig.

interface DigResult {
  m: Measurement;
  targets: number;
  /** What dig's output says, by kind. */
  kinds: [string, number][];
  /** Targets whose dig result agrees with the lab's expected outcome. */
  agree: number;
  disagree: string[];
}

/** What a dig AXFR output file says happened. */
function digKind(text: string): { kind: string; records?: number } {
  const exit = /^exit (\d+)\s*$/m.exec(text)?.[1];
  if (exit === '137') return { kind: 'killed' };
  const size = /XFR size: (\d+) records/.exec(text);
  if (size) return { kind: 'transferred', records: Number(size[1]) };
  if (/connection refused/i.test(text)) return { kind: 'connection-refused' };
  if (/timed out|no servers could be reached/i.test(text)) return { kind: 'timeout' };
  if (/Transfer failed/.test(text)) return { kind: 'failed (rcode)' };
  if (/end of file|connection reset/i.test(text)) return { kind: 'eof/reset' };
  return { kind: `other (exit ${exit ?? '?'})` };
}

/** The dig result that matches the lab's expectation for a pair (dig counts the SOA twice). */
function digAgrees(p: Pair, d: { kind: string; records?: number }): boolean {
  switch (p.expected) {
    case 'transferred':
      return d.kind === 'transferred' && d.records === (p.records ?? -2) + 1;
    case 'refused':
    case 'notauth':
      return d.kind === 'failed (rcode)';
    case 'timeout':
      return d.kind === 'timeout';
    case 'connection-refused':
      return d.kind === 'connection-refused';
    default:
      return false;
  }
}

function digCommand(port: number, timeoutS: number): string {
  return `timeout -s KILL ${DIG_KILL_S} dig AXFR "$0" "@$1" -p ${port} +time=${timeoutS} +tries=1 > "$2" 2>&1; echo "exit $?" >> "$2"`;
}

async function runDig(pairs: Pair[], parallel: number, port: number, timeoutS: number, dir: string, tag: string): Promise<DigResult> {
  const outDir = path.join(dir, `dig-${tag}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const list = path.join(dir, `dig-${tag}.targets`);
  fs.writeFileSync(list, pairs.map((p, i) => `${p.zone} ${p.address} ${path.join(outDir, String(i))}\n`).join(''));
  const argv = ['xargs', '-a', list, '-P', String(parallel), '-L', '1', 'sh', '-c', digCommand(port, timeoutS)];
  const m = await measure([{ argv }], { scratchDir: dir, timeoutMs: COMMAND_TIMEOUT_MS });
  const kinds: string[] = [];
  const disagree: string[] = [];
  let agree = 0;
  pairs.forEach((p, i) => {
    const d = digKind(fs.readFileSync(path.join(outDir, String(i)), 'latin1'));
    kinds.push(d.kind);
    if (digAgrees(p, d)) agree++;
    else
      disagree.push(
        `${p.key}: expected ${p.expected}${p.records !== undefined ? ` (${p.records + 1} records with the SOA twice)` : ''}, dig ${d.kind}${d.records !== undefined ? ` ${d.records}` : ''}`,
      );
  });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.rmSync(list, { force: true });
  return { m, targets: pairs.length, kinds: tally(kinds), agree, disagree };
}

// ---------------------------------------------------------------------------
// Profiling zonelog.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time by function (name, file, line) of a .cpuprofile, the largest first. */
function topSelfTime(file: string, n: number): { totalMs: number; rows: { fn: string; where: string; ms: number; pct: number }[] } {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd]));
  const self = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const us = prof.timeDeltas[i] ?? 0;
    total += us;
    const cf = byId.get(id)!.callFrame;
    const where = cf.url ? `${cf.url.replace(/^file:\/\/.*?\/dist\//, 'dist/').replace(/^node:/, 'node:')}:${cf.lineNumber + 1}` : '';
    const fn = cf.functionName || '(anonymous)';
    const key = `${fn} ${where}`;
    const e = self.get(key) ?? { fn, where, us: 0 };
    e.us += us;
    self.set(key, e);
  });
  const rows = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((e) => ({ fn: e.fn, where: e.where, ms: e.us / 1000, pct: (100 * e.us) / total }));
  return { totalMs: total / 1000, rows };
}

// ---------------------------------------------------------------------------
// One world.

interface WorldResult {
  name: WorldName;
  zones: number;
  ready: Record<string, unknown>;
  pairs: Pair[];
  inconsistent: string[];
  scanCommand: string;
  warm: { m: Measurement; check: Check };
  zonelog: { m: Measurement; check: Check; stats: Record<string, unknown>; load: string }[];
  parallel: { r: DigResult; stats: Record<string, unknown>; load: string }[];
  parallelSampled: boolean;
  serial?: DigResult;
  serialStats?: Record<string, unknown>;
  diagnostic?: { m: Measurement; check: Check; stats: Record<string, unknown>; perAddress: number };
  labHwmMiB: number;
  profile?: { totalMs: number; rows: { fn: string; where: string; ms: number; pct: number }[]; wallS: number };
  loadBefore: string;
  loadAfter: string;
}

async function runWorld(opts: Options, zl: ZonelogBuild, tmp: string, name: WorldName): Promise<WorldResult> {
  const loadBefore = loadAverage();
  const zones = WORLDS[name].zones ?? opts.zones;
  const expectedFile = path.join(tmp, `expected-${name}.json`);
  log(`world ${name} (${zones} TLDs): starting the lab`);
  const lab = startLab(opts, zl, expectedFile, { zones, sizes: SIZES, ...WORLDS[name].lab });
  try {
    const ready = JSON.parse(await lab.nextLine(300_000)) as Record<string, unknown>;
    if (!ready.ready) throw new Error(`the lab said ${JSON.stringify(ready)}`);
    const port = ready.port as number;
    const roots = ready.rootServers as string[];
    const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as ExpectedTarget[];
    const { pairs, inconsistent } = pairsOf(expected);
    log(
      `lab ready in ${fmt((ready.startMs as number) / 1000)} s on port ${port}: ${ready.addresses} addresses, ${pairs.length} (zone, address) targets: ${tallyText(pairs.map((p) => p.expected))}`,
    );

    const scanArgv = (out: string) => [
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
      ...TLD_ONLY,
      '--json',
    ];
    const scanCommand = `zonelog scan --root ${roots.length} root addresses (${roots[0]},…) --port P --out DIR --timeout ${opts.timeoutS} ${TLD_ONLY.join(' ')} --json`;
    let scanNo = 0;
    const runScan = async (label: string, prefix: string[] = [], suffix: string[] = []): Promise<{ m: Measurement; check: Check }> => {
      const out = path.join(tmp, `scan-${name}-${++scanNo}`);
      const argv = scanArgv(out);
      const m = await measure([{ argv: [argv[0]!, ...prefix, ...argv.slice(1), ...suffix] }], {
        stdout: path.join(tmp, 'scan.json'),
        scratchDir: tmp,
        timeoutMs: COMMAND_TIMEOUT_MS,
      });
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
      const check = checkReport(report, pairs, opts.timeoutS);
      log(
        `${label}: zonelog scan ${fmt(m.wallS)} s, ${fmt(m.maxRssMiB, 0)} MiB, cpu ${fmt(m.cpuS)} s; ${check.targets} targets, ` +
          `${check.mismatches.length} mismatches, ${check.missing.length} missing, ${check.extra.length} extra`,
      );
      fs.rmSync(out, { recursive: true, force: true });
      return { m, check };
    };

    // Untimed: the lab encodes every transferable zone once and caches it.
    const warm = await runScan('warm-up');
    const zl1: WorldResult['zonelog'] = [];
    const par: WorldResult['parallel'] = [];
    const parPairs = opts.parallelSample !== undefined ? stratifiedSample(pairs, opts.parallelSample) : pairs;
    const rounds = Math.max(opts.runs, opts.digRuns);
    for (let r = 1; r <= rounds; r++) {
      // Alternate which goes first, so neither always follows the other.
      const order = (r % 2 === 1 ? ['zonelog', 'dig'] : ['dig', 'zonelog']).filter((w) => r <= (w === 'zonelog' ? opts.runs : opts.digRuns));
      for (const which of order) {
        await lab.command('reset');
        if (which === 'zonelog') {
          const x = await runScan(`run ${r}/${opts.runs}`);
          zl1.push({ ...x, stats: await lab.command('stats'), load: loadAverage().split(' ')[0]! });
        } else {
          const d = await runDig(parPairs, opts.parallel, port, opts.timeoutS, tmp, 'parallel');
          par.push({ r: d, stats: await lab.command('stats'), load: loadAverage().split(' ')[0]! });
          log(
            `run ${r}/${opts.digRuns}: ${opts.parallel} parallel dig over ${d.targets} targets ${fmt(d.m.wallS)} s, cpu ${fmt(d.m.cpuS)} s; agree with the lab: ${d.agree}/${d.targets}`,
          );
        }
      }
    }
    let diagnostic: WorldResult['diagnostic'];
    if (opts.diagnosePerAddress !== undefined) {
      await lab.command('reset');
      const x = await runScan(`diagnostic --per-address ${opts.diagnosePerAddress}`, [], ['--per-address', String(opts.diagnosePerAddress)]);
      diagnostic = { ...x, stats: await lab.command('stats'), perAddress: opts.diagnosePerAddress };
    }
    let serial: DigResult | undefined;
    let serialStats: Record<string, unknown> | undefined;
    if (opts.sample > 0) {
      await lab.command('reset');
      const sample = stratifiedSample(pairs, opts.sample);
      serial = await runDig(sample, 1, port, opts.timeoutS, tmp, 'serial');
      serialStats = await lab.command('stats');
      log(
        `one dig at a time over a sample of ${serial.targets}: ${fmt(serial.m.wallS)} s (× ${fmt(pairs.length / serial.targets)} = ${fmt((serial.m.wallS * pairs.length) / serial.targets, 0)} s extrapolated)`,
      );
    }

    let profile: WorldResult['profile'];
    const zMed = median(zl1.map((x) => x.m.wallS));
    const dMed = median(par.map((x) => x.r.m.wallS)) * (pairs.length / parPairs.length);
    const rssMed = median(zl1.map((x) => x.m.maxRssMiB));
    const missed = zMed / dMed > GOALS.vsParallelDig || zMed > GOALS.wallS || rssMed > GOALS.rssMB * MB_IN_MIB;
    if (missed && opts.profile) {
      const profDir = path.join(tmp, `prof-${name}`);
      fs.mkdirSync(profDir, { recursive: true });
      log('zonelog missed a goal: one more scan under node --cpu-prof');
      const x = await runScan('profile', ['--cpu-prof', '--cpu-prof-dir', profDir]);
      const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length > 0) profile = { ...topSelfTime(path.join(profDir, files[0]!), 15), wallS: x.m.wallS };
      fs.rmSync(profDir, { recursive: true, force: true });
    }
    const labHwmMiB = (lab.status()?.VmHWM ?? NaN) / 1024;
    return {
      name,
      zones,
      ready,
      pairs,
      inconsistent,
      scanCommand,
      warm,
      zonelog: zl1,
      parallel: par,
      parallelSampled: parPairs.length !== pairs.length,
      serial,
      serialStats,
      diagnostic,
      labHwmMiB,
      profile,
      loadBefore,
      loadAfter: loadAverage(),
    };
  } catch (e) {
    log(`failed; the lab's stderr ends: ${lab.stderr.slice(-1500)}`);
    throw e;
  } finally {
    await lab.stop();
  }
}

// ---------------------------------------------------------------------------
// The report.

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const n = (x: number) => x.toLocaleString('en-US');

function checkLines(label: string, c: Check, pairs: number): string[] {
  const lines: string[] = [];
  const ok = c.mismatches.length === 0 && c.missing.length === 0 && c.extra.length === 0;
  lines.push(
    `- ${label}: ${n(c.targets)} targets (lab: ${n(pairs)}), ${c.missing.length} missing, ${c.extra.length} extra, ` +
      `${c.mismatches.length} outcome mismatches: ${ok ? 'OK' : '**MISMATCH**'}`,
  );
  const show = 40;
  for (const k of c.missing.slice(0, 10)) lines.push(`  - missing: \`${k}\``);
  for (const k of c.extra.slice(0, 10)) lines.push(`  - extra: \`${k}\``);
  for (const m of c.mismatches.slice(0, show)) lines.push(`  - \`${m.key}\`: expected ${m.expected}, got ${m.got}`);
  if (c.mismatches.length > show) {
    lines.push(
      `  - … and ${c.mismatches.length - show} more; by kind: ${tallyText(c.mismatches.map((m) => `${m.expected.split(' ')[0]} → ${m.got.split(' ')[0]}`))}`,
    );
  }
  return lines;
}

function worldSection(opts: Options, w: WorldResult): string {
  const N = w.pairs.length;
  const zw = w.zonelog.map((x) => x.m.wallS);
  const z = {
    wall: median(zw),
    min: Math.min(...zw),
    max: Math.max(...zw),
    cpu: median(w.zonelog.map((x) => x.m.cpuS)),
    rss: median(w.zonelog.map((x) => x.m.maxRssMiB)),
  };
  const scale = w.parallelSampled ? N / w.parallel[0]!.r.targets : 1;
  const pw = w.parallel.map((x) => x.r.m.wallS * scale);
  const p = {
    wall: median(pw),
    min: Math.min(...pw),
    max: Math.max(...pw),
    cpu: median(w.parallel.map((x) => x.r.m.cpuS)) * scale,
    rss: median(w.parallel.map((x) => x.r.m.maxRssMiB)),
  };
  const sScale = w.serial ? N / w.serial.targets : NaN;
  const s = w.serial ? { wall: w.serial.m.wallS * sScale, measured: w.serial.m.wallS, cpu: w.serial.m.cpuS * sScale, rss: w.serial.m.maxRssMiB } : undefined;
  const peakOf = (st: Record<string, unknown>) => `${st.peak} (${st.peakServing} answered at once)`;
  const zPeak = w.zonelog.map((x) => peakOf(x.stats)).join(', ');
  const pPeak = w.parallel.map((x) => peakOf(x.stats)).join(', ');
  const rows = [
    [
      '(a) zonelog scan',
      `\`${w.scanCommand}\``,
      `all ${n(N)}, ${w.zonelog.length} runs`,
      `**${fmt(z.wall, 1)}**`,
      `${fmt(z.min, 1)}–${fmt(z.max, 1)}`,
      fmt(z.cpu, 1),
      fmt(z.rss, 0),
      zPeak,
    ],
    [
      `(c) dig, ${opts.parallel} at a time`,
      `\`xargs -P ${opts.parallel} -L 1 sh -c 'dig AXFR … +time=${opts.timeoutS} +tries=1 > FILE'\``,
      w.parallelSampled ? `sample of ${n(w.parallel[0]!.r.targets)}, ${w.parallel.length} runs, ×${fmt(scale, 2)}` : `all ${n(N)}, ${w.parallel.length} runs`,
      `**${fmt(p.wall, 1)}**`,
      `${fmt(p.min, 1)}–${fmt(p.max, 1)}`,
      fmt(p.cpu, 1),
      fmt(p.rss, 0),
      pPeak,
    ],
  ];
  if (w.serial && s) {
    rows.splice(1, 0, [
      '(b) dig, one at a time',
      `\`dig AXFR ZONE @ADDR -p P +time=${opts.timeoutS} +tries=1\` per target, in turn`,
      `sample of ${n(w.serial.targets)}, 1 run, ×${fmt(sScale, 2)}`,
      `**${fmt(s.wall, 0)}** (measured ${fmt(s.measured, 1)})`,
      '—',
      fmt(s.cpu, 1),
      fmt(s.rss, 0),
      peakOf(w.serialStats!),
    ]);
  }
  if (w.diagnostic) {
    const d = w.diagnostic;
    rows.splice(1, 0, [
      `(a′) zonelog scan, --per-address ${d.perAddress} (diagnostic, not judged)`,
      `same as (a) plus \`--per-address ${d.perAddress}\``,
      `all ${n(N)}, 1 run`,
      fmt(d.m.wallS, 1),
      '—',
      fmt(d.m.cpuS, 1),
      fmt(d.m.maxRssMiB, 0),
      peakOf(d.stats),
    ]);
  }
  const rA = z.wall / p.wall;
  const bound = median(w.zonelog.map((x) => x.check.bound.boundS));
  const ratios = [
    [`zonelog / ${opts.parallel}-parallel dig`, `${fmt(rA, 3)}×`, `${fmt(z.cpu / p.cpu)}×`, `≤ ${GOALS.vsParallelDig}×`, verdict(rA <= GOALS.vsParallelDig)],
    ...(s ? [['zonelog / one dig at a time (extrapolated)', `${fmt(z.wall / s.wall, 4)}×`, `${fmt(z.cpu / s.cpu)}×`, '—', '—']] : []),
    ['zonelog / the politeness bound (medians)', `${fmt(z.wall / bound, 2)}×`, '', '—', '—'],
    ['zonelog scan wall time (median)', `${fmt(z.wall, 1)} s`, '', `< ${GOALS.wallS} s`, verdict(z.wall < GOALS.wallS)],
    [
      'zonelog peak RSS (median)',
      `${fmt(z.rss, 0)} MiB (${fmt(z.rss / MB_IN_MIB, 0)} MB)`,
      '',
      `≤ ${GOALS.rssMB} MB`,
      verdict(z.rss <= GOALS.rssMB * MB_IN_MIB),
    ],
  ];
  const ready = w.ready;
  const roles = ready.roles as Record<string, number>;
  const transferable = w.pairs.filter((x) => x.expected === 'transferred');
  const recs = transferable.map((x) => x.records ?? 0);
  const checks: string[] = [];
  if (w.inconsistent.length)
    checks.push(`- the lab's expected list gives one (zone, address) different outcomes for different NS names: ${w.inconsistent.slice(0, 5).join('; ')}`);
  checks.push(...checkLines('warm-up scan (untimed)', w.warm.check, N));
  w.zonelog.forEach((x, i) => checks.push(...checkLines(`timed scan ${i + 1}`, x.check, N)));
  const z0 = w.zonelog[0]!.check;
  checks.push(
    `- zonelog outcomes (timed scan 1): ${z0.outcomes.map(([k, c]) => `${k} ${n(c)}`).join(', ')}; ${n(z0.records)} records transferred; attempts: ${z0.attempts.map(([k, c]) => `${k}: ${n(c)}`).join(', ')}.`,
  );
  const busy = (c: Check) =>
    `max(T, A / P) = max(${c.bound.timeoutS} s, ${fmt(c.bound.answeredS, 1)} s / ${c.bound.perAddress}) = ${fmt(c.bound.boundS, 1)} s, ` +
    `A set by ${c.bound.address} (${n(c.bound.targets)} targets, ${c.bound.timeouts} of them timeouts)`;
  checks.push(
    `- Politeness bound, per timed scan: ${w.zonelog.map((x) => `${busy(x.check)}; the scan took ${fmt(x.m.wallS, 1)} s, ${fmt(x.m.wallS / x.check.bound.boundS, 2)}× the bound`).join('. ')}.`,
  );
  if (w.diagnostic) {
    checks.push(...checkLines(`diagnostic scan --per-address ${w.diagnostic.perAddress}`, w.diagnostic.check, N));
    checks.push(`- Politeness bound (diagnostic scan): ${busy(w.diagnostic.check)}.`);
  }
  const digLine = (label: string, d: DigResult) =>
    `- ${label}: dig's outputs say ${d.kinds.map(([k, c]) => `${k} ${n(c)}`).join(', ')}; ${n(d.agree)} of ${n(d.targets)} agree with the lab's expectation` +
    (d.disagree.length
      ? ` — disagreeing: ${d.disagree
          .slice(0, 8)
          .map((x) => `\`${x}\``)
          .join('; ')}${d.disagree.length > 8 ? ` … (${d.disagree.length} in all)` : ''}`
      : '');
  checks.push(digLine(`(c) last run`, w.parallel[w.parallel.length - 1]!.r));
  const timeouts = w.pairs.filter((x) => x.expected === 'timeout').length;
  const floor = (timeouts * opts.timeoutS) / opts.parallel;
  checks.push(
    `- Floor of (c): its ${n(timeouts)} timeouts alone keep ${opts.parallel} digs busy for ${n(timeouts)} × ${opts.timeoutS} s / ${opts.parallel} = ${fmt(floor, 1)} s, ` +
      `however fast the machine; zonelog's median is ${fmt(z.wall / floor, 2)}× that floor, and ${GOALS.vsParallelDig}× the floor is ${fmt(GOALS.vsParallelDig * floor, 1)} s. ` +
      `(c) measured ${fmt(p.wall / floor, 2)}× its floor: the digs (${fmt(p.cpu, 0)} CPU s) share the 2 cores with the lab and the other work.`,
  );
  checks.push(
    `- 1-minute load average after each timed command: (a) ${w.zonelog.map((x) => x.load).join(', ')}; (c) ${w.parallel.map((x) => x.load).join(', ')}.`,
  );
  if (w.serial) checks.push(digLine('(b) sample', w.serial));

  const lines = [
    `### World \`${w.name}\`: ${n(w.zones)} TLDs, ${n(N)} targets on ${n(roles.tld ?? 0)} TLD server addresses (${n(opts.addresses)} on 127/8, and ::1)`,
    '',
    `${WORLDS[w.name].title[0]!.toUpperCase()}${WORLDS[w.name].title.slice(1)} (lab options \`${JSON.stringify(WORLDS[w.name].lab)}\`).`,
    '',
    `World (seed ${opts.seed}): ${n(ready.zones as number)} zones (${n(w.zones)} TLDs + \`arpa.\` + \`lab-net.\`) and the root; ${n(ready.addresses as number)} addresses ` +
      `(${Object.entries(roles)
        .map(([k, c]) => `${k} ${c}`)
        .join(', ')}), ${ready.closed} closed to TCP (the lab's default 2 %). ` +
      `Mix of TLD (zone, address) behaviours \`${JSON.stringify(MIX)}\` (weights), zone sizes log-uniform ${n(SIZES.min)}–${n(SIZES.max)} records; ` +
      `the lab was ready in ${fmt((ready.startMs as number) / 1000, 1)} s.`,
    '',
    `Targets, each a (zone, address) from the lab's \`expectedFor({ idleTimeoutMs: ${opts.timeoutS * 1000}, deadlineMs: ${TRANSFER_DEADLINE_MS} })\`, by behaviour: ${tallyText(w.pairs.map((x) => x.behaviour))}; ` +
      `by expected outcome: ${tallyText(w.pairs.map((x) => x.expected))}. ` +
      `The ${n(transferable.length)} transfers hold ${n(recs.reduce((a, b) => a + b, 0))} records (${n(Math.min(...recs))}–${n(Math.max(...recs))} each). ` +
      `The one-at-a-time sample is stratified by expected outcome (${tallyText(stratifiedSample(w.pairs, opts.sample).map((x) => x.expected))}).`,
    '',
    markdownTable(
      ['', 'command', 'targets', 'median wall s', 'min–max s', 'CPU s (user+sys)', 'peak RSS MiB', 'most TCP connections at one address, per run'],
      rows,
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    markdownTable(['ratio (medians)', 'wall time', 'CPU time', 'goal', 'goal met?'], ratios, ['l', 'r', 'r', 'l', 'l']),
    '',
    `The lab ran in its own process (bench/lab-server.ts, the same zonelog build); its peak RSS (VmHWM) at the end was ${fmt(w.labHwmMiB, 0)} MiB. ` +
      `Load average ${w.loadBefore} before, ${w.loadAfter} after.`,
    '',
    'Checks:',
    '',
    ...checks,
  ];
  if (w.profile) {
    lines.push(
      '',
      `zonelog missed a goal, so one more scan ran under \`node --cpu-prof\` (${fmt(w.profile.wallS, 1)} s wall, ${fmt(w.profile.totalMs / 1000, 1)} s sampled, idle included). Top self time:`,
      '',
      markdownTable(
        ['function', 'where', 'self ms', '% of samples'],
        w.profile.rows.map((r) => [`\`${r.fn}\``, r.where ? `\`${r.where}\`` : '', fmt(r.ms, 0), fmt(r.pct, 1)]),
        ['l', 'l', 'r', 'r'],
      ),
    );
    const idle = w.profile.rows.find((r) => r.fn === '(idle)');
    if (idle && idle.pct > 50) {
      lines.push(
        '',
        `${fmt(idle.pct, 0)} % of the samples are \`(idle)\`: zonelog's main thread waits on the network most of the time; its wall time is set by the ` +
          `politeness bound above and the waits for silence, not by its CPU.`,
      );
    }
  }
  return lines.join('\n');
}

function commandLine(argv: string[]): string {
  return `npm run bench -- scan${argv.length ? ' ' + argv.map(shellQuote).join(' ') : ''}`;
}

export async function run(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if (!opts) return;
  const tmp = makeTempDir('zonelog-bench-scan-');
  if (opts.keep) keepTempDir(tmp);
  log(`temporary folder ${tmp}`);
  try {
    const zl = zonelogBuild(opts.rev);
    log(`zonelog under test: ${zl.describe}`);
    if (opts.coverage) {
      await runCoverage(opts, opts.coverage, zl, tmp, argv);
      return;
    }
    const worlds: WorldResult[] = [];
    for (const name of opts.worlds) worlds.push(await runWorld(opts, zl, tmp, name));
    const facts = machineFacts().filter((f) => ['nproc', 'CPU', 'memory', 'kernel', 'node', 'dig'].includes(f.label));
    const body = [
      `Produced by: \`${commandLine(argv)}\` (bench/scan.ts). One lab world per line of results, served by a lab process on 127.0.0.0/8 and ::1 (one port); ` +
        `for each: one untimed \`zonelog scan\` (it makes the lab encode and cache every transferable zone, so no command pays for that), ` +
        `then ${opts.runs} runs of (a) and ${opts.digRuns} of (c), in rounds whose order alternates${opts.sample > 0 ? ', then (b) once' : ' ((b), one dig at a time, was not run)'}. ` +
        `(a) discovers its targets itself (root zone by AXFR, glue, resolution of glue-less names); (b) and (c) are given the same (zone, address) list, ` +
        `taken from the lab's expected list, and write each output to its own file (\`timeout -s KILL ${DIG_KILL_S}\` around each dig). ` +
        'The machine has 2 cores and other work runs on it: the tables give **medians**; the lab serves on the same 2 cores.',
      '',
      `Goals: zonelog ≤ ${GOALS.vsParallelDig}× the time of ${opts.parallel} parallel digs on every world; the whole scan < ${GOALS.wallS} s; zonelog's peak RSS ≤ ${GOALS.rssMB} MB.`,
      '',
      '**The politeness bound** of a scan is **max(T, max over addresses a of A_a / P)**: P is `--per-address` (at most P transfers answered at once by one address), ' +
        'A_a the time address a spends answering (the sum over its answered targets of attempts × duration, from the connection to the last byte, as zonelog measured it in that run), ' +
        'and T the idle timeout (`--timeout`): a silence has to be waited on for T at least once before it can be called one. ' +
        'No scan that keeps to P at every address that answers can be shorter, however fast the machine; an address that never answers costs its operator nothing and adds nothing to it. ' +
        'Each run is set beside its own bound below ("× the bound").',
      '',
      `zonelog under test (scanner and lab): ${zl.describe}. zonelog runs with its defaults (\`--concurrency 128 --per-address 2\`; per address it learns: ` +
        'an address not heard from gets one probe with the full timeout, then 2 s first-byte timeouts, no retries and more attempts at once the longer it stays silent; ' +
        'once it answers, its short silences get the full timeout and a dropped query waits without holding a slot; any attempt without a byte for a moment gives back its slot of --concurrency; resets and truncations are tried once more, refusals and timeouts never) ' +
        `and \`--timeout ${opts.timeoutS}\`, the sources below the TLDs off (\`${TLD_ONLY.join(' ')}\`): the digs are given the root's and the TLDs' targets only, ` +
        "and in the lab every NS question below a TLD's apex makes the lab index that whole TLD (up to 100,000 records) on the cores zonelog runs on, work real servers do not do; " +
        'the section "Scan: coverage below the TLDs" measures those sources.',
      '',
      `Machine: ${facts.map((f) => `${f.label} ${f.value}`).join('; ')}.`,
      '',
      `CPU time is that of the measured process and its children (for (a) the zonelog process; for (b) and (c) xargs, sh, timeout and dig), not the lab's. ` +
        "Peak RSS is GNU time's `%M`: for (a) zonelog's node process, for (b) and (c) the largest single process (a dig).",
      '',
      ...worlds.map((w) => worldSection(opts, w)),
    ]
      .join('\n\n')
      .replace(/\n{3,}/g, '\n\n');
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

// ---------------------------------------------------------------------------
// --coverage: the sources below the TLDs at the real world's scale.

const COVERAGE_HEADING = '## Scan: coverage below the TLDs (issue: coverage below the TLDs)';
const COVERAGE_GOAL = 3;
/**
 * TLD sizes of the coverage world. The lab's server indexes a whole zone to answer a
 * question below its apex (a real server has its zones indexed already): with the
 * scan world's sizes (1,000 to 100,000 records) the suffix questions to a thousand
 * TLDs would time the lab's indexing, not the scan. Both scans get the same world.
 */
const COVERAGE_SIZES = { min: 100, max: 10_000 };

interface CoverageRun {
  m: Measurement;
  check: Check;
  sources: Record<string, { zones: number; targets: number; cutZones: number }>;
  questions: number;
  phasesS: Record<string, number>;
}

/**
 * The lab in its own process (bench/lab-server.ts, the build under test), with the benchmark's
 * mix, addresses and servers per TLD and the world's own options; it writes the expected targets
 * to `expectedFile`.
 */
function startLab(opts: Options, zl: ZonelogBuild, expectedFile: string, world: Record<string, unknown>): LabProcess {
  const lab = { seed: opts.seed, port: 0, addresses: opts.addresses, mix: MIX, serversPerTld: SERVERS_PER_TLD, ...world };
  const limits = { idleTimeoutMs: opts.timeoutS * 1000, deadlineMs: TRANSFER_DEADLINE_MS };
  const server = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lab-server.js');
  const labModule = path.join(path.dirname(zl.bin), '..', 'lab', 'lab.js');
  return new LabProcess([process.execPath, server, labModule, JSON.stringify({ lab, limits }), expectedFile], { stdin: true });
}

/** What a scan covered before the sources below the TLDs: the root, its TLDs (and a list by hand). */
const TLD_ONLY = ['--budget', 'arpa=0', '--budget', 'psl=0', '--leaked-max', '0'];

/** The internet's round trips, as in the world `latency`. */
const COVERAGE_LATENCY = { min: 20, max: 300 };

async function runCoverage(opts: Options, scale: { suffixes: number; arpaZones: number }, zl: ZonelogBuild, tmp: string, argv: string[]): Promise<void> {
  const zones = opts.zones;
  const expectedFile = path.join(tmp, 'expected-coverage.json');
  log(`coverage world of ${zones} TLDs, ${scale.suffixes} suffixes, ${scale.arpaZones} arpa zones: starting the lab`);
  const lab = startLab(opts, zl, expectedFile, { zones, sizes: COVERAGE_SIZES, below: { scale }, latency: COVERAGE_LATENCY });
  try {
    const ready = JSON.parse(await lab.nextLine(600_000)) as Record<string, unknown>;
    if (!ready.ready) throw new Error(`the lab said ${JSON.stringify(ready)}`);
    const port = ready.port as number;
    const roots = ready.rootServers as string[];
    const { pairs } = pairsOf(JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as ExpectedTarget[]);
    const tldPairs = pairs.filter((p) => p.zone === '.' || p.zone.split('.').length === 2);
    const suffixFile = `${expectedFile}.suffixes`;
    log(`lab ready in ${fmt((ready.startMs as number) / 1000)} s: ${pairs.length} (zone, address) targets, ${tldPairs.length} of the root and the TLDs`);
    const base = ['scan', '--root', roots.join(','), '--port', String(port), '--timeout', String(opts.timeoutS), '--json'];
    const variants = {
      tld: { label: 'TLD-only', args: TLD_ONLY, pairs: tldPairs },
      all: { label: 'every source', args: ['--suffix-list', suffixFile], pairs },
    };
    let no = 0;
    const runScan = async (which: keyof typeof variants, label: string): Promise<CoverageRun> => {
      const v = variants[which];
      const out = path.join(tmp, `coverage-${++no}`);
      const m = await measure([{ argv: [process.execPath, zl.bin, ...base, '--out', out, ...v.args] }], {
        stdout: path.join(tmp, 'scan.json'),
        scratchDir: tmp,
        timeoutMs: COMMAND_TIMEOUT_MS,
      });
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
      const check = checkReport(report, v.pairs, opts.timeoutS);
      const sources = (report.sources as { sources?: CoverageRun['sources'] } | undefined)?.sources ?? {};
      const questions = Number(report.discovery.resolverQueries ?? 0);
      const phasesS = Object.fromEntries(Object.entries((report.discovery.phasesMs ?? {}) as Record<string, number>).map(([k, v]) => [k, v / 1000]));
      log(
        `${label} ${v.label}: ${fmt(m.wallS)} s, ${fmt(m.maxRssMiB, 0)} MiB; ${check.targets} targets, ${check.mismatches.length} mismatches, ${check.missing.length} missing, ${check.extra.length} beyond the lab's list; ${questions} discovery questions`,
      );
      fs.rmSync(out, { recursive: true, force: true });
      return { m, check, sources, questions, phasesS };
    };
    await runScan('all', 'warm-up');
    const runs: Record<'tld' | 'all', CoverageRun[]> = { tld: [], all: [] };
    for (let r = 1; r <= opts.runs; r++) {
      const order: ('tld' | 'all')[] = r % 2 === 1 ? ['tld', 'all'] : ['all', 'tld'];
      for (const which of order) {
        await lab.command('reset');
        runs[which].push(await runScan(which, `run ${r}/${opts.runs}`));
      }
    }
    const body = coverageSection(opts, scale, zl, argv, runs, ready);
    if (opts.report) {
      replaceSection(path.join(REPO_ROOT, 'BENCHMARKS.md'), COVERAGE_HEADING, body);
      log('wrote BENCHMARKS.md');
    }
    process.stdout.write(`${COVERAGE_HEADING}\n\n${body}\n`);
  } finally {
    await lab.stop();
  }
}

/**
 * What politeness alone allows: the busiest address of the every-source scan answers its
 * targets at most 2 at a time, each taking at least that address's round trip, so no scan
 * that keeps to --per-address can be shorter than its bound, however fast the machine.
 */
function coverageFloor(runs: Record<'tld' | 'all', CoverageRun[]>, tldS: number): string {
  const all = runs.all[runs.all.length - 1]!;
  const tld = runs.tld[runs.tld.length - 1]!;
  const b = all.check.bound;
  return (
    `The politeness bound of the last runs (A / P for the busiest address, as in the table: the time its server spent answering, ${b.perAddress} at a time; silences not counted) ` +
    `is ${fmt(b.boundS)} s for every source (${b.address}: ${n(b.targets - b.timeouts)} answered targets, each at least its round trip) and ${fmt(tld.check.bound.boundS)} s for TLD-only. ` +
    `No scan of every source that keeps to --per-address ${b.perAddress} can be shorter, however fast the machine: that is ${fmt(b.boundS / tldS)}× the TLD-only median, so the goal of ${COVERAGE_GOAL}× ` +
    `${b.boundS / tldS > COVERAGE_GOAL ? 'cannot be met on this world with this politeness' : 'is within reach'}. ` +
    `zonelog took ${fmt(all.m.wallS / b.boundS)}× its bound for every source and ${fmt(tld.m.wallS / tld.check.bound.boundS)}× for TLD-only (last runs).`
  );
}

function coverageSection(
  opts: Options,
  scale: { suffixes: number; arpaZones: number },
  zl: ZonelogBuild,
  argv: string[],
  runs: Record<'tld' | 'all', CoverageRun[]>,
  ready: Record<string, unknown>,
): string {
  const med = (xs: CoverageRun[], f: (x: CoverageRun) => number) => median(xs.map(f));
  const tldS = med(runs.tld, (x) => x.m.wallS);
  const allS = med(runs.all, (x) => x.m.wallS);
  const last = runs.all[runs.all.length - 1]!;
  const row = (label: string, xs: CoverageRun[]) => {
    const c = xs[xs.length - 1]!.check;
    return [
      label,
      fmt(med(xs, (x) => x.m.wallS)),
      xs.map((x) => fmt(x.m.wallS)).join(' / '),
      fmt(
        med(xs, (x) => x.m.maxRssMiB),
        0,
      ),
      n(c.targets),
      `${c.mismatches.length} / ${c.missing.length}`,
      n(med(xs, (x) => x.questions)),
      `${c.bound.targets} targets, ${c.bound.timeouts} timeouts: ${fmt(c.bound.boundS)} s`,
      ['root', 'arpa', 'psl', 'transfers', 'leaked']
        .filter((k) => xs[0]!.phasesS[k] !== undefined)
        .map((k) => `${k} ${fmt(med(xs, (x) => x.phasesS[k] ?? 0))}`)
        .join(', '),
    ];
  };
  const facts = machineFacts().filter((f) => ['nproc', 'CPU', 'memory', 'node'].includes(f.label));
  return [
    `Produced by: \`${commandLine(argv)}\` (bench/scan.ts, --coverage). One lab world: ${n(opts.zones)} TLDs on ${n(opts.addresses)} addresses as in the scan benchmark above (6 to 10 servers each, ` +
      `${n(COVERAGE_SIZES.min)} to ${n(COVERAGE_SIZES.max)} records: the lab indexes a whole zone to answer a question below its apex, which bigger TLDs would make the thing measured; behaviours ${Object.entries(
        MIX,
      )
        .map(([k, v]) => `${v} % ${k}`)
        .join(', ')}), plus zones below them shaped like the real ones (src/lab/below.ts, scale): ` +
      `${n(scale.suffixes)} public suffixes spread over the TLDs by a Zipf law, half of them zone cuts on their TLD's servers; ${n(scale.arpaZones)} reverse zones ` +
      `(three quarters /8 zones under in-addr.arpa., the rest under ip6.arpa.) on five registries' servers; behaviours drawn from the same mix, pair by pair; and the lab's small leaking TLD. ` +
      `${n(ready.targets as number)} (zone, NS name, address) targets in all. Every response of an address waits a round trip drawn per address from ${COVERAGE_LATENCY.min}–${COVERAGE_LATENCY.max} ms (the lab's latency knob, as in the world \`latency\` above).`,
    '',
    `Both scans run the same build with the same politeness (\`--concurrency 128 --per-address 2\`, \`--timeout ${opts.timeoutS}\`): ` +
      `TLD-only is \`--budget arpa=0 --budget psl=0 --leaked-max 0\` (what a scan covered before the sources below the TLDs), every source is the default with \`--suffix-list\` the lab's list. ` +
      `One untimed scan first (the lab caches its transfers), then ${opts.runs} rounds of both, their order alternating. Medians.`,
    '',
    `Goal: every source ≤ ${COVERAGE_GOAL}× the TLD-only time. **${fmt(allS / tldS)}×** (${fmt(allS)} s vs ${fmt(tldS)} s): ${verdict(allS / tldS <= COVERAGE_GOAL)}.`,
    '',
    coverageFloor(runs, tldS),
    '',
    markdownTable(
      [
        'scan',
        'median s',
        'runs s',
        'peak RSS MiB',
        'targets',
        'mismatches / missing',
        'discovery questions',
        'busiest address (its transfer time at 2 at a time)',
        'stages, median s',
      ],
      [row('TLD-only', runs.tld), row('every source', runs.all)],
    ),
    '',
    `What each source gave (last run, targets counted before --shard): ${Object.entries(last.sources)
      .map(([k, v]) => `${k} ${n(v.zones)} zones / ${n(v.targets)} targets${v.cutZones ? ` (budget cut ${n(v.cutZones)} zones)` : ''}`)
      .join('; ')}. ` +
      `${n(last.check.extra.length)} targets beyond the lab's list are the delegations of leaked zones (the lab parks their glue on loopback addresses where nothing listens).`,
    '',
    `zonelog under test: ${zl.describe}. Machine: ${facts.map((f) => `${f.label} ${f.value}`).join('; ')}; other work runs on it.`,
  ].join('\n');
}

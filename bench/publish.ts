/**
 * Benchmark of `zonelog publish` (issue: publish):
 *
 *  (a) an archive of 1,500 zones (10 of 100,000 records) already committed, then a
 *      scan where 10 zones changed: `zonelog publish DIR --archive A --commit` against
 *      `git add -A && git commit` of the very same files in a twin repository;
 *  (b) an unchanged world: publish must make no commit, timed against `git status`;
 *  (c) churn: a 50,000-record signed zone re-signed every round (new RRSIG bytes,
 *      same data, serial bumped), 50 rounds: growth of `.git` after `git gc` per round
 *      for the default archive, `--dnssec`, and raw `dig AXFR` output committed as is;
 *  (d) `.git` after `git gc` of the 101-version real root zone replay (corpus bundle,
 *      served by the lab's AuthServer, fetched by transfer(), published with its date).
 *
 * Zone texts are real canonical text: records are generated in master-file form,
 * read by src/lab/masterfile.ts and rendered by src/zone/canonical.ts (from dist/src). The
 * commands under test run from a private copy of dist/src (see zonelogBuild).
 * See `node dist/bench/run.js publish --help`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { transfer } from '../src/axfr/transfer.js';
import { CanonicalZone } from '../src/zone/canonical.js';
import { AuthServer, staticZone } from '../src/lab/authserver.js';
import { parseZoneText } from '../src/lab/masterfile.js';
import type { WireRecord } from '../src/dns/message.js';
import { ROOT, textToName } from '../src/dns/name.js';
import { ResultsWriter, type Report, type TargetResult } from '../src/scan/results.js';
import { TYPE } from '../src/dns/types.js';
import { ROOT_BUNDLE } from '../test/support/corpus.js';
import {
  REPO_ROOT,
  prng,
  benchArgs,
  type CommonOptions,
  capture,
  cpuProfileTop,
  dirBytes,
  fmt,
  gitTrace,
  keepTempDir,
  loadAverage,
  log,
  machineFacts,
  makeTempDir,
  markdownTable,
  measure,
  median,
  removeTempDir,
  readSection,
  replaceSection,
  shellQuote,
  zonelogBuild,
  type Measurement,
  type Stage,
  type ZonelogBuild,
  wholeNumber,
} from './lib.js';

export const description = 'Publish: publish --commit vs git add+commit, unchanged world vs git status, .git growth under re-signing, root zone replay';

const HEADING = '## Publish (issue: publish)';
const GOALS = { commitVsGit: 2.0, unchangedVsStatus: 1.2, churnBytesPerRound: 1024 };
const COMMAND_TIMEOUT_MS = 10 * 60_000;

const USAGE = `usage: node dist/bench/run.js publish [options]

  --runs N            timed runs of each command (default 5)
  --zones N           zones in the archive for (a) and (b) (default 1500)
  --big-zones N       of which this many are big (default 10)
  --big-records N     records in each big zone (default 100000)
  --changed N         zones that change in (a) (default 10)
  --churn-records N   data records of the re-signed zone in (c) (default 50000)
  --churn-rounds N    re-signing rounds in (c) (default 50)
  --seed N            generator seed (default 1)
  --parts LIST        which parts to run, of a,b,c,d (default a,b,c,d); the others keep
                      their previous text in BENCHMARKS.md
  --no-profile        no CPU profile for the goals that are missed
  --no-report         do not touch BENCHMARKS.md (print the section instead)
  --rev REV           benchmark zonelog as of this git revision (built into bench/out/);
                      default: a private copy of the current dist/src (build it first)
  --keep              keep the temporary folder
`;

interface Options extends CommonOptions {
  runs: number;
  zones: number;
  bigZones: number;
  bigRecords: number;
  changed: number;
  churnRecords: number;
  churnRounds: number;
  seed: number;
  parts: Set<string>;
  profile: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const parsed = benchArgs(
    argv,
    {
      runs: { type: 'string', default: '5' },
      zones: { type: 'string', default: '1500' },
      'big-zones': { type: 'string', default: '10' },
      'big-records': { type: 'string', default: '100000' },
      changed: { type: 'string', default: '10' },
      'churn-records': { type: 'string', default: '50000' },
      'churn-rounds': { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      parts: { type: 'string', default: 'a,b,c,d' },
      'no-profile': { type: 'boolean', default: false },
    } as const,
    USAGE,
  );
  if (!parsed) return undefined;
  const { values, common } = parsed;
  const int = wholeNumber;
  const parts = new Set(
    values
      .parts!.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const p of parts) if (!['a', 'b', 'c', 'd'].includes(p)) throw new Error(`--parts: unknown part ${p} (a, b, c, d)`);
  const o: Options = {
    runs: int('runs', values.runs!, 1),
    zones: int('zones', values.zones!, 2),
    bigZones: int('big-zones', values['big-zones']!, 0),
    bigRecords: int('big-records', values['big-records']!, 20),
    changed: int('changed', values.changed!, 1),
    churnRecords: int('churn-records', values['churn-records']!, 20),
    churnRounds: int('churn-rounds', values['churn-rounds']!, 1),
    seed: int('seed', values.seed!, 0),
    parts,
    profile: !values['no-profile'],
    ...common,
  };
  if (o.bigZones >= o.zones) throw new Error('--big-zones must be fewer than --zones');
  if (o.changed > o.zones - o.bigZones) throw new Error('--changed must be at most the number of small zones');
  return o;
}

// ---------------------------------------------------------------------------
// Zones: generated in master-file form, rendered to canonical text by zonelog's own code.

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789-';
export const BASE_SERIAL = 2026010100;

export function randomHex(rnd: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i += 4) s += ((rnd() * 4294967296) >>> 0).toString(16).padStart(8, '0');
  return s.slice(0, bytes * 2).toUpperCase();
}

export function randomIpv4(rnd: () => number): string {
  const int = (k: number) => Math.floor(rnd() * k);
  return `${1 + int(222)}.${int(256)}.${int(256)}.${1 + int(254)}`;
}

function randomIpv6(rnd: () => number): string {
  const int = (k: number) => Math.floor(rnd() * k);
  return `2a0${int(16).toString(16)}:${int(65536).toString(16)}:${int(65536).toString(16)}:${int(65536).toString(16)}::${1 + int(255)}`;
}

function randomChild(rnd: () => number, zone: string, tag: string): string {
  let word = LETTERS[Math.floor(rnd() * 26)]!;
  const len = 2 + Math.floor(rnd() * 12);
  for (let k = 1; k < len; k++) word += LABEL_CHARS[Math.floor(rnd() * LABEL_CHARS.length)]!;
  return `${word}-${tag}.${zone}`;
}

/** One delegation: an NS pair, a DS for ~70%, in-bailiwick name servers with glue for ~35%. */
function delegationLines(rnd: () => number, child: string, zone: string): string[] {
  const out: string[] = [];
  const inBailiwick = rnd() < 0.35;
  const withDs = rnd() < 0.7;
  const withAaaa = rnd() < 0.6;
  let ns: string[];
  if (inBailiwick) ns = [`ns1.${child}`, `ns2.${child}`];
  else {
    const p = Math.floor(3000 * rnd() ** 3);
    const tld = ['net.', 'com.', 'org.', zone][p % 4]!;
    const k = 1 + 2 * Math.floor(rnd() * 2);
    ns = [`ns${k}.dnsprovider${p}.${tld}`, `ns${k + 1}.dnsprovider${p}.${tld}`];
  }
  for (const host of ns) out.push(`${child} 172800 IN NS ${host}`);
  if (withDs) out.push(`${child} 86400 IN DS ${Math.floor(rnd() * 65536)} ${rnd() < 0.8 ? 13 : 8} 2 ${randomHex(rnd, 32)}`);
  if (inBailiwick) {
    for (const host of ns) out.push(`${host} 172800 IN A ${randomIpv4(rnd)}`);
    if (withAaaa) for (const host of ns) out.push(`${host} 172800 IN AAAA ${randomIpv6(rnd)}`);
  }
  return out;
}

/**
 * A TLD-shaped zone of exactly `n` records in master-file form (absolute names,
 * one record per line, the SOA first): apex NS and their addresses, then
 * delegations (NS pair, DS for ~70%, glue for ~35%).
 */
export function generateZone(zone: string, n: number, rnd: () => number, serial = BASE_SERIAL): string[] {
  const lines: string[] = [`${zone} 86400 IN SOA a.nic.${zone} hostmaster.nic.${zone} ${serial} 1800 900 604800 86400`];
  for (const s of ['a', 'b', 'c', 'd']) lines.push(`${zone} 172800 IN NS ${s}.nic.${zone}`);
  for (const s of ['a', 'b', 'c', 'd']) {
    lines.push(`${s}.nic.${zone} 172800 IN A ${randomIpv4(rnd)}`);
    lines.push(`${s}.nic.${zone} 172800 IN AAAA ${randomIpv6(rnd)}`);
  }
  for (let i = 0; lines.length < n; i++) lines.push(...delegationLines(rnd, randomChild(rnd, zone, i.toString(36)), zone));
  return lines.slice(0, n);
}

/** The serial of a master-file or canonical SOA line. */
export function soaSerialOf(line: string): number {
  return Number(line.split(/[ \t]+/)[6]);
}

function withSerial(soaLine: string, serial: number): string {
  const f = soaLine.split(' ');
  f[6] = String(serial);
  return f.join(' ');
}

/**
 * A new version of a zone: serial bumped; `modify` DS/A records given new RDATA,
 * `remove` delegations gone (with their glue), `add` new ones.
 */
export function mutateZone(zone: string, lines: string[], rnd: () => number, o: { modify: number; add: number; remove: number; tag: string }): string[] {
  const out = [withSerial(lines[0]!, soaSerialOf(lines[0]!) + 1), ...lines.slice(1)];
  const candidates: number[] = [];
  const owners = new Set<string>();
  for (let i = 1; i < out.length; i++) {
    const f = out[i]!.split(' ');
    if (f[3] === 'DS' || f[3] === 'A') candidates.push(i);
    if (f[3] === 'NS' && f[0] !== zone) owners.add(f[0]!);
  }
  const delegations = [...owners];
  for (let k = 0; k < o.modify && candidates.length > 0; k++) {
    const i = candidates[Math.floor(rnd() * candidates.length)]!;
    const f = out[i]!.split(' ');
    f.splice(4, f.length - 4, ...(f[3] === 'DS' ? [String(Math.floor(rnd() * 65536)), '13', '2', randomHex(rnd, 32)] : [randomIpv4(rnd)]));
    out[i] = f.join(' ');
  }
  const gone = new Set<string>();
  for (let k = 0; k < o.remove && delegations.length > 0; k++) gone.add(delegations.splice(Math.floor(rnd() * delegations.length), 1)[0]!);
  const kept =
    gone.size === 0
      ? out
      : out.filter((l, i) => {
          if (i === 0) return true;
          const owner = l.slice(0, l.indexOf(' '));
          if (gone.has(owner)) return false;
          const dot = owner.indexOf('.');
          return !(dot >= 0 && gone.has(owner.slice(dot + 1)));
        });
  for (let k = 0; k < o.add; k++) kept.push(...delegationLines(rnd, randomChild(rnd, zone, `${o.tag}${k}`), zone));
  return kept;
}

/** Master-file lines (or parsed records) → zonelog's canonical text. */
export function renderCanonical(zone: string, input: string[] | WireRecord[], dnssec = false): string {
  let records: WireRecord[];
  if (input.length > 0 && typeof input[0] === 'string') {
    const parsed = parseZoneText((input as string[]).join('\n') + '\n', { file: zone });
    if (!parsed.ok) throw new Error(parsed.error);
    records = parsed.records;
  } else records = input as WireRecord[];
  const z = new CanonicalZone(textToName(zone), { dnssec });
  const first = z.setSoa(records[0]!);
  if (typeof first === 'object') throw new Error(`${zone}: SOA ${first.malformed}`);
  for (let i = 1; i < records.length; i++) {
    const a = z.add(records[i]!);
    if (typeof a === 'object') throw new Error(`${zone}: ${a.malformed}`);
  }
  const text = [...z.chunks()].join('');
  z.dispose();
  return text;
}

export interface ResultZone {
  zone: string;
  addresses: string[];
  text: string;
}

/** A results directory as `zonelog scan` writes it: zones/<sha256>.zone and report.json. */
export async function writeResultsDir(dir: string, zones: ResultZone[], started: Date, dnssec: boolean): Promise<string> {
  const w = new ResultsWriter(dir);
  const targets: TargetResult[] = [];
  for (const z of zones) {
    const nl = z.text.indexOf('\n');
    const serial = soaSerialOf(z.text.slice(0, nl).replace(/\t/g, ' '));
    let records = 0;
    for (let i = z.text.indexOf('\n'); i >= 0; i = z.text.indexOf('\n', i + 1)) records++;
    const stored = await w.storeZone([z.text]);
    for (const address of z.addresses) {
      targets.push({
        zone: z.zone,
        address,
        port: 53,
        nameServers: [`a.nic.${z.zone}`],
        outcome: 'transferred',
        attempts: 1,
        serial,
        records,
        bytes: stored.bytes,
        durationMs: 1,
        file: stored.file,
        sha256: stored.sha256,
      });
    }
  }
  const report: Report = {
    version: 1,
    started: started.toISOString(),
    finished: new Date(started.getTime() + 60_000).toISOString(),
    options: { dnssec },
    shard: null,
    discovery: {},
    targets,
  };
  await w.writeReport(report);
  return dir;
}

// ---------------------------------------------------------------------------
// Git.

export function git(dir: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`git -C ${dir} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export function initRepo(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'zonelog bench']);
  git(dir, ['config', 'user.email', 'bench@example.invalid']);
}

/** The commit HEAD points to, or '' in a repository without commits. */
function headOf(repo: string): string {
  return capture('git', ['-C', repo, 'rev-parse', '--verify', '-q', 'HEAD']).stdout.trim();
}

function copyTree(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${from} ${to}: ${r.stderr}`);
  // As after a fresh checkout: the index's stat data matches the files.
  git(to, ['update-index', '-q', '--refresh']);
}

function syncDisk(): void {
  spawnSync('sync');
}

export function packBytes(repo: string): number {
  const packDir = path.join(repo, '.git', 'objects', 'pack');
  return fs.existsSync(packDir)
    ? fs
        .readdirSync(packDir)
        .filter((f) => f.endsWith('.pack'))
        .reduce((a, f) => a + fs.statSync(path.join(packDir, f)).size, 0)
    : 0;
}

/** Sizes after `git gc`: the whole .git and its packs. */
export function gcSizes(repo: string): { git: number; pack: number } {
  git(repo, ['gc', '-q']);
  return { git: dirBytes(path.join(repo, '.git')), pack: packBytes(repo) };
}

/** Blobs over 100 KiB stored whole (not as a delta) in the packs. */
function wholeBlobs(repo: string): number {
  const packDir = path.join(repo, '.git', 'objects', 'pack');
  let n = 0;
  for (const idx of fs.readdirSync(packDir).filter((f) => f.endsWith('.idx'))) {
    for (const line of git(repo, ['verify-pack', '-v', path.join(packDir, idx)]).split('\n')) {
      const f = line.trim().split(/\s+/);
      // sha type size size-in-pack offset [depth base]: a whole object has no base.
      if (f[1] === 'blob' && f.length === 5 && Number(f[2]) > 100 * 1024) n++;
    }
  }
  return n;
}

export function gitVersion(): string {
  return capture('git', ['--version']).stdout.trim();
}

// ---------------------------------------------------------------------------
// Profiles of zonelog runs that miss a goal.

export interface ProfileResult {
  command: string;
  wallS: number;
  nodeMs: number;
  top: { name: string; selfMs: number; share: number }[];
  gitProcs: { argv: string[]; elapsedS: number }[];
}

/** Runs `node --cpu-prof BIN args` once, with GIT_TRACE2_EVENT to time the git processes zonelog starts. */
export function profileZonelog(zl: ZonelogBuild, args: string[], scratch: string, display: string): ProfileResult {
  const dir = fs.mkdtempSync(path.join(scratch, 'prof-'));
  const trace = path.join(dir, 'trace2.json');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, zl.bin, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, GIT_TRACE2_EVENT: trace },
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`profiling ${display}: exit ${r.status}: ${r.stderr}`);
  const prof = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!prof) throw new Error(`no CPU profile from ${display}`);
  const p = cpuProfileTop(path.join(dir, prof), 8);
  const gitProcs = gitTrace(trace);
  fs.rmSync(dir, { recursive: true, force: true });
  return { command: `node --cpu-prof dist/src/cli/bin.js ${display}`, wallS, nodeMs: p.totalMs, top: p.top, gitProcs };
}

export function profileText(p: ProfileResult): string {
  const gitTotal = p.gitProcs.reduce((a, g) => a + g.elapsedS, 0);
  const byCmd = new Map<string, { n: number; s: number; max: number; example: string }>();
  for (const g of p.gitProcs) {
    const sub = g.argv.slice(1).find((a) => !a.startsWith('-')) ?? g.argv.join(' ');
    const e = byCmd.get(sub) ?? { n: 0, s: 0, max: 0, example: '' };
    e.n++;
    e.s += g.elapsedS;
    if (g.elapsedS >= e.max) {
      e.max = g.elapsedS;
      e.example = g.argv.slice(1).join(' ');
    }
    byCmd.set(sub, e);
  }
  const clip = (s: string, n = 110) => {
    const t = s.replace(/[\x00-\x1f]/g, '');
    return t.length > n ? t.slice(0, n - 1) + '…' : t;
  };
  return [
    `Profile of one run: \`${p.command}\` — ${fmt(p.wallS)} s wall (under the profiler), node's own profile ${fmt(p.nodeMs / 1000)} s, ` +
      `${p.gitProcs.length} git processes taking ${fmt(gitTotal)} s together (GIT_TRACE2_EVENT). Top self time in node:`,
    '',
    markdownTable(
      ['function', 'self ms', 'share'],
      p.top.map((t) => [`\`${t.name}\``, fmt(t.selfMs, 0), `${(t.share * 100).toFixed(1)}%`]),
      ['l', 'r', 'r'],
    ),
    '',
    'git processes started by zonelog (by subcommand):',
    '',
    markdownTable(
      ['git subcommand', 'processes', 'total s', 'slowest (s): its arguments'],
      [...byCmd.entries()].sort((a, b) => b[1].s - a[1].s).map(([k, e]) => [k, e.n, fmt(e.s), `${fmt(e.max)}: \`${clip(e.example)}\``]),
      ['l', 'r', 'r', 'l'],
    ),
  ].join('\n');
}

// ---------------------------------------------------------------------------
// (a) and (b): a 1,500-zone archive.

interface WorldZone {
  zone: string;
  big: boolean;
  lines: string[];
  text: string;
  addresses: string[];
}

function buildWorld(o: Options): WorldZone[] {
  const rnd = prng(o.seed);
  const zones: WorldZone[] = [];
  const t0 = Date.now();
  for (let i = 0; i < o.zones; i++) {
    const big = i < o.bigZones;
    const zone = big ? `big${i}.` : `tld${String(i).padStart(4, '0')}.`;
    const n = big ? o.bigRecords : 4 + Math.floor(400 * rnd() ** 3);
    const lines = generateZone(zone, n, rnd);
    const addresses = [`127.1.${i >> 8}.${i & 255}`, `127.2.${i >> 8}.${i & 255}`];
    zones.push({ zone, big, lines, text: renderCanonical(zone, lines), addresses });
  }
  log(
    `generated ${zones.length} zones (${zones.reduce((a, z) => a + z.lines.length, 0).toLocaleString('en-US')} records) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return zones;
}

interface Scenario {
  key: string;
  label: string;
  changedZones: string[];
  resultsDir: string;
  /** Files that the publish commit changed (relative to the repository). */
  files: string[];
  commitsOk: boolean;
  zonelog: Measurement[];
  git: Measurement[];
  lines: { added: number; removed: number };
  profile?: ProfileResult;
}

interface PublishWorld {
  base: string;
  zones: WorldZone[];
  initial: Measurement;
  baseCommit: string;
  textBytes: number;
  records: number;
}

async function setupWorld(o: Options, tmp: string, zl: ZonelogBuild): Promise<PublishWorld> {
  const zones = buildWorld(o);
  const r0 = await writeResultsDir(path.join(tmp, 'results-0'), zones, new Date('2026-01-01T00:13:00Z'), false);
  const base = path.join(tmp, 'base');
  initRepo(base);
  const initial = await measure([{ argv: [process.execPath, zl.bin, 'publish', r0, '--archive', path.join(base, 'archive'), '--commit'] }], {
    scratchDir: tmp,
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  git(base, ['gc', '-q']);
  const baseCommit = git(base, ['rev-parse', 'HEAD']).trim();
  log(`initial publish of ${zones.length} zones: ${fmt(initial.wallS)} s; base archive at ${baseCommit.slice(0, 12)}`);
  return {
    base,
    zones,
    initial,
    baseCommit,
    textBytes: zones.reduce((a, z) => a + z.text.length, 0),
    records: zones.reduce((a, z) => a + z.lines.length, 0),
  };
}

async function runScenario(o: Options, tmp: string, zl: ZonelogBuild, w: PublishWorld, key: 'big' | 'small'): Promise<Scenario> {
  const rnd = prng(o.seed * 7919 + (key === 'big' ? 1 : 2));
  const big = w.zones.filter((z) => z.big);
  const small = w.zones.filter((z) => !z.big);
  const pick: WorldZone[] =
    key === 'big'
      ? [...big.slice(0, o.changed), ...small.slice(0, Math.max(0, o.changed - big.length))]
      : small.filter((_, i) => i % Math.floor(small.length / o.changed) === 0).slice(0, o.changed);
  const changed = new Map<string, string>();
  for (const z of pick) {
    const m = z.big ? { modify: 100, add: 20, remove: 20, tag: 'n' } : { modify: 2, add: 0, remove: 0, tag: 'n' };
    changed.set(z.zone, renderCanonical(z.zone, mutateZone(z.zone, z.lines, rnd, m)));
  }
  const results = await writeResultsDir(
    path.join(tmp, `results-${key}`),
    w.zones.map((z) => ({ ...z, text: changed.get(z.zone) ?? z.text })),
    new Date('2026-01-01T02:13:00Z'),
    false,
  );
  const label =
    key === 'big'
      ? `${pick.length} changed: the ${pick.filter((z) => z.big).length} big zones (100 records modified, 20 delegations added, 20 removed each)`
      : `${pick.length} changed: small zones (2 records modified each)`;

  // The untimed warm-up gives the files zonelog writes, for the twin repository.
  const warm = path.join(tmp, `warm-${key}`);
  copyTree(w.base, warm);
  const warmRun = spawnSync(process.execPath, [zl.bin, 'publish', results, '--archive', path.join(warm, 'archive'), '--commit'], { encoding: 'utf8' });
  if (warmRun.status !== 0) throw new Error(`warm-up publish failed: ${warmRun.stderr}`);
  const files = git(warm, ['diff', '--name-only', '--no-renames', `${w.baseCommit}`, 'HEAD'])
    .trim()
    .split('\n')
    .filter(Boolean);
  const numstat = git(warm, ['diff', '--numstat', '--no-renames', w.baseCommit, 'HEAD']).trim().split('\n');
  const lines = { added: 0, removed: 0 };
  for (const l of numstat) {
    const [a, r] = l.split('\t');
    lines.added += Number(a) || 0;
    lines.removed += Number(r) || 0;
  }
  const message = path.join(tmp, `message-${key}.txt`);
  fs.writeFileSync(message, git(warm, ['log', '-1', '--format=%B']));
  const tree = git(warm, ['rev-parse', 'HEAD^{tree}']).trim();
  log(`(a) ${key}: publish changes ${files.length} files (+${lines.added} −${lines.removed} lines)`);

  const s: Scenario = { key, label, changedZones: pick.map((z) => z.zone), resultsDir: results, files, commitsOk: true, zonelog: [], git: [], lines };
  for (let i = 0; i < o.runs; i++) {
    const a = path.join(tmp, `run-${key}-zonelog-${i}`);
    const t = path.join(tmp, `run-${key}-git-${i}`);
    copyTree(w.base, a);
    copyTree(w.base, t);
    for (const f of files) {
      const src = path.join(warm, f);
      if (fs.existsSync(src)) fs.copyFileSync(src, path.join(t, f));
      else fs.rmSync(path.join(t, f), { force: true });
    }
    syncDisk();
    const zStage: Stage = { argv: [process.execPath, zl.bin, 'publish', results, '--archive', path.join(a, 'archive'), '--commit'] };
    const gStage: Stage = { argv: ['sh', '-c', `cd ${shellQuote(t)} && git add -A && git commit -q -F ${shellQuote(message)}`] };
    const order: ['z' | 'g', Stage][] =
      i % 2 === 0
        ? [
            ['z', zStage],
            ['g', gStage],
          ]
        : [
            ['g', gStage],
            ['z', zStage],
          ];
    for (const [k, st] of order) {
      const m = await measure([st], { scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS });
      (k === 'z' ? s.zonelog : s.git).push(m);
    }
    const ta = git(a, ['rev-parse', 'HEAD^{tree}']).trim();
    const tt = git(t, ['rev-parse', 'HEAD^{tree}']).trim();
    const parentA = git(a, ['rev-parse', 'HEAD~1']).trim();
    if (ta !== tree || tt !== tree || parentA !== w.baseCommit) s.commitsOk = false;
    log(`(a) ${key} run ${i + 1}/${o.runs}: zonelog ${fmt(s.zonelog.at(-1)!.wallS)} s, git ${fmt(s.git.at(-1)!.wallS)} s`);
    removeTempDir(a);
    removeTempDir(t);
  }
  const ratio = median(s.zonelog.map((m) => m.wallS)) / median(s.git.map((m) => m.wallS));
  if (o.profile && ratio > GOALS.commitVsGit) {
    const p = path.join(tmp, `prof-${key}`);
    copyTree(w.base, p);
    s.profile = profileZonelog(zl, ['publish', results, '--archive', path.join(p, 'archive'), '--commit'], tmp, 'publish DIR --archive A/archive --commit');
    removeTempDir(p);
  }
  removeTempDir(warm);
  return s;
}

interface Unchanged {
  zonelog: Measurement[];
  status: Measurement[];
  startup: Measurement[];
  noCommit: boolean;
  clean: boolean;
  stdout: string;
  profile?: ProfileResult;
}

async function runUnchanged(o: Options, tmp: string, zl: ZonelogBuild, w: PublishWorld): Promise<Unchanged> {
  // A later scan of the same world: same texts, a new scan time.
  const results = await writeResultsDir(path.join(tmp, 'results-unchanged'), w.zones, new Date('2026-01-01T04:13:00Z'), false);
  const u = path.join(tmp, 'unchanged');
  copyTree(w.base, u);
  syncDisk();
  const out: Unchanged = { zonelog: [], status: [], startup: [], noCommit: true, clean: true, stdout: '' };
  const zStage: Stage = { argv: [process.execPath, zl.bin, 'publish', results, '--archive', path.join(u, 'archive'), '--commit'] };
  const gStage: Stage = { argv: ['git', '-C', u, 'status'] };
  const nStage: Stage = { argv: [process.execPath, zl.bin, '--help'] };
  const stdoutFile = path.join(tmp, 'unchanged-stdout.txt');
  for (let i = 0; i < o.runs; i++) {
    const order: ['z' | 'g' | 'n', Stage][] = [
      ['z', zStage],
      ['g', gStage],
      ['n', nStage],
    ];
    for (let k = 0; k < i % 3; k++) order.push(order.shift()!);
    for (const [k, st] of order) {
      const m = await measure([st], { scratchDir: tmp, timeoutMs: COMMAND_TIMEOUT_MS, stdout: k === 'z' ? stdoutFile : undefined });
      (k === 'z' ? out.zonelog : k === 'g' ? out.status : out.startup).push(m);
      if (k === 'z') {
        out.stdout = fs.readFileSync(stdoutFile, 'utf8').trim();
        if (git(u, ['rev-parse', 'HEAD']).trim() !== w.baseCommit) out.noCommit = false;
        if (git(u, ['status', '--porcelain']).trim() !== '') out.clean = false;
      }
    }
    log(
      `(b) run ${i + 1}/${o.runs}: zonelog ${fmt(out.zonelog.at(-1)!.wallS)} s, git status ${fmt(out.status.at(-1)!.wallS)} s, node startup ${fmt(out.startup.at(-1)!.wallS)} s`,
    );
  }
  if (!out.noCommit) throw new Error('(b) publish of an unchanged world made a commit');
  const ratio = median(out.zonelog.map((m) => m.wallS)) / median(out.status.map((m) => m.wallS));
  if (o.profile && ratio > GOALS.unchangedVsStatus) {
    out.profile = profileZonelog(zl, ['publish', results, '--archive', path.join(u, 'archive'), '--commit'], tmp, 'publish DIR --archive A/archive --commit');
    if (git(u, ['rev-parse', 'HEAD']).trim() !== w.baseCommit) throw new Error('(b) profiled publish of an unchanged world made a commit');
  }
  removeTempDir(u);
  return out;
}

// ---------------------------------------------------------------------------
// (c) Churn: a signed zone re-signed every round.

interface ChurnVariant {
  key: string;
  label: string;
  how: string;
  textBytes: number;
  s0: { git: number; pack: number };
  sN: { git: number; pack: number };
  /** After `git repack -a -d -f --depth=250 --window=50` (default variant only). */
  sDeep?: { git: number; pack: number };
  /** Objects stored whole (not as deltas) in the pack after `git gc`, over 100 KiB. */
  wholeCopies: number;
  commits: number;
}

interface ChurnResult {
  records: number;
  dnssecRecords: { rrsig: number; nsec: number; dnskey: number };
  rounds: number;
  variants: ChurnVariant[];
  seconds: number;
}

function labelCount(owner: string): number {
  return owner === '.' ? 0 : owner.replace(/\\./g, '').split('.').length - 1;
}

function sigTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function runChurn(o: Options, tmp: string, zl: ZonelogBuild): Promise<ChurnResult> {
  const t0 = Date.now();
  const zone = 'churn.';
  const rnd = prng(o.seed * 104729 + 3);
  const data = generateZone(zone, o.churnRecords, rnd);
  const dnskey = [
    `${zone} 3600 IN DNSKEY 257 3 13 ${Buffer.from(randomHex(rnd, 64), 'hex').toString('base64')}`,
    `${zone} 3600 IN DNSKEY 256 3 13 ${Buffer.from(randomHex(rnd, 64), 'hex').toString('base64')}`,
  ];
  // Owners in canonical order, with their types, from zonelog's own rendering.
  const plain = renderCanonical(zone, [...data, ...dnskey]);
  const owners: string[] = [];
  const types = new Map<string, string[]>();
  const ttls = new Map<string, number>();
  for (const l of plain.split('\n')) {
    if (!l) continue;
    const f = l.split('\t');
    if (!types.has(f[0]!)) {
      owners.push(f[0]!);
      types.set(f[0]!, []);
    }
    if (!types.get(f[0]!)!.includes(f[3]!)) types.get(f[0]!)!.push(f[3]!);
    ttls.set(`${f[0]} ${f[3]}`, Number(f[1]));
  }
  const delegation = new Set(owners.filter((w) => w !== zone && types.get(w)!.includes('NS')));
  const occluded = (w: string) => {
    for (let d = w.indexOf('.'); d >= 0 && d < w.length - 1; d = w.indexOf('.', d + 1)) if (delegation.has(w.slice(d + 1))) return true;
    return false;
  };
  const authoritative = owners.filter((w) => !occluded(w));
  const nsec: string[] = authoritative.map((w, i) => {
    const next = authoritative[(i + 1) % authoritative.length]!;
    const ts = delegation.has(w) ? types.get(w)!.filter((t) => t === 'NS' || t === 'DS') : types.get(w)!;
    return `${w} 86400 IN NSEC ${next} ${[...ts, 'RRSIG', 'NSEC'].join(' ')}`;
  });
  // The RRsets a signer signs: every authoritative RRset but delegation NS; and every NSEC.
  const signed: [string, string][] = [];
  for (const w of authoritative) {
    for (const t of types.get(w)!) if (!(delegation.has(w) && t === 'NS')) signed.push([w, t]);
    signed.push([w, 'NSEC']);
  }
  const dataRecords = (() => {
    const p = parseZoneText([...data.slice(1), ...dnskey, ...nsec].join('\n') + '\n', { file: zone });
    if (!p.ok) throw new Error(p.error);
    return p.records;
  })();
  log(`(c) zone ${zone}: ${data.length} data records, ${dnskey.length} DNSKEY, ${nsec.length} NSEC, ${signed.length} RRSIG per signing`);

  const variants: ChurnVariant[] = [
    {
      key: 'default',
      label: 'zonelog publish (default: RRSIG, NSEC left out)',
      how: 'results built without --dnssec; `zonelog publish DIR --archive A --commit`',
      textBytes: 0,
      s0: { git: 0, pack: 0 },
      sN: { git: 0, pack: 0 },
      wholeCopies: 0,
      commits: 0,
    },
    {
      key: 'dnssec',
      label: 'zonelog publish, scan with --dnssec (RRSIG, NSEC kept)',
      how: 'results built with `options.dnssec: true`; `zonelog publish DIR --archive A --commit`',
      textBytes: 0,
      s0: { git: 0, pack: 0 },
      sN: { git: 0, pack: 0 },
      wholeCopies: 0,
      commits: 0,
    },
    {
      key: 'raw',
      label: 'raw `dig AXFR` output, records in a new order each round',
      how: 'dig-like text (header, footer, SOA first and last, RRSIGs) written to `churn.zone`; `git add -A && git commit`',
      textBytes: 0,
      s0: { git: 0, pack: 0 },
      sN: { git: 0, pack: 0 },
      wholeCopies: 0,
      commits: 0,
    },
    {
      key: 'raw-stable',
      label: 'raw `dig AXFR` output, records in the same (unsorted) order each round',
      how: "as above, but the server's order does not change between rounds",
      textBytes: 0,
      s0: { git: 0, pack: 0 },
      sN: { git: 0, pack: 0 },
      wholeCopies: 0,
      commits: 0,
    },
  ];
  const repos = new Map(variants.map((v) => [v.key, path.join(tmp, `churn-${v.key}`)]));
  for (const r of repos.values()) initRepo(r);
  const stableOrder = (() => {
    const idx = Array.from({ length: data.length - 1 + dnskey.length + nsec.length + signed.length }, (_, i) => i);
    const r = prng(o.seed + 99);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx;
  })();

  for (let round = 0; round <= o.churnRounds; round++) {
    const when = new Date(Date.parse('2026-01-01T00:13:00Z') + round * 2 * 3600_000);
    const serial = BASE_SERIAL + round;
    const soa = withSerial(data[0]!, serial);
    const inception = sigTime(new Date(when.getTime() - 3600_000));
    const expiration = sigTime(new Date(when.getTime() + 14 * 86400_000));
    const sigRnd = prng(o.seed * 31 + round * 1_000_003);
    const rrsig = signed.map(([w, t]) => {
      const key = t === 'DNSKEY' ? 20326 : 41232;
      const ttl = t === 'NSEC' ? 86400 : (ttls.get(`${w} ${t}`) ?? 86400);
      return `${w} ${ttl} IN RRSIG ${t} 13 ${labelCount(w)} ${ttl} ${expiration} ${inception} ${key} ${zone} ${Buffer.from(randomHex(sigRnd, 64), 'hex').toString('base64')}`;
    });
    const p = parseZoneText([soa, ...rrsig].join('\n') + '\n', { file: zone });
    if (!p.ok) throw new Error(p.error);
    const records = [p.records[0]!, ...dataRecords, ...p.records.slice(1)];
    for (const v of variants) {
      const repo = repos.get(v.key)!;
      if (v.key === 'default' || v.key === 'dnssec') {
        const dnssec = v.key === 'dnssec';
        const text = renderCanonical(zone, records, dnssec);
        v.textBytes = text.length;
        const dir = path.join(tmp, `churn-results-${v.key}-${round}`);
        await writeResultsDir(dir, [{ zone, addresses: ['127.3.0.1'], text }], when, dnssec);
        const r = spawnSync(process.execPath, [zl.bin, 'publish', dir, '--archive', path.join(repo, 'archive'), '--commit'], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`(c) publish round ${round}: ${r.stderr}`);
        fs.rmSync(dir, { recursive: true, force: true });
      } else {
        const body = [...data.slice(1), ...dnskey, ...nsec, ...rrsig];
        let order = stableOrder;
        if (v.key === 'raw') {
          const r = prng(o.seed * 7 + round * 13 + 1);
          order = [...stableOrder];
          for (let i = order.length - 1; i > 0; i--) {
            const j = Math.floor(r() * (i + 1));
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
        }
        const dig = (l: string) => {
          const f = l.split(' ');
          return `${f[0]}\t\t${f[1]}\t${f[2]}\t${f[3]}\t${f.slice(4).join(' ')}`;
        };
        const text = [
          '',
          `; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> AXFR ${zone} @127.3.0.1`,
          ';; global options: +cmd',
          dig(soa),
          ...order.map((i) => dig(body[i]!)),
          dig(soa),
          `;; Query time: ${100 + Math.floor(sigRnd() * 400)} msec`,
          ';; SERVER: 127.3.0.1#53(127.3.0.1) (TCP)',
          `;; WHEN: ${when.toUTCString().replace('GMT', 'UTC')}`,
          `;; XFR size: ${body.length + 2} records (messages ${Math.ceil((body.length + 2) / 180)}, bytes ${(body.length + 2) * 120 + Math.floor(sigRnd() * 1000)})`,
          '',
          '',
        ].join('\n');
        v.textBytes = text.length;
        fs.writeFileSync(path.join(repo, 'churn.zone'), text);
        git(repo, ['add', '-A']);
        git(repo, ['commit', '-q', '-m', `churn. ${serial}`], { GIT_AUTHOR_DATE: when.toISOString(), GIT_COMMITTER_DATE: when.toISOString() });
      }
      if (round === 0) v.s0 = gcSizes(repo);
    }
    if (round % 10 === 0) log(`(c) round ${round}/${o.churnRounds}`);
  }
  for (const v of variants) {
    const repo = repos.get(v.key)!;
    v.sN = gcSizes(repo);
    v.wholeCopies = wholeBlobs(repo);
    if (v.key === 'default') {
      git(repo, ['repack', '-a', '-d', '-f', '-q', '--depth=250', '--window=50']);
      v.sDeep = { git: dirBytes(path.join(repo, '.git')), pack: packBytes(repo) };
    }
    v.commits = Number(git(repo, ['rev-list', '--count', 'HEAD']).trim());
    if (!o.keep) removeTempDir(repo);
  }
  return {
    records: data.length,
    dnssecRecords: { rrsig: signed.length, nsec: nsec.length, dnskey: dnskey.length },
    rounds: o.churnRounds,
    variants,
    seconds: (Date.now() - t0) / 1000,
  };
}

// ---------------------------------------------------------------------------
// (d) The real root zone history, replayed.

interface ReplayResult {
  versions: number;
  commits: number;
  outcomes: Record<string, number>;
  sizes: { git: number; pack: number };
  bundleBytes: number;
  rawSizes: { git: number; pack: number };
  lastTextBytes: number;
  seconds: number;
}

async function runReplay(tmp: string, zl: ZonelogBuild): Promise<ReplayResult | string> {
  const bundle = ROOT_BUNDLE;
  const t0 = Date.now();
  const clone = path.join(tmp, 'corpus');
  const r = spawnSync('git', ['clone', '-q', bundle, clone], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git clone ${bundle}: ${r.stderr}`);
  const rawSizes = gcSizes(clone);
  const versions = git(clone, ['log', '--reverse', '--format=%H %cI'])
    .trim()
    .split('\n')
    .map((l) => {
      const [rev, date] = l.split(' ');
      return { rev: rev!, date: date! };
    });
  const repo = path.join(tmp, 'replay');
  initRepo(repo);
  const server = new AuthServer({ port: 0 });
  const outcomes: Record<string, number> = {};
  let commits = 0;
  try {
    for (const [i, v] of versions.entries()) {
      const source = spawnSync('git', ['-C', clone, 'show', `${v.rev}:root.zone`], { maxBuffer: 1 << 28 });
      if (source.status !== 0) throw new Error(`git show ${v.rev}:root.zone failed`);
      const parsed = parseZoneText(source.stdout, { file: `${v.rev.slice(0, 8)}:root.zone` });
      if (!parsed.ok) throw new Error(parsed.error);
      // dig AXFR output: the SOA again at the end is dropped; the version is served as the root zone whatever its first record says.
      const soa = parsed.records[0]!;
      const records = [soa, ...parsed.records.slice(1).filter((x) => !(x.type === TYPE.SOA && x.owner.equals(soa.owner)))];
      const content = { ...staticZone(v.rev, records), apex: ROOT };
      await server.configure([{ address: '127.0.9.1', zones: [{ content, axfr: 'allow' }] }]);
      const result = await transfer({ zone: ROOT, server: { host: '127.0.9.1', port: server.port } });
      outcomes[result.outcome.kind] = (outcomes[result.outcome.kind] ?? 0) + 1;
      const dir = path.join(tmp, `replay-results-${i}`);
      const w = new ResultsWriter(dir);
      const base = { zone: '.', address: '127.0.9.1', port: server.port, nameServers: [], attempts: 1 };
      let target: TargetResult;
      if (result.zone) {
        const stored = await w.storeZone(result.zone.chunks());
        result.zone.dispose();
        target = { ...base, outcome: 'transferred', serial: result.outcome.serial, records: result.zone.written, file: stored.file, sha256: stored.sha256 };
      } else target = { ...base, outcome: result.outcome.kind, detail: result.outcome.detail };
      await w.writeReport({ version: 1, started: v.date, finished: v.date, options: { dnssec: false }, shard: null, discovery: {}, targets: [target] });
      const before = headOf(repo);
      const p = spawnSync(process.execPath, [zl.bin, 'publish', dir, '--archive', path.join(repo, 'archive'), '--commit'], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`(d) publish of version ${i + 1}: ${p.stderr}`);
      if (headOf(repo) !== before) commits++;
      fs.rmSync(dir, { recursive: true, force: true });
      if ((i + 1) % 20 === 0) log(`(d) ${i + 1}/${versions.length} versions replayed`);
    }
  } finally {
    await server.stop();
  }
  const lastTextBytes = fs.statSync(path.join(repo, 'archive', 'root.zone')).size;
  const sizes = gcSizes(repo);
  removeTempDir(repo);
  removeTempDir(clone);
  return {
    versions: versions.length,
    commits,
    outcomes,
    sizes,
    bundleBytes: fs.statSync(bundle).size,
    rawSizes,
    lastTextBytes,
    seconds: (Date.now() - t0) / 1000,
  };
}

// ---------------------------------------------------------------------------
// The report.

function verdict(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

function stats(ms: Measurement[]) {
  const w = ms.map((m) => m.wallS);
  return { wall: median(w), min: Math.min(...w), max: Math.max(...w), cpu: median(ms.map((m) => m.cpuS)), rss: median(ms.map((m) => m.maxRssMiB)) };
}

function sectionA(w: PublishWorld, scenarios: Scenario[], runs: number): string {
  const rows: (string | number)[][] = [];
  const ratios: (string | number)[][] = [];
  for (const s of scenarios) {
    const z = stats(s.zonelog);
    const g = stats(s.git);
    rows.push([
      `${s.key}: zonelog`,
      '`zonelog publish DIR --archive A/archive --commit`',
      fmt(z.wall),
      `${fmt(z.min)}–${fmt(z.max)}`,
      fmt(z.cpu),
      fmt(z.rss, 0),
    ]);
    rows.push([
      `${s.key}: git`,
      '`git add -A && git commit -q -F MSG` (twin repository, same files)',
      fmt(g.wall),
      `${fmt(g.min)}–${fmt(g.max)}`,
      fmt(g.cpu),
      fmt(g.rss, 0),
    ]);
    const r = z.wall / g.wall;
    ratios.push([s.key, s.label, `${fmt(r)}×`, `${fmt(z.cpu / g.cpu)}×`, `≤ ${GOALS.commitVsGit.toFixed(1)}×`, verdict(r <= GOALS.commitVsGit)]);
  }
  const out = [
    `### (a) A scan where 10 zones changed, on an archive of ${w.zones.length.toLocaleString('en-US')} zones — median of ${runs}`,
    '',
    `The archive: ${w.zones.length.toLocaleString('en-US')} zones, ${w.zones.filter((z) => z.big).length} of them with ${w.zones.find((z) => z.big)?.lines.length.toLocaleString('en-US') ?? 0} records, ` +
      `the others 4–404 records; ${w.records.toLocaleString('en-US')} records, ${mb(w.textBytes)} of canonical text, each zone served by 2 addresses (${(w.zones.length * 2).toLocaleString('en-US')} targets in the report). ` +
      `It was published and committed by zonelog (${fmt(w.initial.wallS)} s for the first publish of all zones), then \`git gc\`. ` +
      'Each run starts from a fresh copy of that repository (`cp -a`, then `git update-index --refresh`, as after a checkout, then `sync`); ' +
      'the twin repository gets exactly the files that zonelog wrote in an untimed warm-up publish, so `git add -A && git commit` has the same work tree change to record. ' +
      "The two commands alternate which goes first. After each run, both commits have the same tree, and zonelog's commit is the only one on top of the base: " +
      (scenarios.every((s) => s.commitsOk) ? 'checked, OK.' : '**MISMATCH**.'),
    '',
    markdownTable(['', 'command', 'median wall s', 'min–max s', 'median CPU s', 'median peak RSS MiB'], rows, ['l', 'l', 'r', 'r', 'r', 'r']),
    '',
    ...scenarios.map(
      (s) =>
        `- ${s.key}: ${s.label}; the commit changes ${s.files.length} files, +${s.lines.added.toLocaleString('en-US')} −${s.lines.removed.toLocaleString('en-US')} lines (zone files, \`index.json\`, \`README.md\`).`,
    ),
    '',
    markdownTable(['ratio (medians)', 'scan', 'wall time', 'CPU time', 'goal', 'goal met?'], ratios, ['l', 'l', 'r', 'r', 'l', 'l']),
  ];
  for (const s of scenarios) if (s.profile) out.push('', `Where the time goes (${s.key}, goal missed). ${profileText(s.profile)}`);
  return out.join('\n');
}

function sectionB(u: Unchanged, runs: number): string {
  const z = stats(u.zonelog);
  const g = stats(u.status);
  const n = stats(u.startup);
  const r = z.wall / g.wall;
  const out = [
    `### (b) An unchanged world — median of ${runs}`,
    '',
    'A second scan of the same world (same texts, a later scan time) published onto the archive of (a). ' +
      `After every run: no new commit (HEAD is still the base commit: ${u.noCommit ? 'checked, OK' : '**a commit was made**'}) and \`git status --porcelain\` is empty (${u.clean ? 'OK' : '**files changed**'}). zonelog printed: \`${u.stdout}\`.`,
    '',
    markdownTable(
      ['command', 'median wall s', 'min–max s', 'median CPU s', 'median peak RSS MiB'],
      [
        ['`zonelog publish DIR --archive A/archive --commit`', fmt(z.wall), `${fmt(z.min)}–${fmt(z.max)}`, fmt(z.cpu), fmt(z.rss, 0)],
        ['`git -C A status`', fmt(g.wall, 3), `${fmt(g.min, 3)}–${fmt(g.max, 3)}`, fmt(g.cpu, 3), fmt(g.rss, 0)],
        ['`zonelog --help` (node start-up and module loading alone, for scale)', fmt(n.wall), `${fmt(n.min)}–${fmt(n.max)}`, fmt(n.cpu), fmt(n.rss, 0)],
      ],
      ['l', 'r', 'r', 'r', 'r'],
    ),
    '',
    markdownTable(
      ['ratio (medians)', 'wall time', 'CPU time', 'goal', 'goal met?'],
      [
        ['publish (unchanged) / git status', `${fmt(r)}×`, `${fmt(z.cpu / g.cpu)}×`, `≤ ${GOALS.unchangedVsStatus}×`, verdict(r <= GOALS.unchangedVsStatus)],
        ['`zonelog --help` / git status', `${fmt(n.wall / g.wall)}×`, `${fmt(n.cpu / g.cpu)}×`, '—', '—'],
      ],
      ['l', 'r', 'r', 'l', 'l'],
    ),
  ];
  if (u.profile) out.push('', `Where the time goes (goal missed). ${profileText(u.profile)}`);
  return out.join('\n');
}

function sectionC(c: ChurnResult): string {
  const rows = c.variants.map((v) => {
    const per = (v.sN.git - v.s0.git) / c.rounds;
    const perPack = (v.sN.pack - v.s0.pack) / c.rounds;
    const deep = v.sDeep ? `${Math.round((v.sDeep.git - v.s0.git) / c.rounds)} B` : '—';
    return [
      v.label,
      v.how,
      kb(v.textBytes),
      kb(v.s0.git),
      kb(v.sN.git),
      `${fmt(per / 1024, 2)} KiB (${Math.round(per)} B)`,
      `${fmt(perPack / 1024, 2)} KiB`,
      v.wholeCopies,
      deep,
      v.key === 'default' ? verdict(per <= GOALS.churnBytesPerRound) : '—',
    ];
  });
  return [
    `### (c) Re-signing churn: ${c.rounds} rounds of a ${c.records.toLocaleString('en-US')}-record signed zone`,
    '',
    `Zone \`churn.\`: ${c.records.toLocaleString('en-US')} data records (TLD-shaped), ${c.dnssecRecords.dnskey} DNSKEY, ${c.dnssecRecords.nsec.toLocaleString('en-US')} NSEC, ` +
      `${c.dnssecRecords.rrsig.toLocaleString('en-US')} RRSIG (ECDSA P-256, 64-byte signatures). Every round re-signs it: new signature bytes, inception and expiration, ` +
      'serial + 1, the data unchanged. Round 0 is committed, the repository `git gc`-ed and measured; then rounds 1…' +
      c.rounds +
      ', `git gc`, measured again. ' +
      'Growth per round = (after − after round 0) / rounds. The size of `.git` counts everything under it (packs, index, reflogs, commit-graph, hook samples); the pack column is only the packs. ' +
      "The canonical texts are rendered by src/zone/canonical.ts (with `dnssec: false` for the default, `true` for `--dnssec`); zonelog takes `dnssec` from the report's options.",
    '',
    markdownTable(
      [
        'archive',
        'how each round is committed',
        'text per version',
        '.git after round 0',
        `.git after round ${c.rounds}`,
        '.git growth per round',
        'pack growth per round',
        'whole copies of the zone in the pack',
        '.git growth per round after `git repack -adf --depth=250 --window=50`',
        'goal ≤ 1 KiB/round (plain `git gc`)',
      ],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    "Whole copies: blobs over 100 KiB that the pack stores whole rather than as a delta (`git verify-pack -v`). git's default delta chain depth is 50 (`pack.depth`), so a file that changes in every commit " +
      'gets a whole copy again about every 50 versions, whatever changed: for the default archive that copy (the zlib-compressed zone), spread over the rounds, is most of the growth per round, ' +
      'while the deltas themselves are a few hundred bytes, as the column with `--depth=250` (one chain for all versions) shows.',
    '',
    `Commits made: ${c.variants.map((v) => `${v.key} ${v.commits}`).join(', ')} (expected ${c.rounds + 1} each). Built and committed in ${c.seconds.toFixed(0)} s.`,
  ].join('\n');
}

function sectionD(d: ReplayResult | string): string {
  if (typeof d === 'string') return `### (d) The real root zone, 101 versions replayed\n\nNot run: ${d}.`;
  return [
    `### (d) The real root zone, ${d.versions} versions replayed`,
    '',
    `The ${d.versions} captures of the root zone (Feb–Mar 2018, \`test/fixtures/root-zone-2018.bundle\`), each served by the lab's AuthServer on 127.0.9.1, ` +
      'transferred by src/axfr/transfer.ts `transfer()`, stored as a results directory and published with `zonelog publish DIR --archive A --commit`, dated at the capture. ' +
      `Transfers: ${Object.entries(d.outcomes)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}; ${d.commits} commits (versions whose canonical text is the same as the one before make none). ` +
      `The last \`archive/root.zone\` is ${kb(d.lastTextBytes)}. Replayed in ${d.seconds.toFixed(0)} s.`,
    '',
    markdownTable(
      ['repository', 'after `git gc`: .git', 'packs'],
      [
        [`zonelog archive (${d.commits} commits)`, mb(d.sizes.git), mb(d.sizes.pack)],
        [`the corpus itself: raw \`dig AXFR\` output, ${d.versions} commits, cloned and \`git gc\`-ed`, mb(d.rawSizes.git), mb(d.rawSizes.pack)],
        ['the corpus bundle file', mb(d.bundleBytes), '—'],
      ],
      ['l', 'r', 'r'],
    ),
  ].join('\n');
}

function subsection(text: string | undefined, title: string): string | undefined {
  if (!text) return undefined;
  const at = text.indexOf(`\n${title}`);
  if (at < 0 && !text.startsWith(title)) return undefined;
  const start = at < 0 ? 0 : at + 1;
  const next = text.indexOf('\n### ', start + 1);
  return text.slice(start, next < 0 ? undefined : next).trim();
}

export async function run(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if (!opts) return;
  const tmp = makeTempDir('zonelog-bench-publish-');
  if (opts.keep) keepTempDir(tmp);
  log(`temporary folder ${tmp}`);
  const command = `npm run bench -- publish${argv.length ? ' ' + argv.join(' ') : ''}`;
  const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
  const previous = readSection(file, HEADING);
  const loadBefore = loadAverage();
  try {
    const zl = zonelogBuild(opts.rev);
    log(`zonelog under test: ${zl.describe}`);
    // Each part says which run measured it: a part not asked for keeps its previous text.
    const stamp = (text: string) => `${text}\n\n_Measured ${new Date().toISOString().slice(0, 16)}Z by \`${command}\`; zonelog under test: ${zl.describe}._`;
    let a: string | undefined;
    let b: string | undefined;
    if (opts.parts.has('a') || opts.parts.has('b')) {
      const w = await setupWorld(opts, tmp, zl);
      if (opts.parts.has('a')) {
        const scenarios = [await runScenario(opts, tmp, zl, w, 'big'), await runScenario(opts, tmp, zl, w, 'small')];
        a = stamp(sectionA(w, scenarios, opts.runs));
      }
      if (opts.parts.has('b')) b = stamp(sectionB(await runUnchanged(opts, tmp, zl, w), opts.runs));
      removeTempDir(w.base);
    }
    const c = opts.parts.has('c') ? stamp(sectionC(await runChurn(opts, tmp, zl))) : undefined;
    const d = opts.parts.has('d') ? stamp(sectionD(await runReplay(tmp, zl))) : undefined;
    const facts = machineFacts().filter((f) => f.label && !['knotd', 'kdig', 'dig', 'ldns-read-zone'].includes(f.label));
    const body = [
      `Produced by: \`${command}\` (bench/publish.ts; parts ${[...opts.parts].sort().join(', ')} in this run, each part ends with the run that measured it). zonelog under test: ${zl.describe}. ` +
        'The machine has 2 cores and is shared with other work while this runs, so the timings are medians; judge the ratios, not the absolute seconds.',
      '',
      `Machine: ${facts.map((f) => `${f.label} ${f.value}`).join('; ')}; ${gitVersion()}. Load average ${loadBefore} before, ${loadAverage()} after.`,
      '',
      `Goals: (a) publish --commit ≤ ${GOALS.commitVsGit}× \`git add -A && git commit\` of the same files; (b) an unchanged world makes no commit and takes ≤ ${GOALS.unchangedVsStatus}× \`git status\`; ` +
        `(c) the default archive grows ≤ 1 KiB per re-signing round after \`git gc\`; (d) reported.`,
      '',
      a ?? subsection(previous, '### (a)') ?? '### (a)\n\nNot run yet.',
      '',
      b ?? subsection(previous, '### (b)') ?? '### (b)\n\nNot run yet.',
      '',
      c ?? subsection(previous, '### (c)') ?? '### (c)\n\nNot run yet.',
      '',
      d ?? subsection(previous, '### (d)') ?? '### (d)\n\nNot run yet.',
    ].join('\n');
    if (opts.report) {
      replaceSection(file, HEADING, body);
      log(`wrote ${file}`);
    }
    process.stdout.write(`${HEADING}\n\n${body}\n`);
  } finally {
    if (!opts.keep) removeTempDir(tmp);
  }
}

/**
 * Benchmark of reading the history (issue: reading the history): a synthetic
 * archive of 5,000 commits over 1,500 zones — one zone of 100,000 records that
 * changes a few lines in every commit, the others now and then — in zonelog's
 * layout (archive/<zone>.zone, archive/index.json, archive/README.md), built
 * directly with `git fast-import` (every version of a file is streamed next to
 * the one before, so fast-import stores it as a delta). Then:
 *
 *   zonelog log ZONE          vs  git log --oneline -- archive/X.zone
 *   zonelog diff ZONE --from D1 --to D2  vs  git diff A B -- archive/X.zone
 *   zonelog when NAME --zone ZONE       (goal ≤ 5 s)
 *
 * See `node dist/bench/run.js history --help`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { emptyIndex, indexText, readmeText, type ArchiveIndex, type ZoneChange } from '../src/archive/writer.js';
import { commitMessage, type FileStat } from '../src/archive/commit-message.js';
import {
  REPO_ROOT,
  prng,
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
  zonelogBuild,
  type Measurement,
  type Stage,
  wholeNumber,
} from './lib.js';
import {
  BASE_SERIAL,
  generateZone,
  git,
  gitVersion,
  initRepo,
  profileText,
  profileZonelog,
  randomHex,
  randomIpv4,
  renderCanonical,
  soaSerialOf,
  type ProfileResult,
} from './publish.js';

export const description = 'Reading the history: zonelog log/diff/when vs git log/diff on 5,000 commits over 1,500 zones';

const HEADING = '## Reading the history (issue: history)';
const GOALS = { vsGit: 2.0, whenS: 5 };
const COMMAND_TIMEOUT_MS = 20 * 60_000;
const BIG = 'big.';
const START = Date.parse('2025-01-01T00:13:00Z');
const STEP_MS = 2 * 3600_000;
const AUTHOR = 'zonelog <zonelog@users.noreply.github.com>';

const USAGE = `usage: node dist/bench/run.js history [options]

  --commits N        commits in the history (default 5000)
  --zones N          zones (default 1500; one is big)
  --big-records N    records in the big zone (default 100000)
  --runs N           timed runs of each command (default 5)
  --when-runs N      timed runs of zonelog when (default 3: it is the slowest)
  --seed N           generator seed (default 1)
  --repo DIR         use this history repository (made by an earlier --keep run) instead of building one
  --no-profile       no CPU profile for the goals that are missed
  --no-report        do not touch BENCHMARKS.md (print the section instead)
  --rev REV          benchmark zonelog as of this git revision (built into bench/out/);
                     default: a private copy of the current dist/src (build it first)
  --keep             keep the temporary folder (and the repository in it)
`;

interface Options extends CommonOptions {
  commits: number;
  zones: number;
  bigRecords: number;
  runs: number;
  whenRuns: number;
  seed: number;
  repo: string | undefined;
  profile: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const parsed = benchArgs(
    argv,
    {
      commits: { type: 'string', default: '5000' },
      zones: { type: 'string', default: '1500' },
      'big-records': { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      'when-runs': { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      repo: { type: 'string' },
      'no-profile': { type: 'boolean', default: false },
    } as const,
    USAGE,
  );
  if (!parsed) return undefined;
  const { values, common } = parsed;
  const int = wholeNumber;
  return {
    commits: int('commits', values.commits!, 20),
    zones: int('zones', values.zones!, 2),
    bigRecords: int('big-records', values['big-records']!, 100),
    runs: int('runs', values.runs!, 1),
    whenRuns: int('when-runs', values['when-runs']!, 1),
    seed: int('seed', values.seed!, 0),
    repo: values.repo ? path.resolve(values.repo) : undefined,
    profile: !values['no-profile'],
    ...common,
  };
}

// ---------------------------------------------------------------------------
// The synthetic history.

/** The lines of one delegation (or the apex, or the apex's name servers): contiguous in canonical order. */
interface Block {
  owner: string;
  lines: string[];
  text: string;
  present: boolean;
  /** Indexes of DS and A lines, whose RDATA the history changes. */
  mutable: number[];
}

interface ZoneMeta {
  serial: number;
  records: number;
  bytes: number;
  digest: string;
}

interface SmallZone {
  zone: string;
  file: string;
  lines: string[];
  /** Commit index → blob mark, for the commits that write this zone (0 = the first). */
  marks: Map<number, number>;
  metas: Map<number, ZoneMeta>;
  /** Commit index → lines changed (the serial, and one record when it has a DS or A) and their owners. */
  changed: Map<number, FileStat>;
}

export interface HistoryFacts {
  repo: string;
  commits: number;
  zones: number;
  bigRecords: number;
  bigBytes: number;
  smallChanges: number;
  /** The name whose history `when` asks for, and what happened to it. */
  watched: string;
  watchedEvents: string[];
  smallZone: string;
  smallZoneCommits: number;
  buildS: number;
  packBytes: number;
  dateOf(i: number): string;
}

function digestOf(text: string): string {
  return createHash('sha256').update(text, 'latin1').digest('hex').slice(0, 16);
}

function zoneFileName(zone: string): string {
  return `${zone.slice(0, -1)}.zone`;
}

function metaOf(text: string, serial: number): ZoneMeta {
  let records = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) records++;
  return { serial, records, bytes: text.length, digest: digestOf(text) };
}

function setField(line: string, field: number, value: string): string {
  const f = line.split('\t');
  f[field] = value;
  return f.join('\t');
}

function withSoaSerial(soa: string, serial: number): string {
  const f = soa.split('\t');
  const r = f[4]!.split(' ');
  r[2] = String(serial);
  f[4] = r.join(' ');
  return f.join('\t');
}

function newRdata(line: string, rnd: () => number): string {
  const type = line.split('\t')[3];
  if (type === 'DS') return setField(line, 4, `${Math.floor(rnd() * 65536)} 13 2 ${randomHex(rnd, 32)}`);
  return setField(line, 4, randomIpv4(rnd));
}

/** A stream into `git fast-import` that respects back-pressure. */
class Importer {
  private readonly child;
  private readonly done: Promise<void>;
  private stderr = '';
  bytes = 0;

  constructor(repo: string) {
    this.child = spawn('git', ['-C', repo, 'fast-import', '--quiet', '--done'], { stdio: ['pipe', 'inherit', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.done = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}: ${this.stderr}`))));
    });
    this.done.catch(() => {});
  }

  async write(s: string | Buffer): Promise<void> {
    const buf = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    this.bytes += buf.length;
    if (!this.child.stdin!.write(buf)) await once(this.child.stdin!, 'drain');
  }

  async blob(mark: number, text: string): Promise<void> {
    const buf = Buffer.from(text, 'latin1');
    await this.write(`blob\nmark :${mark}\ndata ${buf.length}\n`);
    await this.write(buf);
    await this.write('\n');
  }

  async finish(): Promise<void> {
    await this.write('done\n');
    this.child.stdin!.end();
    await this.done;
  }
}

interface IndexEntry extends ZoneMeta {
  path: string;
  address: string;
}

/** The archive's index for these entries, as publish writes it. */
function archiveIndex(entries: Map<string, IndexEntry>): ArchiveIndex {
  const idx = emptyIndex(false);
  for (const [zone, e] of entries) {
    idx.zones[zone] = {
      path: e.path,
      serial: e.serial,
      records: e.records,
      bytes: e.bytes,
      digest: e.digest,
      servers: [{ address: e.address, serial: e.serial, digest: e.digest }],
    };
  }
  return idx;
}

export async function buildHistory(o: { commits: number; zones: number; bigRecords: number; seed: number }, repo: string): Promise<HistoryFacts> {
  const t0 = Date.now();
  initRepo(repo);
  const N = o.commits;
  const dateOf = (i: number) => new Date(START + i * STEP_MS).toISOString();

  // The big zone, rendered by zonelog's canonical code, cut into blocks.
  const rnd = prng(o.seed * 2654435761);
  const bigLines = renderCanonical(BIG, generateZone(BIG, Math.round(o.bigRecords * 1.02), rnd))
    .split('\n')
    .filter(Boolean);
  let soa = bigLines[0]!;
  const blocks: Block[] = [];
  for (const line of bigLines.slice(1)) {
    const owner = line.slice(0, line.indexOf('\t'));
    // The label right below the apex names the block.
    const rest = owner.slice(0, -BIG.length - 1);
    const key = owner === BIG ? '' : rest.slice(rest.lastIndexOf('.') + 1);
    let b = blocks.at(-1);
    if (!b || b.owner !== key) blocks.push((b = { owner: key, lines: [], text: '', present: true, mutable: [] }));
    const type = line.split('\t')[3];
    if (type === 'DS' || type === 'A') b.mutable.push(b.lines.length);
    b.lines.push(line);
  }
  for (const b of blocks) b.text = b.lines.join('\n') + '\n';
  const delegations = blocks.filter((b) => b.owner !== '' && b.owner !== 'nic');
  // The watched delegation: has a DS and glue (so `when` sees NS, DS, A and AAAA records come and go).
  const watchedBlock = delegations.find(
    (b, i) => i > delegations.length / 3 && b.lines.some((l) => l.split('\t')[3] === 'DS') && b.lines.some((l) => l.split('\t')[3] === 'A'),
  )!;
  const watched = `${watchedBlock.owner}.${BIG}`;
  // About 2% of the delegations start absent, so that some can be added later.
  let records = 1;
  for (const b of delegations) if (b !== watchedBlock && rnd() < 0.02) b.present = false;
  for (const b of blocks) if (b.present) records += b.lines.length;
  const bigFile = `archive/${zoneFileName(BIG)}`;

  // The small zones.
  const smalls: SmallZone[] = [];
  for (let i = 1; i < o.zones; i++) {
    const zone = `tld${String(i).padStart(4, '0')}.`;
    const lines = renderCanonical(zone, generateZone(zone, 4 + Math.floor(400 * rnd() ** 3), rnd))
      .split('\n')
      .filter(Boolean);
    smalls.push({ zone, file: `archive/${zoneFileName(zone)}`, lines, marks: new Map(), metas: new Map(), changed: new Map() });
  }
  // Which small zones change in which commit: 0–2 per commit, a few zones much more often than others.
  const plan = prng(o.seed * 40503 + 7);
  const smallAt: number[][] = Array.from({ length: N }, () => []);
  let smallChanges = 0;
  for (let i = 1; i < N; i++) {
    const k = plan() < 0.35 ? 1 : plan() < 0.05 ? 2 : 0;
    for (let j = 0; j < k; j++) {
      const z = Math.floor(smalls.length * plan() ** 2);
      if (!smallAt[i]!.includes(z)) {
        smallAt[i]!.push(z);
        smallChanges++;
      }
    }
  }
  log(
    `history: big zone ${records.toLocaleString('en-US')} records in ${blocks.length.toLocaleString('en-US')} blocks, ${smalls.length} small zones, ${smallChanges} small-zone changes planned; watched name ${watched}`,
  );

  const imp = new Importer(repo);
  let mark = 0;
  const bigMarks: number[] = [];
  const bigMetas: ZoneMeta[] = [];
  const bigDelta: FileStat[] = [];
  const watchedEvents: string[] = [];
  const ops = prng(o.seed * 97 + 5);
  let bigBytes = 0;

  // Pass 1: every version of the big zone, one after the other.
  for (let i = 0; i < N; i++) {
    // Lines gone and lines new in this commit; a zone's lines are unique and sorted, so the
    // commit message's +/− counts (which zonelog log reads) are the set differences.
    const plus = new Set<string>();
    const minus = new Set<string>();
    const gone = (l: string) => (plus.has(l) ? plus.delete(l) : minus.add(l));
    const come = (l: string) => (minus.has(l) ? minus.delete(l) : plus.add(l));
    if (i > 0) {
      gone(soa);
      soa = withSoaSerial(soa, BASE_SERIAL + i);
      come(soa);
      const modify = (b: Block, what: 'DS' | 'A' | 'any') => {
        const choices = b.mutable.filter((j) => what === 'any' || b.lines[j]!.split('\t')[3] === what);
        if (choices.length === 0) return;
        const j = choices[Math.floor(ops() * choices.length)]!;
        if (b.present) gone(b.lines[j]!);
        b.lines[j] = newRdata(b.lines[j]!, ops);
        if (b.present) come(b.lines[j]!);
        b.text = b.lines.join('\n') + '\n';
      };
      const drop = (b: Block) => {
        b.present = false;
        for (const l of b.lines) gone(l);
        records -= b.lines.length;
      };
      const restore = (b: Block) => {
        b.present = true;
        for (const l of b.lines) come(l);
        records += b.lines.length;
      };
      const m = 1 + Math.floor(ops() * 4);
      for (let k = 0; k < m; k++) {
        const b = delegations[Math.floor(ops() * delegations.length)]!;
        if (b.present && b !== watchedBlock && b.mutable.length) modify(b, 'any');
      }
      // As many delegations come back as go away, so the zone stays near its size.
      if (ops() < 0.2) {
        const b = delegations[Math.floor(ops() * delegations.length)]!;
        if (b.present && b !== watchedBlock) drop(b);
      }
      if (ops() < 0.2) {
        const absent = delegations.filter((b) => !b.present && b !== watchedBlock);
        if (absent.length) restore(absent[Math.floor(ops() * absent.length)]!);
      }
      // The watched delegation: its DS changes every 500 commits, it goes away and comes back every 1,000, its glue moves every 1,500.
      if (i % 500 === 250 && watchedBlock.present) {
        modify(watchedBlock, 'DS');
        watchedEvents.push(`DS changed at commit ${i}`);
      }
      if (i % 1500 === 1200 && watchedBlock.present) {
        modify(watchedBlock, 'A');
        watchedEvents.push(`glue A changed at commit ${i}`);
      }
      if (i % 1000 === 700 && watchedBlock.present) {
        drop(watchedBlock);
        watchedEvents.push(`removed at commit ${i}`);
      }
      if (i % 1000 === 900 && !watchedBlock.present) {
        restore(watchedBlock);
        watchedEvents.push(`back at commit ${i}`);
      }
    }
    const added = plus.size;
    const removed = minus.size;
    const owners = new Set([...plus, ...minus].map((l) => l.slice(0, l.indexOf('\t'))));
    const parts = [soa, '\n'];
    for (const b of blocks) if (b.present) parts.push(b.text);
    const text = parts.join('');
    bigMarks.push(++mark);
    bigMetas.push(metaOf(text, BASE_SERIAL + i));
    bigDelta.push({ added, removed, owners });
    bigBytes = text.length;
    await imp.blob(mark, text);
    if ((i + 1) % 1000 === 0) log(`history: big zone version ${i + 1}/${N} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }

  // Pass 2: every version of each small zone.
  const sm = prng(o.seed * 131 + 11);
  const changesOf = new Map<number, number[]>();
  for (let i = 1; i < N; i++) for (const z of smallAt[i]!) (changesOf.get(z) ?? changesOf.set(z, []).get(z)!).push(i);
  for (const [zi, s] of smalls.entries()) {
    let serial = BASE_SERIAL;
    for (const i of [0, ...(changesOf.get(zi) ?? [])]) {
      if (i > 0) {
        serial++;
        s.lines[0] = withSoaSerial(s.lines[0]!, serial);
        const mutable = s.lines
          .map((l, j) => [l.split('\t')[3], j] as const)
          .filter(([t, j]) => j > 0 && (t === 'DS' || t === 'A'))
          .map(([, j]) => j);
        const stat: FileStat = { added: 1, removed: 1, owners: new Set([s.zone]) };
        s.changed.set(i, stat);
        if (mutable.length) {
          const j = mutable[Math.floor(sm() * mutable.length)]!;
          const before = s.lines[j]!;
          s.lines[j] = newRdata(before, sm);
          if (s.lines[j] !== before) {
            stat.added = stat.removed = 2;
            stat.owners!.add(before.slice(0, before.indexOf('\t')));
          }
        }
      }
      const text = s.lines.join('\n') + '\n';
      s.marks.set(i, ++mark);
      s.metas.set(i, metaOf(text, serial));
      await imp.blob(mark, text);
    }
  }

  // Passes 3 and 4: index.json, then README.md, for every commit.
  const states = function* (): Generator<[number, Map<string, IndexEntry>]> {
    const entries = new Map<string, IndexEntry>();
    entries.set(BIG, { path: zoneFileName(BIG), address: '127.1.0.1', ...bigMetas[0]! });
    smalls.forEach((s, k) => entries.set(s.zone, { path: zoneFileName(s.zone), address: `127.1.${(k + 1) >> 8}.${(k + 1) & 255}`, ...s.metas.get(0)! }));
    for (let i = 0; i < N; i++) {
      if (i > 0) {
        Object.assign(entries.get(BIG)!, bigMetas[i]!);
        for (const z of smallAt[i]!) Object.assign(entries.get(smalls[z]!.zone)!, smalls[z]!.metas.get(i)!);
      }
      yield [i, entries];
    }
  };
  const indexMarks: number[] = [];
  for (const [, entries] of states()) {
    indexMarks.push(++mark);
    await imp.blob(mark, indexText(archiveIndex(entries)));
  }
  const readmeMarks: number[] = [];
  for (const [, entries] of states()) {
    readmeMarks.push(++mark);
    await imp.blob(mark, readmeText(archiveIndex(entries)));
  }

  // Pass 5: the commits.
  const when = (i: number) => `${Math.floor((START + i * STEP_MS) / 1000)} +0000`;
  for (let i = 0; i < N; i++) {
    let msg: string;
    const files: [number, string][] = [];
    if (i === 0) {
      const added: ZoneChange[] = [
        { kind: 'added', zone: BIG, serial: bigMetas[0]!.serial, records: bigMetas[0]!.records, paths: [zoneFileName(BIG)] },
        ...smalls.map(
          (s): ZoneChange => ({ kind: 'added', zone: s.zone, serial: BASE_SERIAL, records: s.metas.get(0)!.records, paths: [zoneFileName(s.zone)] }),
        ),
      ];
      const m = commitMessage(added, new Map());
      msg = `${m.subject}\n\n${m.body}`;
      files.push([bigMarks[0]!, bigFile]);
      for (const s of smalls) files.push([s.marks.get(0)!, s.file]);
    } else {
      // The message zonelog itself writes for these changes (src/publish/commit.ts), owners included.
      const changes: ZoneChange[] = [{ kind: 'changed', zone: BIG, from: bigMetas[i - 1]!.serial, to: bigMetas[i]!.serial, paths: [zoneFileName(BIG)] }];
      const stats = new Map<string, FileStat>([[zoneFileName(BIG), bigDelta[i]!]]);
      files.push([bigMarks[i]!, bigFile]);
      for (const z of smallAt[i]!) {
        const s = smalls[z]!;
        const serial = s.metas.get(i)!.serial;
        changes.push({ kind: 'changed', zone: s.zone, from: serial - 1, to: serial, paths: [zoneFileName(s.zone)] });
        stats.set(zoneFileName(s.zone), s.changed.get(i)!);
        files.push([s.marks.get(i)!, s.file]);
      }
      const m = commitMessage(changes, stats);
      msg = `${m.subject}\n\n${m.body}`;
    }
    files.push([indexMarks[i]!, 'archive/index.json'], [readmeMarks[i]!, 'archive/README.md']);
    const msgBuf = Buffer.from(msg + '\n', 'utf8');
    await imp.write(`commit refs/heads/main\nmark :${++mark}\nauthor ${AUTHOR} ${when(i)}\ncommitter ${AUTHOR} ${when(i)}\ndata ${msgBuf.length}\n`);
    await imp.write(msgBuf);
    await imp.write(files.map(([m, f]) => `M 100644 :${m} ${f}\n`).join('') + '\n');
  }
  await imp.finish();
  log(`history: fast-import done (${(imp.bytes / 1e9).toFixed(1)} GB streamed) in ${((Date.now() - t0) / 1000).toFixed(0)} s; checking out and running git gc`);
  git(repo, ['reset', '-q', '--hard', 'main']);
  git(repo, ['gc', '-q']);
  const packDir = path.join(repo, '.git', 'objects', 'pack');
  const packBytes = fs
    .readdirSync(packDir)
    .filter((f) => f.endsWith('.pack'))
    .reduce((a, f) => a + fs.statSync(path.join(packDir, f)).size, 0);
  const counts = new Map<number, number>();
  for (const l of smallAt) for (const z of l) counts.set(z, (counts.get(z) ?? 0) + 1);
  const [busiest, busiestCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  const facts: HistoryFacts = {
    repo,
    commits: N,
    zones: smalls.length + 1,
    bigRecords: bigMetas.at(-1)!.records,
    bigBytes,
    smallChanges,
    watched,
    watchedEvents,
    smallZone: smalls[busiest]!.zone,
    smallZoneCommits: busiestCount + 1,
    buildS: (Date.now() - t0) / 1000,
    packBytes,
    dateOf,
  };
  fs.writeFileSync(path.join(repo, '.git', 'bench-history.json'), JSON.stringify({ ...facts, dateOf: undefined }));
  log(`history: built in ${facts.buildS.toFixed(0)} s, pack ${(packBytes / 1e6).toFixed(0)} MB`);
  return facts;
}

function loadFacts(repo: string): HistoryFacts {
  const f = JSON.parse(fs.readFileSync(path.join(repo, '.git', 'bench-history.json'), 'utf8')) as HistoryFacts;
  return { ...f, repo, dateOf: (i: number) => new Date(START + i * STEP_MS).toISOString() };
}

// ---------------------------------------------------------------------------
// Timing.

interface Pair {
  key: string;
  what: string;
  zonelog: { display: string; stage: Stage; runs: Measurement[] };
  git?: { display: string; stage: Stage; runs: Measurement[] };
  /** What zonelog itself asks git for, timed once per run for scale (not a goal). */
  inner?: { display: string; stage: Stage; runs: Measurement[] };
  goal: string;
  check: string;
  profile?: ProfileResult;
  profileArgs: string[];
  profileDisplay: string;
}

function outputLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

export async function run(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if (!opts) return;
  const tmp = makeTempDir('zonelog-bench-history-');
  if (opts.keep) keepTempDir(tmp);
  log(`temporary folder ${tmp}`);
  const command = `npm run bench -- history${argv.length ? ' ' + argv.join(' ') : ''}`;
  const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
  const loadBefore = loadAverage();
  try {
    const zl = zonelogBuild(opts.rev);
    log(`zonelog under test: ${zl.describe}`);
    const facts = opts.repo ? loadFacts(opts.repo) : await buildHistory(opts, path.join(tmp, 'history'));
    const repo = facts.repo;
    const z = (args: string[]): Stage => ({ argv: [process.execPath, zl.bin, ...args, '--repo', repo] });
    const g = (args: string[]): Stage => ({ argv: ['git', '-C', repo, ...args] });
    const bigPaths = ['archive/big.zone', 'archive/big/'];
    const smallFile = `archive/${zoneFileName(facts.smallZone)}`;
    const d1 = facts.dateOf(Math.floor(facts.commits * 0.1)).slice(0, 10);
    const d2 = facts.dateOf(Math.floor(facts.commits * 0.9)).slice(0, 10);
    const revAt = (d: string) => git(repo, ['rev-list', '-1', `--before=${d}T23:59:59Z`, 'HEAD']).trim();
    const a = revAt(d1);
    const b = revAt(d2);
    const pairs: Pair[] = [
      {
        key: 'log',
        what: `log of the big zone (${facts.commits.toLocaleString('en-US')} commits touch it)`,
        zonelog: { display: `zonelog log ${BIG}`, stage: z(['log', BIG]), runs: [] },
        git: { display: 'git log --oneline -- archive/big.zone', stage: g(['log', '--oneline', '--', 'archive/big.zone']), runs: [] },
        inner: {
          display: "git log --format=%H %cI%n%B (every commit's message, no path limit)",
          stage: g(['log', '--no-color', '--format=%x01commit %H %cI%n%B']),
          runs: [],
        },
        goal: `≤ ${GOALS.vsGit}× git`,
        check: '',
        profileArgs: ['log', BIG, '--repo', repo],
        profileDisplay: `log ${BIG} --repo R`,
      },
      {
        key: 'log-small',
        what: `log of a small zone (${facts.smallZone}, ${facts.smallZoneCommits} commits touch it)`,
        zonelog: { display: `zonelog log ${facts.smallZone}`, stage: z(['log', facts.smallZone]), runs: [] },
        git: { display: `git log --oneline -- ${smallFile}`, stage: g(['log', '--oneline', '--', smallFile]), runs: [] },
        goal: `≤ ${GOALS.vsGit}× git`,
        check: '',
        profileArgs: ['log', facts.smallZone, '--repo', repo],
        profileDisplay: `log ${facts.smallZone} --repo R`,
      },
      {
        key: 'diff',
        what: `diff of the big zone between ${d1} and ${d2} (${Number(git(repo, ['rev-list', '--count', `${a}..${b}`]).trim()).toLocaleString('en-US')} commits apart)`,
        zonelog: { display: `zonelog diff ${BIG} --from ${d1} --to ${d2}`, stage: z(['diff', BIG, '--from', d1, '--to', d2]), runs: [] },
        git: { display: `git diff A B -- archive/big.zone (A, B: the commits at those dates)`, stage: g(['diff', a, b, '--', 'archive/big.zone']), runs: [] },
        goal: `≤ ${GOALS.vsGit}× git`,
        check: '',
        profileArgs: ['diff', BIG, '--from', d1, '--to', d2, '--repo', repo],
        profileDisplay: `diff ${BIG} --from ${d1} --to ${d2} --repo R`,
      },
      {
        key: 'when',
        what: `when for ${facts.watched} in the big zone`,
        zonelog: { display: `zonelog when ${facts.watched} --zone ${BIG}`, stage: z(['when', facts.watched, '--zone', BIG]), runs: [] },
        inner: {
          display: 'git log --reverse --format=%H %cI%n%B -- archive/big.zone archive/big/ (commit messages, whose owners lines say which commits to diff)',
          stage: g(['log', '--reverse', '--no-color', '--format=%x01commit %H %cI%n%B', '--', ...bigPaths]),
          runs: [],
        },
        goal: `≤ ${GOALS.whenS} s`,
        check: '',
        profileArgs: ['when', facts.watched, '--zone', BIG, '--repo', repo],
        profileDisplay: `when ${facts.watched} --zone ${BIG} --repo R`,
      },
    ];

    // Warm the page cache once (untimed), then interleave the commands run by run.
    git(repo, ['log', '--oneline', '-1']);
    const out = (p: Pair, k: string) => path.join(tmp, `${p.key}-${k}.out`);
    for (let r = 0; r < Math.max(opts.runs, opts.whenRuns); r++) {
      for (const p of pairs) {
        if (r >= (p.key === 'when' ? opts.whenRuns : opts.runs)) continue;
        // What zonelog asks git for is timed once, for scale.
        const sides = [
          ['zonelog', p.zonelog],
          ['git', p.git],
          ['inner', r === 0 ? p.inner : undefined],
        ].filter((x): x is [string, NonNullable<Pair['git']>] => !!x[1]);
        if (r % 2 === 1) sides.reverse();
        for (const [k, side] of sides) {
          side.runs.push(await measure([side.stage], { scratchDir: tmp, stdout: out(p, k), timeoutMs: COMMAND_TIMEOUT_MS }));
        }
        log(`run ${r + 1}/${opts.runs} ${p.key}: ${sides.map(([k, s]) => `${k} ${fmt(s.runs.at(-1)!.wallS)} s`).join(', ')}`);
      }
    }

    // Checks: the outputs agree with git's.
    {
      const [pl, ps, pd, pw] = pairs as [Pair, Pair, Pair, Pair];
      const entries = outputLines(out(pl, 'zonelog'));
      const zl1 = entries.length;
      const gl1 = outputLines(out(pl, 'git')).length;
      // zonelog log's serial and +/− counts against git's own numbers, for 20 commits spread over the history.
      let agree = 0;
      const picks = Math.min(20, entries.length);
      const sample = Array.from({ length: picks }, (_, k) => entries[Math.floor((k * entries.length) / picks)]!);
      for (const e of sample) {
        const [, commit, serial, plus, minus] = e.split('\t');
        const [ga, gr] = git(repo, ['diff', '--numstat', `${commit}^`, commit!, '--', 'archive/big.zone'])
          .trim()
          .split('\t');
        const soaNow = soaSerialOf(
          git(repo, ['show', `${commit}:archive/big.zone`])
            .slice(0, 200)
            .split('\n')[0]!,
        );
        if (`+${ga}` === plus && `−${gr}` === minus && String(soaNow) === serial) agree++;
      }
      pl.check =
        `${zl1} lines from zonelog, ${gl1} from git: ${zl1 === gl1 ? 'OK' : 'DIFFERENT'}; ` +
        `serial and +/− of ${sample.length} commits spread over the history checked against \`git show\` and \`git diff --numstat\`: ${agree === sample.length ? 'all agree' : `**${sample.length - agree} disagree**`}`;
      const zl2 = outputLines(out(ps, 'zonelog')).length;
      const gl2 = outputLines(out(ps, 'git')).length;
      ps.check = `${zl2} lines from zonelog, ${gl2} from git: ${zl2 === gl2 ? 'OK' : 'DIFFERENT'}`;
      const zd = outputLines(out(pd, 'zonelog'));
      const gd = outputLines(out(pd, 'git')).filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
      const same = zd.length === gd.length && [...zd].sort().join('\n') === [...gd].sort().join('\n');
      pd.check = `${zd.length} +/− lines from zonelog, ${gd.length} from git diff: ${same ? 'the same lines' : 'DIFFERENT'}`;
      const zw = outputLines(out(pw, 'zonelog'));
      pw.check = `${zw.length} records reported (history of ${facts.watched}: ${facts.watchedEvents.join('; ')})`;
    }
    if (opts.profile) {
      for (const p of pairs) {
        const zm = median(p.zonelog.runs.map((m) => m.wallS));
        const missed = p.git ? zm > GOALS.vsGit * median(p.git.runs.map((m) => m.wallS)) : zm > GOALS.whenS;
        if (missed) {
          log(`profiling zonelog ${p.key}`);
          p.profile = profileZonelog(zl, p.profileArgs, tmp, p.profileDisplay);
        }
      }
    }

    const rows: (string | number)[][] = [];
    const ratios: (string | number)[][] = [];
    const st = (ms: Measurement[]) => {
      const w = ms.map((m) => m.wallS);
      return { wall: median(w), min: Math.min(...w), max: Math.max(...w), cpu: median(ms.map((m) => m.cpuS)), rss: median(ms.map((m) => m.maxRssMiB)) };
    };
    for (const p of pairs) {
      const zs = st(p.zonelog.runs);
      rows.push([p.key, `\`${p.zonelog.display}\``, fmt(zs.wall), `${fmt(zs.min)}–${fmt(zs.max)}`, fmt(zs.cpu), fmt(zs.rss, 0)]);
      for (const side of [p.git, p.inner]) {
        if (!side) continue;
        const s = st(side.runs);
        rows.push([
          side === p.inner ? `${p.key} (what zonelog asks git for; one run)` : p.key,
          `\`${side.display}\``,
          fmt(s.wall, 3),
          `${fmt(s.min, 3)}–${fmt(s.max, 3)}`,
          fmt(s.cpu, 3),
          fmt(s.rss, 0),
        ]);
      }
      if (p.git) {
        const gs = st(p.git.runs);
        const r = zs.wall / gs.wall;
        ratios.push([p.key, `${fmt(r)}×`, `${fmt(zs.cpu / gs.cpu)}×`, p.goal, r <= GOALS.vsGit ? 'met' : '**not met**']);
      } else {
        ratios.push([p.key, `${fmt(zs.wall)} s`, '', p.goal, zs.wall <= GOALS.whenS ? 'met' : '**not met**']);
      }
    }
    const facts2 = machineFacts().filter((f) => f.label && !['knotd', 'kdig', 'dig', 'ldns-read-zone'].includes(f.label));
    const body = [
      `Produced by: \`${command}\` (bench/history.ts). zonelog under test: ${zl.describe}. ` +
        `The machine has 2 cores and is shared with other work while this runs, so every figure is the median of ${opts.runs} runs (${opts.whenRuns} for \`when\`, which is the slowest; the commands interleaved, alternating which goes first); judge the ratios.`,
      '',
      `Machine: ${facts2.map((f) => `${f.label} ${f.value}`).join('; ')}; ${gitVersion()}. Load average ${loadBefore} before, ${loadAverage()} after.`,
      '',
      `The history: ${facts.commits.toLocaleString('en-US')} commits, one every 2 hours from ${facts.dateOf(0).slice(0, 10)} to ${facts.dateOf(facts.commits - 1).slice(0, 10)}, over ${facts.zones.toLocaleString('en-US')} zones in zonelog's layout ` +
        "(`archive/<zone>.zone`, `archive/index.json`, `archive/README.md`, zonelog's commit messages). " +
        `\`big.\` has ${facts.bigRecords.toLocaleString('en-US')} records (${(facts.bigBytes / 1e6).toFixed(1)} MB of canonical text, rendered by src/zone/canonical.ts) and changes in every commit: serial, 1–4 DS or A records, ` +
        `now and then a delegation removed or added back. The ${(facts.zones - 1).toLocaleString('en-US')} small zones (4–404 records) change now and then ` +
        `(${facts.smallChanges.toLocaleString('en-US')} changes, 0–2 per commit, some zones much more often). index.json and README.md change in every commit. ` +
        `Built with \`git fast-import\` (each file's versions streamed one after the other, so they are stored as deltas), then \`git reset --hard\` and \`git gc\`: ` +
        `one pack of ${(facts.packBytes / 1e6).toFixed(0)} MB, with a commit-graph${opts.repo ? '' : `, in ${facts.buildS.toFixed(0)} s`}.`,
      '',
      `Goals: \`zonelog log\` and \`zonelog diff\` ≤ ${GOALS.vsGit}× the git command; \`zonelog when\` ≤ ${GOALS.whenS} s.`,
      '',
      markdownTable(['', 'command (in the repository; zonelog with `--repo R`)', 'median wall s', 'min–max s', 'median CPU s', 'median peak RSS MiB'], rows, [
        'l',
        'l',
        'r',
        'r',
        'r',
        'r',
      ]),
      '',
      markdownTable(['ratio (medians)', 'zonelog / git wall', 'CPU', 'goal', 'goal met?'], ratios, ['l', 'r', 'r', 'l', 'l']),
      '',
      "Checks (last run's outputs):",
      '',
      ...pairs.map((p) => `- ${p.key}: ${p.what}: ${p.check}`),
      ...pairs.filter((p) => p.profile).flatMap((p) => ['', `#### Where the time goes: ${p.key}`, '', profileText(p.profile!)]),
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

/**
 * Each zone's timeline, read from the archive's history for the web report:
 * one entry per commit that touched the zone. zonelog's commit messages come
 * first (they say, per zone, whether it was added, changed or removed, its serial,
 * the records added and removed, and how many addresses allow transfer); git's
 * diff (the zone's log) is read only for commits they do not describe. Records by
 * type and delegations, for the charts, are counted in some versions of each zone.
 *
 * The timelines can be brought up to date with only the commits since the last
 * build: the zones those commits touched are read again, the others are kept.
 */
import type { SimpleGit } from 'simple-git';
import { isZonelogMessage, messageZones, type MessageZone } from '../archive/commit-message.js';
import { spawn } from 'node:child_process';
import { gitEnv, gitText } from '../git/git.js';
import { showZone, zoneLog, zoneOfPath, type HistoryRepo, type LogEntry } from '../history/history.js';
import { INDEX_FILE, parseIndex, type ArchiveIndex, type IndexZone } from '../archive/writer.js';
import { versionsServed, type ServedVersion } from './current.js';

/** One commit that touched the archive. */
interface SiteCommit {
  commit: string;
  /** The commit date (the scan's time), ISO 8601. */
  date: string;
  author: string;
  /** Whether zonelog wrote its message. */
  byZonelog: boolean;
}

type EntryKind = 'added' | 'changed' | 'removed' | 'servers';

/** One commit in one zone's timeline. */
export interface TimelineEntry {
  commit: string;
  date: string;
  kind: EntryKind;
  byZonelog: boolean;
  serial?: number;
  /** Records added and removed by this commit. */
  added: number;
  removed: number;
  /** After the commit: records, delegations (owners of NS records below the apex), records by type. */
  records?: number;
  delegations?: number;
  byType?: Record<string, number>;
  /** Addresses that allow transfer, before and after (the message's `*` line). */
  servers?: { before: number; after: number };
  /** A removal's evidence, as the message gives it. */
  refusal?: { refusing: number; answered: number };
  /** The zone's file (`ba.zone`) or folder of parts (`ba/`) after the commit, relative to the archive. */
  path?: string;
  /**
   * The versions its addresses served, as index.json records them after the commit
   * (more than one: the servers disagreed); absent where index.json was not read.
   */
  served?: ServedVersion[];
}

export interface ZoneTimeline {
  zone: string;
  /** Oldest first. */
  entries: TimelineEntry[];
  /** Where the zone's name came from, as the newest index.json read that lists the zone says. */
  source?: string;
}

export interface SiteHistory {
  /** The commit the history was read up to. */
  head: string;
  archive: string;
  /** Every commit that touched the archive, oldest first. */
  commits: SiteCommit[];
  zones: Map<string, ZoneTimeline>;
  /** The first commit from which on index.json was read for the versions each address served. */
  servedFrom?: string;
}

/** Whether the zone is in the archive after its last entry. */
export function isPresent(t: ZoneTimeline): boolean {
  for (let i = t.entries.length - 1; i >= 0; i--) {
    const k = t.entries[i]!.kind;
    if (k !== 'servers') return k !== 'removed';
  }
  return false;
}

/** The entry that last made the zone transferable (its latest `added`), if it is now. */
export function lastStart(t: ZoneTimeline): TimelineEntry | undefined {
  if (!isPresent(t)) return undefined;
  for (let i = t.entries.length - 1; i >= 0; i--) if (t.entries[i]!.kind === 'added') return t.entries[i];
  return undefined;
}

/** Spans when the zone was in the archive: from an `added` to the next `removed` (open at the end when present). */
export function transferableSpans(t: ZoneTimeline): { from: TimelineEntry; to?: TimelineEntry }[] {
  const spans: { from: TimelineEntry; to?: TimelineEntry }[] = [];
  let open: TimelineEntry | undefined;
  for (const e of t.entries) {
    if (e.kind === 'added' && !open) open = e;
    else if (e.kind === 'removed' && open) {
      spans.push({ from: open, to: e });
      open = undefined;
    }
  }
  if (open) spans.push({ from: open });
  return spans;
}

interface RawCommit extends SiteCommit {
  said: MessageZone[];
  /** Zones whose files the commit touched. */
  touched: string[];
  /** Zone → its file or folder after the commit, when the commit left one there, and the file's blob. */
  paths: Map<string, { path: string; blob?: string }>;
}

const MARK = '\u0001';

/**
 * Commits that touched the archive, oldest first, with what their messages say and
 * the zones they touched: one `git log --raw`, read as git writes it (newest first,
 * so git's work and ours overlap). The raw lines name each file's blob, so the
 * versions counted later are read by blob, without a path lookup per version.
 */
async function readCommits(h: HistoryRepo, repo: GitPlace, range: string[]): Promise<RawCommit[]> {
  const args = ['log', '--no-color', '--no-renames', '--raw', '--no-abbrev', `--format=${MARK}%H%x00%cI%x00%an%x00%B%x00`, ...range, '--', h.archive];
  const commits: RawCommit[] = [];
  const parse = (block: string) => {
    const [commit, date, author, body, files] = block.split('\0') as [string, string, string, string, string];
    const said = messageZones(body);
    const touched = new Set<string>();
    const paths = new Map<string, { path: string; blob?: string }>();
    // `:100644 100644 OLD NEW M\tarchive/ba.zone`: a file that is there after the commit unless its status is D.
    for (const line of (files ?? '').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab < 0 || line[0] !== ':') continue;
      const f = line.slice(tab + 1);
      const zone = zoneOfPath(h, f);
      if (zone === undefined) continue;
      touched.add(zone);
      const meta = line.slice(1, tab).split(' ');
      if (meta[4] === 'D') continue;
      const rest = f.slice(h.archive.length + 1);
      const folder = rest.includes('/');
      paths.set(
        zone,
        folder ? { path: rest.slice(0, rest.indexOf('/') + 1) } : { path: rest, ...(/^[0-9a-f]{40,64}$/.test(meta[3] ?? '') ? { blob: meta[3] } : {}) },
      );
    }
    commits.push({ commit, date: new Date(date).toISOString(), author, byZonelog: isZonelogMessage(body), said, touched: [...touched], paths });
  };
  let rest = '';
  for await (const chunk of gitText(repo.dir, repo.env, args)) {
    rest += chunk;
    const last = rest.lastIndexOf(MARK);
    if (last <= 0) continue;
    for (const block of rest.slice(0, last).split(MARK)) if (block) parse(block);
    rest = rest.slice(last);
  }
  for (const block of rest.split(MARK)) if (block) parse(block);
  return commits.reverse();
}

/**
 * A whole history as two ranges whose logs can be read at once (git's diffs of the
 * archive's trees are most of the work, and take one core each): the ancestors of
 * its middle commit, then the commits after. None is an ancestor of one before it.
 */
async function halves(h: HistoryRepo, head: string): Promise<string[][]> {
  const all = (await h.g.raw(['rev-list', head])).split('\n').filter(Boolean);
  if (all.length < 1000) return [[head]];
  const middle = all[Math.floor(all.length / 2)]!;
  return [[middle], [`${middle}..${head}`]];
}

/** What the charts show of one version of a zone. */
interface Counts {
  records: number;
  /** Owners below the apex with NS records. */
  delegations: number;
  byType: Record<string, number>;
}

/**
 * Records by type and delegations of a zone's canonical text: one record per line
 * (owner, TTL, class, type, data), in canonical order, so the NS records of one
 * owner are next to each other and a delegation is a change of NS owner.
 */
function countRecords(zone: string, text: string): Counts {
  const byType = new Map<string, number>();
  let records = 0;
  let delegations = 0;
  let lastNs = '';
  for (let at = 0; at < text.length; ) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const t1 = text.indexOf('\t', at);
    const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
    const t3 = t2 < 0 ? -1 : text.indexOf('\t', t2 + 1);
    const t4 = t3 < 0 ? -1 : text.indexOf('\t', t3 + 1);
    if (t4 > 0 && t4 < nl) {
      const type = text.slice(t3 + 1, t4);
      records++;
      byType.set(type, (byType.get(type) ?? 0) + 1);
      if (type === 'NS' && !(text.startsWith(lastNs, at) && t1 - at === lastNs.length)) {
        lastNs = text.slice(at, t1);
        if (lastNs !== zone) delegations++;
      }
    }
    at = nl + 1;
  }
  const sorted: Record<string, number> = {};
  for (const t of [...byType.keys()].sort()) sorted[t] = byType.get(t)!;
  return { records, delegations, byType: sorted };
}

/** A repository and the environment git runs in there. */
export interface GitPlace {
  dir: string;
  env: Record<string, string | undefined>;
}

/**
 * In a build from scratch, how many versions of a zone are counted by type (the
 * charts' points): up to 24, fewer for a large zone, about a million records read per zone.
 */
function versionsToCount(records: number): number {
  return Math.max(4, Math.min(24, Math.floor(1_000_000 / Math.max(1, records))));
}

/**
 * How much of index.json a build reads for the versions each address served: the
 * newest commits whose index.json add up to about this many bytes (each commit of
 * an incremental build, as long as they fit). Reading every commit's (400 KB each
 * for 1,500 zones) would cost a build from scratch of 5,000 commits seconds.
 */
const SERVED_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * The timelines at HEAD: read whole, or, given the timelines of an earlier build
 * whose head is an ancestor of HEAD, only the commits since it.
 *
 * Records added and removed, and so the records after each commit, come from the
 * messages (and for the commits they do not describe, from the zone's log). Records
 * by type and delegations need the zone's text: in a build from scratch they are
 * counted in a few versions of each zone spread over its history (versionsToCount)
 * (diffing every version of a large zone that changes in every commit would take
 * minutes), in an incremental build in every new version. The versions each
 * address served come from index.json at the newest commits (SERVED_BUDGET_BYTES).
 */
export async function readHistory(h: HistoryRepo, repo: GitPlace, prior?: SiteHistory, servedBudget = SERVED_BUDGET_BYTES): Promise<SiteHistory> {
  const head = (await h.g.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(() => '')).trim();
  if (!head) return { head: '', archive: h.archive, commits: [], zones: new Map() };
  if (prior && prior.archive === h.archive && prior.head === head) return prior;
  const since = prior && prior.archive === h.archive && prior.head && (await isAncestor(h.g, prior.head, head)) ? prior : undefined;
  const [commits, indexBytes] = await Promise.all([
    (since ? Promise.resolve([[`${since.head}..${head}`]]) : halves(h, head)).then(async (ranges) =>
      (await Promise.all(ranges.map((r) => readCommits(h, repo, r)))).flat(),
    ),
    h.g
      .raw(['cat-file', '-s', `${head}:${h.archive}/${INDEX_FILE}`])
      .then((s) => Number(s.trim()) || 0)
      .catch(() => 0),
  ]);
  const zones = new Map(since ? since.zones : []);

  // What the messages do not say (commits zonelog did not write; a zone moved between a file
  // and a folder of parts): each such zone's log, which diffs only those commits.
  const unsaid = new Set<string>();
  for (const c of commits) {
    for (const zone of c.touched) {
      const s = c.said.find((m) => m.zone === zone);
      if (!s || (s.kind === 'changed' && !s.counts)) unsaid.add(zone);
    }
  }
  const logs = new Map<string, Map<string, LogEntry>>();
  for (const zone of unsaid) logs.set(zone, new Map((await zoneLog(h, zone)).map((e) => [e.commit, e])));

  // The earlier build's timelines are not changed in place: copied before the first new entry.
  const fresh = new Map<string, number>();
  const blobs = new Map<TimelineEntry, string>();
  const byCommit = new Map<string, { zone: string; entry: TimelineEntry }[]>();
  for (const c of commits) {
    const names = new Set([...c.said.map((s) => s.zone), ...c.touched]);
    const made: { zone: string; entry: TimelineEntry }[] = [];
    for (const zone of names) {
      let t = zones.get(zone);
      const entry = entryFor(c, zone, t, logs.get(zone)?.get(c.commit));
      if (!entry) continue;
      const here = c.paths.get(zone);
      const where = here?.path ?? t?.entries.at(-1)?.path;
      if (where) entry.path = where;
      if (here?.blob) blobs.set(entry, here.blob);
      if (!fresh.has(zone)) {
        zones.set(zone, (t = { zone, entries: [...(t?.entries ?? [])], ...(t?.source ? { source: t.source } : {}) }));
        fresh.set(zone, t.entries.length);
      }
      t!.entries.push(entry);
      made.push({ zone, entry });
    }
    byCommit.set(c.commit, made);
  }

  // The versions to count: every new one in an incremental build, a spread of each zone's otherwise.
  const wanted: (TimelineEntry & { zone: string })[] = [];
  for (const [zone, from] of fresh) {
    const versions = zones
      .get(zone)!
      .entries.slice(from)
      .filter((e) => e.kind !== 'removed' && e.kind !== 'servers' && e.path);
    const largest = Math.max(0, ...versions.map((e) => e.records ?? 0));
    for (const e of since ? versions : spread(versions, versionsToCount(largest))) wanted.push(Object.assign(e, { zone }));
  }
  // The newest commits' index.json, as many as the budget allows.
  const window = commits.slice(-Math.max(1, Math.floor(servedBudget / Math.max(1, indexBytes))));
  const [counts] = await Promise.all([
    countVersions(h, repo, wanted, blobs),
    readServed(
      h,
      repo,
      window.map((c) => ({ commit: c.commit, made: byCommit.get(c.commit)! })),
      zones,
    ),
  ]);
  for (const e of wanted as (TimelineEntry & { zone?: string })[]) {
    const n = counts.get(e);
    delete e.zone;
    if (n) Object.assign(e, { records: n.records, delegations: n.delegations, byType: n.byType });
  }
  const servedFrom = since && window.length === commits.length ? since.servedFrom : window[0]?.commit;
  return {
    head,
    archive: h.archive,
    commits: [...(since?.commits ?? []), ...commits.map(({ commit, date, author, byZonelog }) => ({ commit, date, author, byZonelog }))],
    zones,
    ...(servedFrom ? { servedFrom } : {}),
  };
}

/**
 * The versions each address served (and the zone's source) from index.json at each
 * of these commits, for the zones with an entry there. zonelog writes index.json
 * with one zone's entry between `\n  "ba.": {` and `\n  }`: that part is cut out and
 * read by the archive's parser; an index written otherwise is parsed whole. A
 * removed zone's source is looked up in the index before its removal.
 */
async function readServed(
  h: HistoryRepo,
  repo: GitPlace,
  window: { commit: string; made: { zone: string; entry: TimelineEntry }[] }[],
  zones: Map<string, ZoneTimeline>,
): Promise<void> {
  const reads: { spec: string; made: { zone: string; entry: TimelineEntry }[]; removed: boolean }[] = [];
  for (const w of window) {
    const kept = w.made.filter((m) => m.entry.kind !== 'removed');
    const removed = w.made.filter((m) => m.entry.kind === 'removed');
    if (kept.length) reads.push({ spec: `${w.commit}:${h.archive}/${INDEX_FILE}`, made: kept, removed: false });
    if (removed.length) reads.push({ spec: `${w.commit}^:${h.archive}/${INDEX_FILE}`, made: removed, removed: true });
  }
  let i = 0;
  for await (const text of catFiles(
    repo,
    reads.map((r) => r.spec),
  )) {
    const r = reads[i++]!;
    if (!text) continue;
    let whole: ArchiveIndex | undefined | null = null;
    const parsedWhole = () => (whole === null ? (whole = parseIndex(text.toString('utf8'))) : whole);
    for (const { zone, entry } of r.made) {
      const e = indexEntry(text, zone, parsedWhole);
      if (!e) continue;
      const t = zones.get(zone)!;
      if (e.source) t.source = e.source;
      if (!r.removed) entry.served = versionsServed(e.servers);
    }
  }
}

/** One zone's entry in an index.json text: its part cut out when the index is as zonelog writes it, else from the whole. */
function indexEntry(text: Buffer, zone: string, whole: () => ArchiveIndex | undefined): IndexZone | undefined {
  const key = `\n  ${JSON.stringify(zone)}: {\n`;
  const at = text.indexOf(key);
  const end = at < 0 ? -1 : text.indexOf('\n  }', at + key.length);
  if (end > 0) {
    const e = parseIndex(`{"format":1,"zones":{${text.toString('utf8', at + 1, end + 4)}}}`)?.zones[zone];
    if (e) return e;
  }
  return whole()?.zones[zone];
}

/** At most n of the items, evenly spread, the first and the last among them. */
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const picked = new Set<number>();
  for (let i = 0; i < n; i++) picked.add(Math.round((i * (items.length - 1)) / (n - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}

/**
 * Counts the given versions: files through one `git cat-file --batch` (by blob
 * where the log named it; each text is counted as it arrives, none is kept),
 * folders of parts through showZone.
 */
async function countVersions(
  h: HistoryRepo,
  repo: GitPlace,
  versions: (TimelineEntry & { zone: string })[],
  blobs: Map<TimelineEntry, string>,
): Promise<Map<TimelineEntry, Counts>> {
  const out = new Map<TimelineEntry, Counts>();
  const files = versions.filter((v) => !v.path!.endsWith('/'));
  for (const v of versions.filter((x) => x.path!.endsWith('/'))) out.set(v, countRecords(v.zone, await showZone(h, v.zone, v.commit).catch(() => '')));
  if (files.length === 0) return out;
  const texts = catFiles(
    repo,
    files.map((v) => blobs.get(v) ?? `${v.commit}:${h.archive}/${v.path}`),
  );
  let i = 0;
  for await (const text of texts) {
    const v = files[i++]!;
    if (text !== undefined) out.set(v, countRecords(v.zone, text.toString('latin1')));
  }
  return out;
}

/** The contents of objects (`rev:path` or blob ids), in order (undefined for one that is missing), from one `git cat-file --batch`. */
async function* catFiles(repo: GitPlace, specs: string[]): AsyncGenerator<Buffer | undefined> {
  if (specs.length === 0) return;
  const child = spawn('git', ['-C', repo.dir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'ignore'], env: gitEnv(repo.env) });
  child.stdin.on('error', () => {});
  child.stdin.end(specs.map((s) => s + '\n').join(''));
  let chunks: Buffer[] = [];
  let have = 0;
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
    chunks = all.length > n ? [all.subarray(n)] : [];
    have = all.length - n;
    return all.subarray(0, n);
  };
  let want: number | undefined;
  let done = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    have += chunk.length;
    for (;;) {
      if (want === undefined) {
        const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
        chunks = [joined];
        const nl = joined.indexOf(10);
        if (nl < 0) break;
        const header = take(nl + 1)
          .toString('latin1')
          .trim()
          .split(' ');
        if (header[1] === 'missing' || header.length < 3) {
          done++;
          yield undefined;
          continue;
        }
        want = Number(header[2]) + 1;
      }
      if (have < want) break;
      const body = take(want);
      want = undefined;
      done++;
      yield body.subarray(0, body.length - 1);
    }
  }
  for (; done < specs.length; done++) yield undefined;
}

/** Whether commit a is b or one of its ancestors: their merge base is a (an exit status alone is not seen through simple-git). */
async function isAncestor(g: SimpleGit, a: string, b: string): Promise<boolean> {
  const base = await g.raw(['merge-base', a, b]).catch(() => '');
  return base.trim() === a;
}

/** One zone's entry for one commit: the message's word first, the zone's log for the rest. */
function entryFor(c: RawCommit, zone: string, t: ZoneTimeline | undefined, log: LogEntry | undefined): TimelineEntry | undefined {
  let before: number | undefined;
  for (let i = (t?.entries.length ?? 0) - 1; i >= 0 && before === undefined; i--) before = t!.entries[i]!.records;
  const present = t ? isPresent(t) : false;
  const base = { commit: c.commit, date: c.date, byZonelog: c.byZonelog };
  // A message is believed about a zone's records only when the commit did touch the zone's files.
  const claim = c.said.find((m) => m.zone === zone);
  const said = claim && (claim.kind === 'servers' || c.touched.includes(zone)) ? claim : undefined;
  const after = (added: number, removed: number) => (before !== undefined ? { records: before + added - removed } : {});
  if (said?.kind === 'added') {
    return { ...base, kind: 'added', serial: said.serial, added: said.records, removed: 0, records: said.records };
  }
  if (said?.kind === 'removed') {
    const refusal = said.answered !== undefined ? { refusal: { refusing: said.refusing!, answered: said.answered } } : {};
    return { ...base, kind: 'removed', serial: lastSerial(t), added: 0, removed: before ?? 0, records: 0, ...refusal };
  }
  if (said?.kind === 'servers' && !c.touched.includes(zone)) {
    const serial = lastSerial(t);
    return {
      ...base,
      kind: 'servers',
      ...(serial !== undefined ? { serial } : {}),
      added: 0,
      removed: 0,
      records: before,
      servers: { before: said.before, after: said.after },
    };
  }
  if (said?.kind === 'changed' && said.counts) {
    return { ...base, kind: 'changed', serial: said.to, ...said.counts, ...after(said.counts.added, said.counts.removed) };
  }
  // Not said (or said without counts): what the commit did to the zone's files, and its log.
  if (!c.touched.includes(zone)) return undefined;
  const gone = !c.paths.has(zone);
  if (gone && !present) return undefined;
  const kind: EntryKind = gone ? 'removed' : present ? 'changed' : 'added';
  const serial = said?.kind === 'changed' ? said.to : (log?.serial ?? lastSerial(t));
  const added = log?.added ?? 0;
  const removed = log?.removed ?? (kind === 'removed' ? (before ?? 0) : 0);
  return {
    ...base,
    kind,
    ...(serial !== undefined ? { serial } : {}),
    added,
    removed,
    ...(kind === 'removed' ? { records: 0 } : kind === 'added' ? { records: added } : after(added, removed)),
  };
}

function lastSerial(t: ZoneTimeline | undefined): number | undefined {
  if (!t) return undefined;
  for (let i = t.entries.length - 1; i >= 0; i--) if (t.entries[i]!.serial !== undefined) return t.entries[i]!.serial;
  return undefined;
}

/** Zones in the archive after each commit, oldest first: in all, and by the source `sourceOf` gives each zone. */
export function totalsOverTime(
  hist: SiteHistory,
  sourceOf: (t: ZoneTimeline) => string = () => '',
): { commit: string; date: string; zones: number; bySource: Map<string, number> }[] {
  const delta = new Map<string, Map<string, number>>();
  const sources = new Set<string>();
  for (const t of hist.zones.values()) {
    const source = sourceOf(t);
    let present = false;
    for (const e of t.entries) {
      const step: number = e.kind === 'added' && !present ? 1 : e.kind === 'removed' && present ? -1 : 0;
      if (step === 0) continue;
      present = step > 0;
      sources.add(source);
      let d = delta.get(e.commit);
      if (!d) delta.set(e.commit, (d = new Map()));
      d.set(source, (d.get(source) ?? 0) + step);
    }
  }
  const now = new Map([...sources].sort().map((s) => [s, 0]));
  let n = 0;
  return hist.commits.map((c) => {
    for (const [s, k] of delta.get(c.commit) ?? []) {
      now.set(s, now.get(s)! + k);
      n += k;
    }
    return { commit: c.commit, date: c.date, zones: n, bySource: new Map(now) };
  });
}

/** The timelines as JSON, for the build cache. */
export function historyToJson(hist: SiteHistory): unknown {
  return { head: hist.head, archive: hist.archive, commits: hist.commits, zones: [...hist.zones.values()], servedFrom: hist.servedFrom };
}

/** The timelines back from historyToJson's JSON; undefined when it does not have that shape. */
export function historyFromJson(v: unknown): SiteHistory | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { head?: unknown; archive?: unknown; commits?: unknown; zones?: unknown; servedFrom?: unknown };
  if (typeof o.head !== 'string' || !/^[0-9a-f]{40,64}$/.test(o.head) || typeof o.archive !== 'string' || !Array.isArray(o.commits) || !Array.isArray(o.zones))
    return undefined;
  const zones = new Map<string, ZoneTimeline>();
  for (const z of o.zones as ZoneTimeline[]) {
    if (!z || typeof z.zone !== 'string' || !Array.isArray(z.entries)) return undefined;
    zones.set(z.zone, z);
  }
  const servedFrom = typeof o.servedFrom === 'string' ? { servedFrom: o.servedFrom } : {};
  return { head: o.head, archive: o.archive, commits: o.commits as SiteCommit[], zones, ...servedFrom };
}

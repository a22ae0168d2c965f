/**
 * Each zone's timeline, read from the archive's history for the web report:
 * one entry per commit that touched the zone. zonelog's commit messages come
 * first (they say, per zone, whether it was added, changed or removed, its serial,
 * the records added and removed, and how many addresses allow transfer); git's
 * diff is read only where they do not say: records by type and delegations (for
 * the charts), and commits that zonelog did not write.
 *
 * The timelines can be brought up to date with only the commits since the last
 * build: the zones those commits touched are read again, the others are kept.
 */
import type { SimpleGit } from 'simple-git';
import { isZonelogMessage, messageZones, type MessageZone } from '../archive/commit-message.js';
import { showZone, zoneLog, zoneOfPath, zoneStats, type HistoryRepo, type LogEntry, type StatsRow } from '../history/history.js';

/** One commit that touched the archive. */
export interface SiteCommit {
  commit: string;
  /** The commit date (the scan's time), ISO 8601. */
  date: string;
  author: string;
  /** Whether zonelog wrote its message. */
  byZonelog: boolean;
}

export type EntryKind = 'added' | 'changed' | 'removed' | 'servers';

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
}

export interface ZoneTimeline {
  zone: string;
  /** Oldest first. */
  entries: TimelineEntry[];
}

export interface SiteHistory {
  /** The commit the history was read up to. */
  head: string;
  archive: string;
  /** Every commit that touched the archive, oldest first. */
  commits: SiteCommit[];
  zones: Map<string, ZoneTimeline>;
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
  /** Zone → its file or folder after the commit, when the commit left one there. */
  paths: Map<string, string>;
}

const MARK = '\u0001';

/** Commits that touched the archive, oldest first, with what their messages say and the zones they touched. */
async function readCommits(h: HistoryRepo, range: string[]): Promise<RawCommit[]> {
  const out = await h.g.raw(['log', '--reverse', '--no-color', '--no-renames', '--name-status', `--format=${MARK}%H%x00%cI%x00%an%x00%B%x00`, ...range, '--', h.archive]);
  const commits: RawCommit[] = [];
  for (const block of out.split(MARK).slice(1)) {
    const [commit, date, author, body, files] = block.split('\0') as [string, string, string, string, string];
    const said = messageZones(body);
    const touched = new Set<string>();
    const paths = new Map<string, string>();
    // `M\tarchive/ba.zone`: a file that is there after the commit unless its status is D.
    for (const line of (files ?? '').split('\n')) {
      const [status, f] = line.split('\t');
      const zone = f ? zoneOfPath(h, f) : undefined;
      if (zone === undefined) continue;
      touched.add(zone);
      const rest = f!.slice(h.archive.length + 1);
      if (status !== 'D') paths.set(zone, rest.includes('/') ? rest.slice(0, rest.indexOf('/') + 1) : rest);
    }
    commits.push({ commit, date: new Date(date).toISOString(), author, byZonelog: isZonelogMessage(body), said, touched: [...touched], paths });
  }
  return commits;
}

/** Above this many zone versions made since the last build, one pass over the whole history is faster than reading each. */
const PER_ZONE_LIMIT = 200;

/** What the charts show of one version of a zone. */
type Counts = Pick<StatsRow, 'records' | 'delegations' | 'byType' | 'serial'>;

/**
 * Records by type and delegations (owners below the apex with NS records) of a
 * zone's canonical text, one record per line; nothing for a zone that is gone.
 */
export function countRecords(zone: string, text: string): Counts {
  const byType: Record<string, number> = {};
  const delegated = new Set<string>();
  let records = 0;
  let serial: number | undefined;
  for (const line of text.split('\n')) {
    const f = line.split('\t', 5);
    const type = f[3];
    if (!type) continue;
    records++;
    byType[type] = (byType[type] ?? 0) + 1;
    if (type === 'NS' && f[0] !== zone) delegated.add(f[0]!);
    if (type === 'SOA' && serial === undefined) serial = Number((line.split('\t')[4] ?? '').split(' ')[2]);
  }
  const sorted: Record<string, number> = {};
  for (const t of Object.keys(byType).sort()) sorted[t] = byType[t]!;
  return { records, delegations: delegated.size, byType: sorted, serial: Number.isFinite(serial) ? serial : undefined };
}

/**
 * The timelines at HEAD: read whole, or, given the timelines of an earlier build
 * whose head is an ancestor of HEAD, only the commits since it.
 */
export async function readHistory(h: HistoryRepo, prior?: SiteHistory): Promise<SiteHistory> {
  const head = (await h.g.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(() => '')).trim();
  if (!head) return { head: '', archive: h.archive, commits: [], zones: new Map() };
  if (prior && prior.archive === h.archive && prior.head === head) return prior;
  const since = prior && prior.archive === h.archive && prior.head && (await isAncestor(h.g, prior.head, head)) ? prior : undefined;
  const commits = await readCommits(h, since ? [`${since.head}..${head}`] : [head]);
  const zones = new Map(since ? since.zones : []);
  const touched = new Set(commits.flatMap((c) => [...c.touched, ...c.said.map((s) => s.zone)]));
  // Records by type and delegations: from the diff of the whole history, or, for the few
  // zones the new commits touched, counted in each of their versions those commits made.
  const statsOf = new Map<string, Counts>();
  const versions = commits.flatMap((c) => c.touched.map((zone) => ({ commit: c.commit, zone })));
  if (!since || versions.length > PER_ZONE_LIMIT) {
    for (const r of await zoneStats(h)) statsOf.set(`${r.commit} ${r.zone}`, r);
  } else {
    for (const v of versions) statsOf.set(`${v.commit} ${v.zone}`, countRecords(v.zone, await showZone(h, v.zone, v.commit).catch(() => '')));
  }

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
  const fresh = new Set<string>();
  for (const c of commits) {
    const names = new Set([...c.said.map((s) => s.zone), ...c.touched]);
    for (const zone of names) {
      let t = zones.get(zone);
      const entry = entryFor(c, zone, t, statsOf.get(`${c.commit} ${zone}`), logs.get(zone)?.get(c.commit));
      if (!entry) continue;
      const where = c.paths.get(zone) ?? t?.entries.at(-1)?.path;
      if (where) entry.path = where;
      if (!fresh.has(zone)) zones.set(zone, (t = { zone, entries: [...(t?.entries ?? [])] }));
      fresh.add(zone);
      t!.entries.push(entry);
    }
  }
  return { head, archive: h.archive, commits: [...(since?.commits ?? []), ...commits.map(({ commit, date, author, byZonelog }) => ({ commit, date, author, byZonelog }))], zones };
}

async function isAncestor(g: SimpleGit, a: string, b: string): Promise<boolean> {
  try {
    await g.raw(['merge-base', '--is-ancestor', a, b]);
    return true;
  } catch {
    return false;
  }
}

/** One zone's entry for one commit: the message's word first, the diff for the rest. */
function entryFor(c: RawCommit, zone: string, t: ZoneTimeline | undefined, row: Counts | undefined, log: LogEntry | undefined): TimelineEntry | undefined {
  const before = t ? [...t.entries].reverse().find((e) => e.records !== undefined)?.records : undefined;
  const present = t ? isPresent(t) : false;
  const base = { commit: c.commit, date: c.date, byZonelog: c.byZonelog };
  const counted = row ? { records: row.records, delegations: row.delegations, byType: row.byType } : {};
  // A message is believed about a zone's records only when the commit did touch the zone's files.
  const claim = c.said.find((m) => m.zone === zone);
  const said = claim && (claim.kind === 'servers' || c.touched.includes(zone)) ? claim : undefined;
  if (said?.kind === 'added') {
    return { ...base, kind: 'added', serial: said.serial, added: said.records, removed: 0, records: said.records, ...counted };
  }
  if (said?.kind === 'removed') {
    const refusal = said.answered !== undefined ? { refusal: { refusing: said.refusing!, answered: said.answered } } : {};
    return { ...base, kind: 'removed', serial: lastSerial(t), added: 0, removed: before ?? 0, ...counted, records: 0, ...refusal };
  }
  if (said?.kind === 'servers' && !c.touched.includes(zone)) {
    const serial = lastSerial(t);
    return { ...base, kind: 'servers', ...(serial !== undefined ? { serial } : {}), added: 0, removed: 0, records: before, servers: { before: said.before, after: said.after } };
  }
  if (said?.kind === 'changed' && said.counts) {
    const records = row?.records ?? (before !== undefined ? before + said.counts.added - said.counts.removed : undefined);
    return { ...base, kind: 'changed', serial: said.to, ...said.counts, ...counted, ...(records !== undefined ? { records } : {}) };
  }
  // Not said (or said without counts): what the diff shows.
  if (!row && !log) return undefined;
  const records = row?.records;
  const kind: EntryKind = records === 0 ? 'removed' : present ? 'changed' : 'added';
  if (kind === 'removed' && !present) return undefined;
  const serial = said?.kind === 'changed' ? said.to : (log?.serial ?? row?.serial ?? lastSerial(t));
  return {
    ...base,
    kind,
    ...(serial !== undefined ? { serial } : {}),
    added: log?.added ?? (kind === 'added' ? (records ?? 0) : 0),
    removed: log?.removed ?? (kind === 'removed' ? (before ?? 0) : 0),
    ...counted,
  };
}

function lastSerial(t: ZoneTimeline | undefined): number | undefined {
  if (!t) return undefined;
  for (let i = t.entries.length - 1; i >= 0; i--) if (t.entries[i]!.serial !== undefined) return t.entries[i]!.serial;
  return undefined;
}

/** Zones in the archive after each commit, oldest first. */
export function totalsOverTime(hist: SiteHistory): { commit: string; date: string; zones: number }[] {
  const delta = new Map<string, number>();
  for (const t of hist.zones.values()) {
    let present = false;
    for (const e of t.entries) {
      if (e.kind === 'added' && !present) {
        present = true;
        delta.set(e.commit, (delta.get(e.commit) ?? 0) + 1);
      } else if (e.kind === 'removed' && present) {
        present = false;
        delta.set(e.commit, (delta.get(e.commit) ?? 0) - 1);
      }
    }
  }
  let n = 0;
  return hist.commits.map((c) => ({ commit: c.commit, date: c.date, zones: (n += delta.get(c.commit) ?? 0) }));
}

/** The timelines as JSON, for the build cache. */
export function historyToJson(hist: SiteHistory): unknown {
  return { head: hist.head, archive: hist.archive, commits: hist.commits, zones: [...hist.zones.values()] };
}

/** The timelines back from historyToJson's JSON; undefined when it does not have that shape. */
export function historyFromJson(v: unknown): SiteHistory | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { head?: unknown; archive?: unknown; commits?: unknown; zones?: unknown };
  if (typeof o.head !== 'string' || !/^[0-9a-f]{40,64}$/.test(o.head) || typeof o.archive !== 'string' || !Array.isArray(o.commits) || !Array.isArray(o.zones)) return undefined;
  const zones = new Map<string, ZoneTimeline>();
  for (const z of o.zones as ZoneTimeline[]) {
    if (!z || typeof z.zone !== 'string' || !Array.isArray(z.entries)) return undefined;
    zones.set(z.zone, z);
  }
  return { head: o.head, archive: o.archive, commits: o.commits as SiteCommit[], zones };
}

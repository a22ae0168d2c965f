/**
 * Reading the archive's history (docs/architecture.md §8), through git alone: no old tree is
 * checked out. Each record is one line, so a zone's changes are the +/- lines of
 * git's patches; a zone's history spans its single file and its split folder.
 */
import type { SimpleGit } from 'simple-git';
import { isZonelogMessage, listedOwners, zoneCounts, zoneLine } from '../archive/commit-message.js';
import { git, gitLines } from '../git/git.js';
import { COMMIT_MARK, type CommitPatch, PATCH_LOG_FORMAT, PATCH_OPTIONS, addedLines, readPatches, removedLines } from '../git/patch.js';
import { partOrder, zoneFile, zoneFolder, zoneOfArchivePath } from '../archive/layout.js';
import { canonicalText } from '../dns/name.js';

export interface HistoryRepo {
  g: SimpleGit;
  /** The repository's working tree and the environment git runs with, for streamed commands. */
  dir: string;
  env: Record<string, string | undefined>;
  /** The archive folder relative to the repository, e.g. `archive`. */
  archive: string;
}

export function openHistory(repoDir: string, archive: string, env: Record<string, string | undefined>): HistoryRepo {
  return { g: git(repoDir, env), dir: repoDir, env, archive: archive.replace(/\/+$/, '') || 'archive' };
}

/** A bad zone, name or revision: a usage error. */
export class HistoryError extends Error {}

/** Git pathspecs of a zone: its file and its folder. */
export function zonePaths(h: HistoryRepo, zone: string): string[] {
  return [`${h.archive}/${zoneFile(zone)}`, `${h.archive}/${zoneFolder(zone)}/`];
}

/** The zone a path under the archive belongs to, or undefined for index.json and README.md. */
export function zoneOfPath(h: HistoryRepo, file: string): string | undefined {
  return file.startsWith(h.archive + '/') ? zoneOfArchivePath(file.slice(h.archive.length + 1)) : undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A revision or a date (the last commit at or before it; a bare day means its end, UTC). */
export async function resolvePoint(h: HistoryRepo, point: string): Promise<string> {
  if (DATE.test(point)) {
    const when = /^\d{4}-\d{2}-\d{2}$/.test(point) ? `${point}T23:59:59Z` : point;
    if (Number.isNaN(Date.parse(when))) throw new HistoryError(`not a date: ${point}`);
    const rev = (await h.g.raw(['rev-list', '-1', `--before=${when}`, 'HEAD'])).trim();
    if (!rev) throw new HistoryError(`no commit at or before ${point}`);
    return rev;
  }
  let rev = '';
  try {
    rev = (await h.g.revparse(['--verify', '--quiet', `${point}^{commit}`])).trim();
  } catch {
    /* not a revision */
  }
  if (!/^[0-9a-f]{40,64}$/.test(rev)) throw new HistoryError(`unknown revision ${point}`);
  return rev;
}

export interface LogEntry {
  commit: string;
  date: string;
  serial: number | undefined;
  added: number;
  removed: number;
}

/** At most this many commits are named to one `git log --no-walk`. */
const MAX_LISTED_COMMITS = 500;

/** `git log -p -U0` over paths, oldest first, one commit at a time. */
function patchLog(h: HistoryRepo, paths: string[], extra: string[] = []): AsyncGenerator<CommitPatch> {
  const args = ['log', '--reverse', '-p', ...PATCH_OPTIONS, '--diff-algorithm=myers', PATCH_LOG_FORMAT, ...extra, '--', ...paths];
  return readPatches(gitLines(h.dir, h.env, args));
}

function soaSerial(line: string): number | undefined {
  const f = line.split('\t');
  if (f[3] !== 'SOA') return undefined;
  const serial = Number((f[4] ?? '').split(' ')[2]);
  return Number.isFinite(serial) ? serial : undefined;
}

/** Lines that moved between a file and its split folder cancel out. */
function netChanges(c: CommitPatch): { added: string[]; removed: string[] } {
  const files = [...c.files.entries()].sort((a, b) => comparePaths(a[0], b[0]));
  const added = files.flatMap(([, f]) => addedLines(f));
  const removed = files.flatMap(([, f]) => removedLines(f));
  if (files.length <= 1) return { added, removed };
  const a = new Set(added);
  const r = new Set(removed);
  return { added: added.filter((l) => !r.has(l)), removed: removed.filter((l) => !a.has(l)) };
}

/** Split parts in joining order (`@` first, then by the byte each stands for). */
function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  if (pa.length === pb.length && pa.length >= 2 && pa.slice(0, -1).join('/') === pb.slice(0, -1).join('/')) {
    return partOrder(pa.at(-1)!.replace(/\.zone$/, '')) - partOrder(pb.at(-1)!.replace(/\.zone$/, ''));
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `zonelog log ZONE`: one entry per commit that changed the zone, newest first.
 *
 * zonelog's own commit messages already say, per zone, the serial and the lines
 * added and removed (`~ ba. 100 → 101 +12 −3`, `+ ba. 101 1234 records`): those are
 * read from `git log` alone, which needs no diff. Only commits whose message does not
 * say (made by hand, or removals) are diffed.
 */
export async function zoneLog(h: HistoryRepo, zoneArg: string, opts: { since?: string; until?: string } = {}): Promise<LogEntry[]> {
  const zone = normalizeZone(zoneArg);
  const range = [...(opts.since ? [`--since=${opts.since}`] : []), ...(opts.until ? [`--until=${opts.until}`] : [])];
  const paths = zonePaths(h, zone);
  // Every commit's message, without limiting by path: reading commits needs no tree
  // diffs, and a zonelog message names every zone its commit touches.
  const slots: (LogEntry | { commit: string; date: string; patch: true })[] = [];
  for (const { commit, date, body } of await messageLog(h, range)) {
    const said = isZonelogMessage(body) ? zoneCounts(body, zone) : undefined;
    if (said) slots.push({ commit, date, ...said });
    else if (!isZonelogMessage(body) || zoneLine(body, '~', zone) || zoneLine(body, '-', zone)) slots.push({ commit, date, patch: true });
  }
  // The others' patches, in one git log: given the commits, git leaves out those that do not touch the zone.
  const asked = slots.filter((s) => 'patch' in s).map((s) => s.commit);
  const patches = new Map<string, CommitPatch>();
  if (asked.length > 0) {
    const which = asked.length > MAX_LISTED_COMMITS ? range : ['--no-walk=unsorted', ...asked];
    for await (const c of patchLog(h, paths, which)) patches.set(c.commit, c);
  }
  // Oldest first: a patch without an SOA line (a removal, an edit by hand) keeps the serial before it.
  const entries: LogEntry[] = [];
  let serial: number | undefined;
  for (const s of slots.reverse()) {
    if (!('patch' in s)) {
      serial = s.serial;
      entries.push(s);
      continue;
    }
    const c = patches.get(s.commit);
    if (!c) continue;
    const { added, removed } = netChanges(c);
    for (const l of added) serial = soaSerial(l) ?? serial;
    if (serial === undefined) serial = await serialAt(h, zone, s.commit);
    entries.push({ commit: s.commit, date: s.date, serial, added: added.length, removed: removed.length });
  }
  if (entries.length === 0) await assertKnownZone(h, zone);
  return entries.filter((e) => e.added + e.removed > 0).reverse();
}

/** Commits with their full messages, newest first (git log's own order, or as `args` say). */
async function messageLog(h: HistoryRepo, args: string[]): Promise<{ commit: string; date: string; body: string }[]> {
  const out = await h.g.raw(['log', '--no-color', `--format=${COMMIT_MARK}%H %cI%n%B`, ...args]);
  return out
    .split(COMMIT_MARK)
    .slice(1)
    .map((block) => {
      const nl = block.indexOf('\n');
      const [commit, date] = block.slice(0, nl).split(' ') as [string, string];
      return { commit, date, body: block.slice(nl + 1) };
    });
}

async function serialAt(h: HistoryRepo, zone: string, rev: string): Promise<number | undefined> {
  const text = await showZone(h, zone, rev).catch(() => '');
  return soaSerial(text.slice(0, text.indexOf('\n')));
}

async function assertKnownZone(h: HistoryRepo, zone: string): Promise<void> {
  const any = (await h.g.raw(['log', '-1', '--format=%H', '--', ...zonePaths(h, zone)])).trim();
  if (!any) throw new HistoryError(`zone ${zone} is not in the archive's history`);
}

function normalizeZone(zone: string): string {
  try {
    return canonicalText(zone === '.' ? '.' : zone);
  } catch (e) {
    throw new HistoryError(`invalid zone name ${JSON.stringify(zone)}: ${(e as Error).message}`);
  }
}

export interface DiffResult {
  from: string;
  to: string;
  /** `+` and `-` canonical lines, in canonical order. */
  lines: string[];
}

/** `zonelog diff ZONE`: records added and removed between two points; default, the zone's last change. */
export async function zoneDiff(h: HistoryRepo, zoneArg: string, opts: { from?: string; to?: string; type?: string; name?: string } = {}): Promise<DiffResult> {
  const zone = normalizeZone(zoneArg);
  let from: string;
  let to: string;
  if (opts.from === undefined && opts.to === undefined) {
    const last = (await h.g.raw(['log', '-1', '--format=%H', '--', ...zonePaths(h, zone)])).trim();
    if (!last) throw new HistoryError(`zone ${zone} is not in the archive's history`);
    to = last;
    from = (await h.g.raw(['rev-list', '--max-parents=0', '-1', last])).trim() === last ? emptyTree : `${last}^`;
  } else {
    to = await resolvePoint(h, opts.to ?? 'HEAD');
    from = opts.from ? await resolvePoint(h, opts.from) : `${to}^`;
  }
  // Lines in the order of the files (hunk by hunk: the order of the zone), parts joined in their order.
  const perFile = new Map<string, string[]>();
  for await (const c of readPatches(gitLines(h.dir, h.env, ['diff', ...PATCH_OPTIONS, from, to, '--', ...zonePaths(h, zone)]))) {
    for (const [file, f] of c.files) perFile.set(file, f.lines);
  }
  let lines = [...perFile.entries()].sort((a, b) => comparePaths(a[0], b[0])).flatMap(([, l]) => l);
  if (perFile.size > 1) {
    // A zone that was split or joined: lines that only moved between files cancel out.
    const added = new Set(lines.filter((l) => l[0] === '+').map((l) => l.slice(1)));
    const removed = new Set(lines.filter((l) => l[0] === '-').map((l) => l.slice(1)));
    lines = lines.filter((l) => !(l[0] === '+' ? removed : added).has(l.slice(1)));
  }
  const keep = (l: string) => {
    const f = l.slice(1).split('\t');
    return (!opts.type || f[3] === opts.type.toUpperCase()) && (!opts.name || f[0] === canonicalText(opts.name));
  };
  return { from, to, lines: lines.filter(keep) };
}

/** Git's empty tree, to diff a zone's first commit against. */
const emptyTree = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** `zonelog show ZONE --at`: the zone text as it was then (split parts joined). */
export async function showZone(h: HistoryRepo, zoneArg: string, at = 'HEAD'): Promise<string> {
  const zone = normalizeZone(zoneArg);
  const rev = await resolvePoint(h, at);
  const listing = await h.g.raw(['ls-tree', '--name-only', rev, '--', ...zonePaths(h, zone)]);
  const names = listing.split('\n').filter(Boolean);
  if (names.length === 0) throw new HistoryError(`zone ${zone} is not in the archive at ${at}`);
  const file = `${h.archive}/${zoneFile(zone)}`;
  if (names.includes(file)) return h.g.show([`${rev}:${file}`]);
  const folder = `${h.archive}/${zoneFolder(zone)}`;
  const parts = (await h.g.raw(['ls-tree', '--name-only', `${rev}:${folder}`])).split('\n').filter((n) => n.endsWith('.zone'));
  parts.sort((a, b) => partOrder(a.slice(0, -5)) - partOrder(b.slice(0, -5)));
  const texts = await Promise.all(parts.map((p) => h.g.show([`${rev}:${folder}/${p}`])));
  return texts.join('');
}

export interface Presence {
  /** The record's canonical line. */
  record: string;
  zone: string;
  first: { commit: string; date: string };
  last: { commit: string; date: string };
  present: boolean;
}

/** `zonelog when NAME`: for each record owned by NAME, when it was first and last present. */
export async function whenName(h: HistoryRepo, nameArg: string, opts: { zone?: string; below?: boolean } = {}): Promise<Presence[]> {
  let name: string;
  try {
    name = canonicalText(nameArg);
  } catch (e) {
    throw new HistoryError(`invalid name ${JSON.stringify(nameArg)}: ${(e as Error).message}`);
  }
  const zones = opts.zone ? [normalizeZone(opts.zone)] : await enclosingZones(h, name);
  if (zones.length === 0) throw new HistoryError(`no archived zone holds ${name}`);
  const owner = escapeRegex(name);
  const pattern = opts.below ? `^([^\t]*\\.)?${owner}\t` : `^${owner}\t`;
  const touches = (o: string) => o === name || (opts.below && (name === '.' || o.endsWith('.' + name)));
  const out: Presence[] = [];
  for (const zone of zones) {
    const paths = zonePaths(h, zone);
    const zoneCommits: { commit: string; date: string }[] = [];
    const candidates: string[] = [];
    for (const { commit, date, body } of await messageLog(h, ['--reverse', '--', ...paths])) {
      zoneCommits.push({ commit, date });
      // A commit whose message lists the owners it changed in this zone, none of
      // them NAME, cannot hold a change of NAME's records: no need to diff it.
      const owners = listedOwners(body, zone);
      if (!owners || owners.some(touches)) candidates.push(commit);
    }
    // Only the candidates are diffed; when they are most of the history, one `git log -G` is faster.
    const history: AsyncIterable<CommitPatch> | [] =
      candidates.length === 0
        ? []
        : candidates.length <= MAX_LISTED_COMMITS
          ? patchLog(h, paths, ['--no-walk=unsorted', '-G', pattern, ...candidates.reverse()])
          : patchLog(h, paths, ['-G', pattern]);
    const position = new Map(zoneCommits.map((c, i) => [c.commit, i]));
    const open = new Map<string, Presence>();
    const re = new RegExp(pattern);
    for await (const c of history) {
      const { added, removed } = netChanges(c);
      const at = { commit: c.commit, date: c.date };
      for (const l of removed) {
        const p = open.get(l);
        if (!re.test(l) || !p) continue;
        const i = position.get(c.commit) ?? 0;
        p.last = zoneCommits[i - 1] ?? at;
        p.present = false;
        out.push(p);
        open.delete(l);
      }
      for (const l of added) {
        if (!re.test(l) || open.has(l)) continue;
        open.set(l, { record: l, zone, first: at, last: at, present: true });
      }
    }
    const head = zoneCommits.at(-1);
    for (const p of open.values()) {
      p.last = head ?? p.last;
      out.push(p);
    }
  }
  if (out.length === 0) throw new HistoryError(`no record owned by ${name} in the history of ${zones.join(', ')}`);
  return out.sort((a, b) => (a.first.date < b.first.date ? -1 : a.first.date > b.first.date ? 1 : a.record < b.record ? -1 : 1));
}

/** Zones in the current index that are NAME or enclose it. */
async function enclosingZones(h: HistoryRepo, name: string): Promise<string[]> {
  let index: { zones?: Record<string, unknown> };
  try {
    index = JSON.parse(await h.g.show([`HEAD:${h.archive}/index.json`]));
  } catch {
    throw new HistoryError(`no ${h.archive}/index.json at HEAD: is this a zonelog archive?`);
  }
  return Object.keys(index.zones ?? {}).filter((z) => z === '.' || name === z || name.endsWith('.' + z));
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

export interface StatsRow {
  date: string;
  commit: string;
  zone: string;
  serial: number | undefined;
  records: number;
  delegations: number;
  byType: Record<string, number>;
}

/**
 * `zonelog stats`: per (commit, zone), records by type and delegations, kept up to
 * date from each commit's +/- lines, so no version is read whole.
 */
export async function zoneStats(h: HistoryRepo, zoneArg?: string): Promise<StatsRow[]> {
  const paths = zoneArg ? zonePaths(h, normalizeZone(zoneArg)) : [h.archive];
  if (zoneArg) {
    const z = normalizeZone(zoneArg);
    await assertKnownZone(h, z);
  }
  const state = new Map<string, { serial?: number; byType: Map<string, number>; nsOwners: Map<string, number> }>();
  const rows: StatsRow[] = [];
  for await (const c of patchLog(h, paths)) {
    const touched = new Map<string, CommitPatch>();
    for (const [file, f] of c.files) {
      const zone = zoneOfPath(h, file);
      if (!zone) continue;
      let pc = touched.get(zone);
      if (!pc) touched.set(zone, (pc = { commit: c.commit, date: c.date, files: new Map() }));
      pc.files.set(file, f);
    }
    for (const [zone, pc] of [...touched].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      let s = state.get(zone);
      if (!s) state.set(zone, (s = { byType: new Map(), nsOwners: new Map() }));
      const { added, removed } = netChanges(pc);
      const apply = (line: string, d: number) => {
        const f = line.split('\t');
        const type = f[3];
        if (!type) return;
        s!.byType.set(type, (s!.byType.get(type) ?? 0) + d);
        if (type === 'SOA' && d > 0) s!.serial = soaSerial(line);
        if (type === 'NS' && f[0] !== zone) {
          const n = (s!.nsOwners.get(f[0]!) ?? 0) + d;
          if (n > 0) s!.nsOwners.set(f[0]!, n);
          else s!.nsOwners.delete(f[0]!);
        }
      };
      for (const l of removed) apply(l, -1);
      for (const l of added) apply(l, 1);
      const byType: Record<string, number> = {};
      for (const [t, n] of [...s.byType].sort()) if (n > 0) byType[t] = n;
      const records = Object.values(byType).reduce((a, b) => a + b, 0);
      rows.push({ date: c.date, commit: c.commit, zone, serial: records ? s.serial : undefined, records, delegations: s.nsOwners.size, byType });
    }
  }
  return rows;
}

/** CSV with one column per type seen anywhere. */
export function statsCsv(rows: StatsRow[]): string {
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.byType)))].sort();
  const head = ['date', 'commit', 'zone', 'serial', 'records', 'delegations', ...types];
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return (
    [
      head.join(','),
      ...rows.map((r) => [r.date, r.commit, q(r.zone), r.serial ?? '', r.records, r.delegations, ...types.map((t) => r.byType[t] ?? 0)].join(',')),
    ].join('\n') + '\n'
  );
}

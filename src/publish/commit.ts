/**
 * Git as the database (docs/architecture.md §7.6, §7.8): one commit per scan that changed a byte under
 * `archive/`, dated at the scan, with a message that lists every zone that
 * changed; and a push that, when the remote moved on, rebases and tries again —
 * never forcing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { git, gitMessage, gitRun, gitWithInput, type GitRunner } from '../git/git.js';
import { zoneFile, zoneFolder, zoneOfArchivePath } from '../archive/layout.js';
import {
  INDEX_FILE,
  README_FILE,
  emptyIndex,
  indexText,
  parseIndex,
  readmeText,
  type ArchiveIndex,
  type IndexZone,
  type ZoneChange,
} from '../archive/writer.js';
import { writeAtomic } from '../fs/atomic.js';
import { commitMessage, isZonelogMessage, type FileStat } from '../archive/commit-message.js';
import { type FilePatch, PATCH_OPTIONS, readNumstat, readPatches } from '../git/patch.js';

export interface Identity {
  name: string;
  email: string;
}

export interface CommitOptions {
  repoDir: string;
  archiveDir: string;
  /** The scan's time: the commit's author and committer date. */
  date: Date;
  author?: Identity;
  committer?: Identity;
  /** Environment for git (PATH, HOME …); the CLI passes its own. */
  env: Record<string, string | undefined>;
  /** index.json at HEAD and as written now, when the caller knows them (else read from git). */
  indexes?: { before: ArchiveIndex; after: ArchiveIndex };
}

export type CommitResult = { committed: false } | { committed: true; commit: string; subject: string; body: string };

const DEFAULT_IDENTITY: Identity = { name: 'zonelog', email: 'zonelog@users.noreply.github.com' };

/** Stages `archive/` and commits it when anything changed. */
export async function commitArchive(changes: ZoneChange[], o: CommitOptions): Promise<CommitResult> {
  const rel = path.relative(o.repoDir, path.resolve(o.archiveDir)) || '.';
  const author = o.author ?? DEFAULT_IDENTITY;
  const committer = o.committer ?? author;
  const iso = o.date.toISOString();
  const g = gitRun(o.repoDir, o.env, {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: iso,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: iso,
  });
  // The lines of the modified files, diffed against HEAD while `git add` hashes the
  // same files (the diff takes no lock): once staged, they are what the commit records.
  const [, modified, before, stagedElsewhere] = await Promise.all([
    g.raw(['add', '-A', '--', rel]),
    g.raw(['--no-optional-locks', 'diff', 'HEAD', ...PATCH_OPTIONS, '--diff-filter=M', '--', rel]).catch(() => undefined),
    o.indexes?.before ?? indexAt(g, `HEAD:${indexPath(rel)}`),
    rel === '.' ? '' : g.raw(['--no-optional-locks', 'diff', '--cached', '--name-only', '-z', '--', '.', `:(exclude)${rel}`]).catch(() => 'unknown'),
  ]);
  const message = await stagedMessage(g, rel, changes, { modified, before, after: o.indexes?.after });
  if (!message) return { committed: false };
  const { subject, body } = message;
  // The commit holds the archive only. With nothing staged outside it, the index is the
  // commit: `git commit -- archive` would build a second index from HEAD and read and
  // hash the changed files again (0.2 to 0.45 s for 60 MB of changed zone text here).
  const only = stagedElsewhere === '' ? [] : ['--', rel];
  await g.raw(['commit', '-q', '--no-verify', '-m', subject, ...(body ? ['-m', body] : []), ...only]);
  const commit = (await g.raw(['rev-parse', 'HEAD'])).trim();
  return { committed: true, commit, subject, body };
}

/**
 * The message for what is staged under the archive, or undefined when nothing is.
 * What changed is read from the index files (HEAD's and the staged one), so the
 * message is right even when an earlier run wrote the archive and did not commit.
 */
async function stagedMessage(
  g: GitRunner,
  rel: string,
  seen: ZoneChange[],
  known: { modified?: string; before?: ArchiveIndex; after?: ArchiveIndex } = {},
): Promise<{ subject: string; body: string } | undefined> {
  const [stats, before, after] = await Promise.all([
    stagedStats(g, rel, known.modified),
    known.before ?? indexAt(g, `HEAD:${indexPath(rel)}`),
    known.after ?? indexAt(g, `:${indexPath(rel)}`),
  ]);
  if (stats.size === 0) return undefined;
  return commitMessage(listEveryZone(indexChanges(before, after, seen), stats, before, after), stats);
}

/**
 * Adds a `changed` entry for every zone whose files are staged but whose index
 * entry did not change (a file edited by hand, then published): the message names
 * every zone the commit touches, which `zonelog log` and `when` rely on.
 */
function listEveryZone(changes: ZoneChange[], stats: Map<string, FileStat>, before?: ArchiveIndex, after?: ArchiveIndex): ZoneChange[] {
  const listed = new Set(changes.map((c) => c.zone));
  const out = [...changes];
  for (const file of stats.keys()) {
    let zone: string | undefined;
    try {
      zone = zoneOfArchivePath(file);
    } catch {
      continue; // not a name: not a zone's file
    }
    if (zone === undefined || listed.has(zone)) continue;
    const from = before?.zones[zone]?.serial ?? after?.zones[zone]?.serial;
    const to = after?.zones[zone]?.serial ?? from;
    listed.add(zone);
    if (from === undefined || to === undefined) {
      // A file no index listed (left by an older version or by hand), swept away.
      out.push({ kind: 'removed', zone, refusing: 0, answered: 0, paths: [zoneFile(zone), `${zoneFolder(zone)}/`] });
      continue;
    }
    out.push({ kind: 'changed', zone, from, to, paths: [zoneFile(zone), `${zoneFolder(zone)}/`] });
  }
  return out;
}

/** index.json's path in the repository. */
function indexPath(rel: string): string {
  return `${rel === '.' ? '' : rel + '/'}${INDEX_FILE}`;
}

/**
 * Lines added and removed in each staged file under the archive, and for files
 * that were modified (not added or deleted) the owners of those lines. One record
 * is one line, so the owner is the line's first field.
 */
async function stagedStats(g: GitRunner, rel: string, modified?: string): Promise<Map<string, FileStat>> {
  const [patch, whole] = await Promise.all([
    modified ?? g.raw(['diff', '--cached', ...PATCH_OPTIONS, '--diff-filter=M', '--', rel]),
    g.raw(['diff', '--cached', '--numstat', '--no-renames', '--diff-filter=ADT', '--', rel]),
  ]);
  const prefix = rel === '.' ? '' : rel.replace(/\/$/, '') + '/';
  const inArchive = (file: string) => (file.startsWith(prefix) ? file.slice(prefix.length) : file);
  const out = new Map<string, FileStat>();
  for (const [file, stat] of await readNumstat(whole.split('\n'))) out.set(inArchive(file), stat);
  for await (const c of readPatches(patch.split('\n'))) for (const [file, f] of c.files) out.set(inArchive(file), fileStat(f));
  return out;
}

/** A modified file's counts, and the owners of its lines: one record is one line, its owner the first field. */
function fileStat(f: FilePatch): FileStat {
  const stat: FileStat = { added: 0, removed: 0, owners: new Set() };
  for (const line of f.lines) {
    if (line[0] === '+') stat.added++;
    else stat.removed++;
    const tab = line.indexOf('\t');
    if (tab > 1) stat.owners!.add(line.slice(1, tab));
  }
  return stat;
}

async function indexAt(g: GitRunner, spec: string): Promise<ArchiveIndex | undefined> {
  try {
    return parseIndex(await g.raw(['show', spec]));
  } catch {
    return undefined;
  }
}

/** Zone changes between two indexes; removals keep the evidence this run saw. */
function indexChanges(before: ArchiveIndex | undefined, after: ArchiveIndex | undefined, seen: ZoneChange[]): ZoneChange[] {
  const b = before?.zones ?? {};
  const a = after?.zones ?? {};
  const out: ZoneChange[] = [];
  for (const [zone, e] of Object.entries(a)) {
    const old = b[zone];
    if (old === e) continue; // the entry publish left as it was
    if (!old) out.push({ kind: 'added', zone, serial: e.serial, records: e.records, paths: [e.path] });
    else if (old.digest !== e.digest || old.path !== e.path)
      out.push({ kind: 'changed', zone, from: old.serial, to: e.serial, paths: [...new Set([old.path, e.path])] });
    else if (JSON.stringify(old.servers) !== JSON.stringify(e.servers))
      out.push({ kind: 'servers', zone, before: old.servers.length, after: e.servers.length });
  }
  for (const [zone, old] of Object.entries(b)) {
    if (a[zone]) continue;
    const evidence = seen.find((c): c is Extract<ZoneChange, { kind: 'removed' }> => c.kind === 'removed' && c.zone === zone);
    out.push({ kind: 'removed', zone, refusing: evidence?.refusing ?? 0, answered: evidence?.answered ?? 0, paths: [old.path] });
  }
  return out;
}

export interface PushOptions {
  repoDir: string;
  /** Where to push when the branch has no upstream. */
  remote: string;
  env: Record<string, string | undefined>;
  attempts?: number;
  backoffMs?: number;
  archiveDir: string;
  identity?: Identity;
}

export type PushResult = { ok: true; attempts: number; rebuilt: number } | { ok: false; attempts: number; error: string };

/** Push refusals that a fetch and a rebuild can answer. */
const REJECTED = /failed to push some refs|\[rejected\]|\[remote rejected\].*(cannot lock|incorrect old value)|non-fast-forward|fetch first|stale info/i;
/** Failures of the network that may pass; everything else (no such remote, no access) will not. */
const TRANSIENT =
  /could not resolve host|connection (timed out|reset|refused)|timed out|early eof|the remote end hung up|http[^\n]* 5\d\d|temporary failure|network is unreachable|RPC failed/i;

/**
 * Pushes the current branch to its upstream (or, without one, to the branch of the
 * same name on `remote`); never forces. When the remote moved on, fetches it and
 * rebuilds our archive on top of it (rebuildOnto), then tries again; a failure
 * that will not pass (no such remote, no access) ends at once.
 */
export async function pushWithRetry(o: PushOptions): Promise<PushResult> {
  const g = git(o.repoDir, o.env, { GIT_TERMINAL_PROMPT: '0' });
  let branch: string;
  try {
    branch = (await g.raw(['symbolic-ref', '-q', '--short', 'HEAD'])).trim();
  } catch {
    return { ok: false, attempts: 0, error: `HEAD is detached in ${o.repoDir}; check out the branch to push (git switch BRANCH)` };
  }
  const config = async (key: string) => (await g.raw(['config', '--get', key]).catch(() => '')).trim();
  const upRemote = await config(`branch.${branch}.remote`);
  const upMerge = await config(`branch.${branch}.merge`);
  const remote = upRemote && upRemote !== '.' ? upRemote : o.remote;
  const target = upRemote && upRemote !== '.' && upMerge ? upMerge : `refs/heads/${branch}`;
  if (
    !(await g.raw(['remote', 'get-url', remote]).then(
      () => true,
      () => false,
    ))
  ) {
    return { ok: false, attempts: 0, error: `there is no remote named ${remote} in ${o.repoDir}; add it (git remote add ${remote} URL) or give --remote` };
  }
  const attempts = o.attempts ?? 5;
  const rel = path.relative(o.repoDir, path.resolve(o.archiveDir)) || '.';
  let rebuilt = 0;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await g.raw(['push', '--porcelain', remote, `refs/heads/${branch}:${target}`]);
      return { ok: true, attempts: attempt, rebuilt };
    } catch (e) {
      lastError = gitMessage((e as Error).message);
      const text = (e as Error).message;
      if (!REJECTED.test(text) && !TRANSIENT.test(text)) return { ok: false, attempts: attempt, error: lastError };
    }
    if (attempt === attempts) break;
    await sleep((o.backoffMs ?? 1000) * 2 ** (attempt - 1) * (0.5 + Math.random()));
    try {
      await g.raw(['fetch', '--quiet', '--no-tags', remote, target]);
    } catch (e) {
      const text = (e as Error).message;
      lastError = gitMessage(text);
      if (TRANSIENT.test(text)) continue;
      return { ok: false, attempts: attempt, error: lastError };
    }
    const upstream = (await g.raw(['rev-parse', 'FETCH_HEAD'])).trim();
    const r = await rebuildOnto(upstream, { ...o, rel, branch });
    if (!r.ok) return { ok: false, attempts: attempt, error: r.error };
    if (r.done) return { ok: true, attempts: attempt, rebuilt };
    rebuilt++;
  }
  return { ok: false, attempts, error: lastError };
}

type Rebuilt = { ok: true; done: boolean } | { ok: false; error: string };

/**
 * Our archive commits, rebuilt on top of the remote's (DESIGN §5). Per zone, the
 * side that changed it since the common ancestor wins; when both did, the newer
 * scan. The zone's files and its index.json entry come from the same side, so the
 * index and the tree agree; README.md is written from the merged index. If the
 * remote's last scan is newer than ours, our results are older than the archive:
 * they are dropped (the branch is reset to the remote's) and refused. `done` when
 * nothing is left to push.
 */
async function rebuildOnto(upstream: string, o: PushOptions & { rel: string; branch: string }): Promise<Rebuilt> {
  const g = git(o.repoDir, o.env);
  const ours = (await g.raw(['rev-parse', 'HEAD'])).trim();
  const base = (await g.raw(['merge-base', ours, upstream]).catch(() => '')).trim();
  if (!base) return { ok: false, error: `the remote's branch has no history in common with ${o.branch}; nothing pushed` };
  if (base === ours) {
    // Everything we have is in the remote's branch already: take it.
    await g.raw(['reset', '-q', '--keep', upstream]);
    return { ok: true, done: true };
  }
  if (base === upstream) return { ok: true, done: false };
  const outside = (await g.raw(['diff', '--name-only', base, ours, '--', '.', `:(exclude)${o.rel}`])).trim();
  if (outside)
    return {
      ok: false,
      error: `the remote moved on and ${o.branch} has commits outside ${o.rel}/ (${outside.split('\n')[0]}); rebase them by hand (git pull --rebase) and push`,
    };
  const [ourScan, theirScan] = await Promise.all([lastScanTime(g, ours, o.rel), lastScanTime(g, upstream, o.rel)]);
  if (theirScan > ourScan) {
    await g.raw(['reset', '-q', '--keep', upstream]);
    return {
      ok: false,
      error: `the remote's archive holds a newer scan (${new Date(theirScan).toISOString()}) than these results (${new Date(ourScan).toISOString()}); they were not pushed, and ${o.branch} now matches the remote`,
    };
  }
  const [b, mine, theirs] = await Promise.all([base, ours, upstream].map((rev) => indexAt(g, `${rev}:${indexPath(o.rel)}`)));
  const merged: Record<string, IndexZone> = {};
  const fromUpstream: string[] = [];
  const drop: string[] = [];
  const zones = new Set([...Object.keys(b?.zones ?? {}), ...Object.keys(mine?.zones ?? {}), ...Object.keys(theirs?.zones ?? {})]);
  for (const zone of zones) {
    const eb = b?.zones[zone];
    const eo = mine?.zones[zone];
    const eu = theirs?.zones[zone];
    const oursChanged = JSON.stringify(eb) !== JSON.stringify(eo);
    const theirsChanged = JSON.stringify(eb) !== JSON.stringify(eu);
    // Ours is the newer scan (checked above): it wins where both changed.
    const useTheirs = theirsChanged && !oursChanged;
    const pick = useTheirs ? eu : eo;
    if (pick) merged[zone] = pick;
    if (useTheirs) {
      if (eo) drop.push(eo.path);
      if (eu) fromUpstream.push(eu.path);
    }
  }
  // The branch moves onto the remote's commit; the work tree keeps our archive, then
  // takes the remote's files for the zones it wins.
  await g.raw(['reset', '-q', '--mixed', upstream]);
  const archiveDir = path.resolve(o.archiveDir);
  for (const p of drop) fs.rmSync(path.join(archiveDir, p), { recursive: true, force: true });
  if (fromUpstream.length > 0) {
    await gitWithInput(
      o.repoDir,
      o.env,
      ['checkout', upstream, '--pathspec-from-file=-', '--pathspec-file-nul'],
      fromUpstream.map((p) => path.posix.join(o.rel, p)).join('\0'),
    );
  }
  const index: ArchiveIndex = { ...(mine ?? theirs ?? emptyIndex(false)), zones: merged };
  await writeAtomic(path.join(archiveDir, INDEX_FILE), [indexText(index)], false);
  await writeAtomic(path.join(archiveDir, README_FILE), [readmeText(index)], false);
  const who = o.identity ?? DEFAULT_IDENTITY;
  const committed = await commitArchive([], { repoDir: o.repoDir, archiveDir: o.archiveDir, date: new Date(ourScan), author: who, env: o.env });
  return { ok: true, done: !committed.committed };
}

/**
 * When the last scan in the archive at `rev` began (ms): the date of the newest
 * commit under the archive that zonelog wrote (a hand edit is no scan); 0 if none.
 */
export async function lastScanTime(g: GitRunner, rev: string, rel: string): Promise<number> {
  const log = await g.raw(['log', '-n', '200', '--format=%at%x00%B%x01', rev, '--', rel]).catch(() => '');
  for (const entry of log.split('\x01')) {
    const [at, body] = entry.replace(/^\n/, '').split('\0') as [string, string | undefined];
    if (body !== undefined && isZonelogMessage(body)) return Number(at) * 1000;
  }
  return 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

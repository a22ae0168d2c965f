/**
 * Git as the database (docs/architecture.md §7.6, §7.8): one commit per scan that changed a byte under
 * `archive/`, dated at the scan, with a message that lists every zone that
 * changed; and a push that, when the remote moved on, rebases and tries again —
 * never forcing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { git } from '../git/git.js';
import { zoneFile, zoneFolder, zoneOfArchivePath } from '../archive/layout.js';
import { INDEX_FILE, type ArchiveIndex, type ZoneChange } from '../archive/writer.js';
import { commitMessage, type FileStat } from '../archive/commit-message.js';
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
}

export type CommitResult = { committed: false } | { committed: true; commit: string; subject: string; body: string };

export const DEFAULT_IDENTITY: Identity = { name: 'zonelog', email: 'zonelog@users.noreply.github.com' };

/** Stages `archive/` and commits it when anything changed. */
export async function commitArchive(changes: ZoneChange[], o: CommitOptions): Promise<CommitResult> {
  const rel = path.relative(o.repoDir, path.resolve(o.archiveDir)) || '.';
  const author = o.author ?? DEFAULT_IDENTITY;
  const committer = o.committer ?? author;
  const iso = o.date.toISOString();
  const g = git(o.repoDir, o.env, {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: iso,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: iso,
  });
  // The lines of the modified files, diffed against HEAD while `git add` hashes the
  // same files (the diff takes no lock): once staged, they are what the commit records.
  const [, modified, before] = await Promise.all([
    g.raw(['add', '-A', '--', rel]),
    g.raw(['--no-optional-locks', 'diff', 'HEAD', ...PATCH_OPTIONS, '--diff-filter=M', '--', rel]).catch(() => undefined),
    indexAt(g, `HEAD:${indexPath(rel)}`),
  ]);
  const message = await stagedMessage(g, rel, changes, { modified, before });
  if (!message) return { committed: false };
  const { subject, body } = message;
  await g.raw(['commit', '-q', '--no-verify', '-m', subject, ...(body ? ['-m', body] : []), '--', rel]);
  const commit = (await g.raw(['rev-parse', 'HEAD'])).trim();
  return { committed: true, commit, subject, body };
}

/**
 * The message for what is staged under the archive, or undefined when nothing is.
 * What changed is read from the index files (HEAD's and the staged one), so the
 * message is right even when an earlier run wrote the archive and did not commit.
 */
async function stagedMessage(
  g: SimpleGit,
  rel: string,
  seen: ZoneChange[],
  known: { modified?: string; before?: ArchiveIndex } = {},
): Promise<{ subject: string; body: string } | undefined> {
  const [stats, before, after] = await Promise.all([
    stagedStats(g, rel, known.modified),
    known.before ?? indexAt(g, `HEAD:${indexPath(rel)}`),
    indexAt(g, `:${indexPath(rel)}`),
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
    const zone = zoneOfArchivePath(file);
    if (zone === undefined || listed.has(zone)) continue;
    const from = before?.zones[zone]?.serial ?? after?.zones[zone]?.serial;
    const to = after?.zones[zone]?.serial ?? from;
    if (from === undefined || to === undefined) continue;
    listed.add(zone);
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
async function stagedStats(g: SimpleGit, rel: string, modified?: string): Promise<Map<string, FileStat>> {
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

async function indexAt(g: SimpleGit, spec: string): Promise<ArchiveIndex | undefined> {
  try {
    return JSON.parse(await g.raw(['show', spec])) as ArchiveIndex;
  } catch {
    return undefined;
  }
}

/** Zone changes between two indexes; removals keep the evidence this run saw. */
export function indexChanges(before: ArchiveIndex | undefined, after: ArchiveIndex | undefined, seen: ZoneChange[]): ZoneChange[] {
  const b = before?.zones ?? {};
  const a = after?.zones ?? {};
  const out: ZoneChange[] = [];
  for (const [zone, e] of Object.entries(a)) {
    const old = b[zone];
    if (!old) out.push({ kind: 'added', zone, serial: e.serial, records: e.records, paths: [e.path] });
    else if (old.digest !== e.digest || old.path !== e.path) out.push({ kind: 'changed', zone, from: old.serial, to: e.serial, paths: [...new Set([old.path, e.path])] });
    else if (JSON.stringify(old.servers) !== JSON.stringify(e.servers)) out.push({ kind: 'servers', zone, before: old.servers.length, after: e.servers.length });
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
  remote: string;
  env: Record<string, string | undefined>;
  attempts?: number;
  backoffMs?: number;
  /** Paths whose conflicts resolve in favour of the newer scan. */
  archiveDir: string;
  identity?: Identity;
}

export type PushResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

/**
 * Pushes the current branch. When the remote has moved on, fetches, rebases our
 * commits onto it and tries again; a conflict under the archive is resolved by
 * taking the whole archive from whichever side has the newer commit date (the
 * newer scan). Never forces.
 */
export async function pushWithRetry(o: PushOptions): Promise<PushResult> {
  const who = o.identity ?? DEFAULT_IDENTITY;
  // Rebasing writes commits: it needs a committer, and keeps each commit's date (the scan's).
  const base = { GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
  const g = git(o.repoDir, o.env, base);
  const withEnv: GitWith = (extra) => git(o.repoDir, o.env, { ...base, ...extra });
  const branch = (await g.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
  const attempts = o.attempts ?? 5;
  const rel = path.relative(o.repoDir, path.resolve(o.archiveDir)) || '.';
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await g.raw(['push', '--porcelain', o.remote, `HEAD:refs/heads/${branch}`]);
      return { ok: true, attempts: attempt };
    } catch (e) {
      lastError = firstLine((e as Error).message);
    }
    if (attempt === attempts) break;
    await sleep((o.backoffMs ?? 1000) * 2 ** (attempt - 1) * (0.5 + Math.random()));
    try {
      await g.raw(['fetch', '--quiet', o.remote, branch]);
      await rebaseOnto(g, withEnv, `${o.remote}/${branch}`, rel, o.repoDir);
    } catch (e) {
      lastError = firstLine((e as Error).message);
      await g.raw(['rebase', '--abort']).catch(() => {});
    }
  }
  return { ok: false, attempts, error: lastError };
}

async function rebaseOnto(g: SimpleGit, withEnv: GitWith, upstream: string, rel: string, repoDir: string): Promise<void> {
  try {
    await g.raw(['rebase', '--quiet', '--committer-date-is-author-date', upstream]);
    return;
  } catch {
    /* conflicts: resolve below */
  }
  for (let step = 0; step < 100; step++) {
    const status = await g.raw(['status', '--porcelain']);
    if (!(await inRebase(g, repoDir))) return;
    const conflicted = status.split('\n').filter((l) => /^(UU|AA|DU|UD|AU|UA|DD) /.test(l));
    let recommitted = false;
    if (conflicted.length > 0) {
      // The newer scan wins the archive: compare the date of the commit being
      // replayed with the date of the upstream commit it lands on.
      const ours = Number((await g.raw(['log', '-1', '--format=%ct', 'REBASE_HEAD'])).trim());
      const theirs = Number((await g.raw(['log', '-1', '--format=%ct', 'HEAD'])).trim());
      const winner = ours >= theirs ? 'REBASE_HEAD' : 'HEAD';
      await g.raw(['rm', '-r', '-q', '-f', '--cached', '--ignore-unmatch', '--', rel]);
      await g.raw(['checkout', winner, '--', rel]);
      await g.raw(['add', '-A', '--', rel]);
      // The commit now records another change than the one its message describes
      // (it lands on a different archive): write the message anew, keeping author and date.
      const message = await stagedMessage(g, rel, []);
      if (message) {
        await recommit(g, withEnv, message);
        recommitted = true;
      }
    }
    try {
      // Committed above, or nothing left to commit (the upstream already has it): go on.
      if (!recommitted && (await g.raw(['diff', '--cached', '--name-only'])).trim() === '') await g.raw(['rebase', '--skip']);
      else await g.raw(['rebase', '--continue']);
      if (!(await inRebase(g, repoDir))) return;
    } catch {
      /* the next commit conflicts too: loop */
    }
  }
  throw new Error('rebase did not finish');
}

/** Commits what is staged with a new message and the author and dates of the commit being replayed. */
async function recommit(g: SimpleGit, withEnv: GitWith, message: { subject: string; body: string }): Promise<void> {
  const [name, email, date] = (await g.raw(['log', '-1', '--format=%an%x00%ae%x00%aI', 'REBASE_HEAD'])).trim().split('\0') as [string, string, string];
  await withEnv({ GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }).raw([
    'commit', '-q', '--no-verify', '-m', message.subject, ...(message.body ? ['-m', message.body] : []),
  ]);
}

/** The push's git handle with more environment (the replayed commit's author and date). */
type GitWith = (extra: Record<string, string>) => SimpleGit;

async function inRebase(g: SimpleGit, repoDir: string): Promise<boolean> {
  const gitDir = path.resolve(repoDir, (await g.raw(['rev-parse', '--git-dir'])).trim());
  return fs.existsSync(path.join(gitDir, 'rebase-merge')) || fs.existsSync(path.join(gitDir, 'rebase-apply'));
}

/** The line of git's output that says what went wrong. */
function firstLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /rejected|error|fatal|conflict/i.test(l)) ?? lines[0] ?? s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * `zonelog publish` (docs/architecture.md §1, §7): merges the results directories of one scan
 * (its shards) into `archive/`, and commits and pushes when asked. It is the only
 * thing that writes the archive or calls git.
 *
 * Order of work: read and check every results directory (untrusted input); check
 * the repository's state; note in the git directory that a publish is under way
 * (a run killed after that point is undone by the next one, which restores the
 * archive to HEAD before writing); write the archive; commit; push.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readIndex, recoverArchive, journalPath, writeArchive, type ZoneChange } from '../archive/writer.js';
import { commitArchive, lastScanTime, pushWithRetry, type CommitResult, type Identity, type PushResult } from './commit.js';
import { findRepo, gitMessage, gitRun } from '../git/git.js';
import { checkRepoState, uncommittedChanges } from '../git/state.js';
import { decideZone, mergeTargets, weighEvidence } from './merge.js';
import type { ZoneDecision } from '../archive/decision.js';
import { readResults, type ReadReport } from '../scan/results.js';
import { checkShards } from './shards.js';
import { checkZoneFiles } from './zonefile.js';
import { rememberDigests, zonesToRepair } from './repair.js';
import { tempPathFor, writeAtomic } from '../fs/atomic.js';
import { zoneFile } from '../archive/layout.js';
import { addedSince } from './since.js';

export interface PublishOptions {
  dirs: string[];
  archiveDir: string;
  splitBytes: number;
  commit: boolean;
  push: boolean;
  remote: string;
  /** The results are not every shard of the scan: publish them, but remove nothing. */
  partial?: boolean;
  author?: Identity;
  env: Record<string, string | undefined>;
}

export type PublishResult =
  | { ok: true; changes: ZoneChange[]; decisions: ZoneDecision[]; commit?: CommitResult; push?: PushResult; scanTime: Date; notes: string[] }
  | { ok: false; usage: boolean; error: string };

/** The file in the git directory that says a publish is under way. */
const UNDER_WAY = 'zonelog-publish';

export async function publish(o: PublishOptions): Promise<PublishResult> {
  try {
    return await publishChecked(o);
  } catch (e) {
    return { ok: false, usage: false, error: plainError(e) };
  }
}

/** One line for a failure of the file system or of git, whatever threw it. */
function plainError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { path?: string };
  const WHY: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EDQUOT: 'disk quota exceeded',
    EIO: 'input/output error',
    EMFILE: 'too many open files',
  };
  if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    return `cannot write ${err.path ?? 'the archive'}: ${WHY[err.code] ?? err.code} (${err.code})`;
  }
  const message = gitMessage(String(err?.message ?? e));
  if (/no space left/i.test(message)) return `git failed: ${message} (ENOSPC)`;
  if (/read-only file system/i.test(message)) return `git failed: ${message} (EROFS)`;
  return /^(fatal|error):/.test(message) ? `git failed: ${message}` : message;
}

async function publishChecked(o: PublishOptions): Promise<PublishResult> {
  const reports: ReadReport[] = [];
  for (const dir of o.dirs) {
    const r = readResults(path.resolve(dir));
    if (!r.ok) return { ok: false, usage: r.usage ?? false, error: r.error };
    reports.push(r);
  }
  const dnssecValues = new Set(reports.map((r) => r.dnssec));
  if (dnssecValues.size > 1) return { ok: false, usage: true, error: 'the results directories mix scans with and without --dnssec' };
  const dnssec = [...dnssecValues][0] ?? false;
  const shards = checkShards(reports, Boolean(o.partial));
  if (!shards.ok) return { ok: false, usage: false, error: shards.error };
  // The commit is dated at the scan: the earliest start among the shards.
  const scanTime = new Date(Math.min(...reports.map((r) => r.started)));
  const notes: string[] = [];
  const archiveDir = path.resolve(o.archiveDir);

  let repo: { repoDir: string; gitDir: string; rel: string } | undefined;
  /** git status said the archive is HEAD's (before this run wrote anything). */
  let cleanAtStart = false;
  if (o.commit || o.push) {
    const repoDir = findRepo(archiveDir);
    if (!repoDir) return { ok: false, usage: true, error: `${o.archiveDir} is not inside a git repository; run git init, or publish without --commit` };
    const state = checkRepoState(repoDir);
    if (!state.ok) return { ok: false, usage: false, error: state.error };
    notes.push(...state.recovered);
    const rel = path.relative(repoDir, archiveDir) || '.';
    repo = { repoDir, gitDir: state.gitDir, rel };
    if (fs.existsSync(path.join(state.gitDir, UNDER_WAY))) {
      await restoreArchive(repoDir, rel, archiveDir, o.env);
      notes.push(`restored ${rel}/ to the last commit: an earlier publish was interrupted`);
    }
    const [dirty, last] = await Promise.all([uncommittedChanges(repoDir, rel), lastScanTime(gitRun(repoDir, o.env), 'HEAD', rel)]);
    if (dirty.dirty) return { ok: false, usage: false, error: dirty.dirty };
    cleanAtStart = dirty.known;
    if (scanTime.getTime() < last) {
      return {
        ok: false,
        usage: false,
        error: `these results are from a scan that began at ${scanTime.toISOString()}, before the archive's last scan at ${new Date(last).toISOString()}; publish newer results`,
      };
    }
  }

  fs.mkdirSync(archiveDir, { recursive: true });
  recoverArchive(archiveDir);
  const previous = readIndex(archiveDir, dnssec);
  const byZone = mergeTargets(reports);
  const zoneAddresses = unionAddresses(reports);
  const decisions = weighEvidence(
    [...byZone].map(([zone, targets]) => decideZone(zone, targets)),
    byZone,
    (zone) => previous.zones[zone]?.servers,
    { complete: shards.complete, zoneAddresses },
  );
  const transferred = decisions.filter((d): d is Extract<ZoneDecision, { kind: 'transferred' }> => d.kind === 'transferred');
  const { repair, digests } = await zonesToRepair(
    archiveDir,
    previous,
    transferred.map((d) => d.zone),
    repo && { ...repo, env: o.env },
  );
  // Every version whose text may enter the archive is read and checked; the serial and
  // record count come from the file. A version the archive holds already is known. The
  // chosen text is copied into the archive as it is read: what enters it is what was checked.
  const checked = new Map<string, { serial: number; records: number; bytes?: number; copy?: string }>();
  const toCheck: { d: (typeof transferred)[number]; v: (typeof transferred)[number]['versions'][number]; copy?: string }[] = [];
  for (const d of transferred) {
    const before = previous.zones[d.zone];
    for (const v of d.versions) {
      // A text the archive holds already is never opened: nothing of it is used but what index.json says.
      if (before && before.digest === v.sha256.slice(0, 16) && !repair.has(d.zone)) {
        if (v.serial !== before.serial || v.records !== before.records) return refuse(claimError(d.zone, v, before));
        checked.set(v.sha256, { serial: before.serial, records: before.records });
        continue;
      }
      const copy = v.sha256 === d.chosen.sha256 ? tempPathFor(path.join(archiveDir, zoneFile(d.zone))) : undefined;
      toCheck.push({ d, v, ...(copy ? { copy } : {}) });
    }
  }
  const copies = toCheck.flatMap((t) => (t.copy ? [t.copy] : []));
  let written: Awaited<ReturnType<typeof writeArchive>>;
  try {
    const results = await checkZoneFiles(
      toCheck.map(({ d, v, copy }) => ({ dir: v.dir, file: v.rel, zone: d.zone, sha256: v.sha256, dnssec, ...(copy ? { copyTo: copy } : {}) })),
    );
    for (const [i, held] of results.entries()) {
      const { d, v, copy } = toCheck[i]!;
      if (!held.ok) return refuse(`${v.dir}: ${d.zone} from ${v.addresses[0]}: ${held.error}`);
      if (held.serial !== v.serial || held.records !== v.records) return refuse(claimError(d.zone, v, held));
      checked.set(v.sha256, { ...held, ...(copy ? { copy } : {}) });
    }
    if (repo) await writeAtomic(path.join(repo.gitDir, UNDER_WAY), [JSON.stringify({ started: new Date().toISOString() }) + '\n'], false);
    const sinceOf = repo ? await addedSince(repo.repoDir, archiveDir, o.env, previous) : undefined;
    written = await writeArchive(archiveDir, decisions, { splitBytes: o.splitBytes, dnssec, repair, checked, previous, scanTime, sinceOf });
  } finally {
    // Copies the archive did not take (a refusal, a failure, a version not placed) go before git sees the archive.
    for (const p of copies) fs.rmSync(p, { force: true });
  }
  const changes = written.changes;
  for (const z of repair) if (transferred.some((d) => d.zone === z)) notes.push(`rewrote ${z}: its archived text no longer matched index.json`);
  if (!repo) return { ok: true, changes, decisions, scanTime, notes };

  // When the archive was HEAD's (git status said so) and this run wrote nothing into it,
  // there is nothing to stage: git is not asked to add and diff to find that out.
  // Otherwise the archive was HEAD's (checked above) and is now the index just written:
  // git need not be asked for either.
  const commit: CommitResult =
    cleanAtStart && !written.wrote
      ? { committed: false }
      : await commitArchive(changes, {
          repoDir: repo.repoDir,
          archiveDir,
          date: scanTime,
          author: o.author,
          env: o.env,
          indexes: { before: previous, after: written.index },
        });
  if (changes.length > 0)
    await rememberDigests(
      written.index,
      transferred.map((d) => d.zone),
      { ...repo, env: o.env },
      digests,
    );
  const push = o.push ? await pushWithRetry({ repoDir: repo.repoDir, remote: o.remote, env: o.env, archiveDir, identity: o.author }) : undefined;
  fs.rmSync(path.join(repo.gitDir, UNDER_WAY), { force: true });
  return { ok: true, changes, decisions, commit, push, scanTime, notes };
}

function claimError(
  zone: string,
  v: { dir: string; rel: string; serial: number; records: number; addresses: string[] },
  held: { serial: number; records: number },
): string {
  return `${v.dir}: ${zone} from ${v.addresses[0]}: the report says serial ${v.serial} and ${v.records} records, ${v.rel} holds serial ${held.serial} and ${held.records} records`;
}

/** Refuses before anything was written to the archive. */
function refuse(error: string): PublishResult {
  return { ok: false, usage: false, error };
}

/** Per zone, the addresses discovery found, over every shard; undefined when a report does not say. */
function unionAddresses(reports: ReadReport[]): Map<string, Set<string>> | undefined {
  if (reports.some((r) => !r.zoneAddresses)) return undefined;
  const out = new Map<string, Set<string>>();
  for (const r of reports) {
    for (const [zone, set] of r.zoneAddresses!) {
      const all = out.get(zone) ?? new Set<string>();
      for (const a of set) all.add(a);
      out.set(zone, all);
    }
  }
  return out;
}

/** Undoes what an interrupted publish left: the archive goes back to HEAD (or away, before the first commit). */
async function restoreArchive(repoDir: string, rel: string, archiveDir: string, env: Record<string, string | undefined>): Promise<void> {
  const g = gitRun(repoDir, env);
  fs.rmSync(journalPath(archiveDir), { force: true });
  const hasHead = await g.raw(['rev-parse', '-q', '--verify', 'HEAD']).then(
    () => true,
    () => false,
  );
  const inHead =
    hasHead &&
    (await g.raw(['cat-file', '-e', `HEAD:${rel}`]).then(
      () => true,
      () => false,
    ));
  await g.raw(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', rel]);
  if (inHead) await g.raw(['checkout', '-q', 'HEAD', '--', rel]);
  await g.raw(['clean', '-q', '-fdx', '--', rel]);
}

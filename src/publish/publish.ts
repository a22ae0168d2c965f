/**
 * `zonelog publish` (docs/architecture.md §1, §7): merges the results directories of one scan
 * (its shards) into `archive/`, and commits and pushes when asked. It is the only
 * thing that writes the archive or calls git.
 */
import path from 'node:path';
import { writeArchive, type ZoneChange } from '../archive/writer.js';
import { commitArchive, pushWithRetry, type CommitResult, type Identity, type PushResult } from './commit.js';
import { findRepo } from '../git/git.js';
import { decideZone, mergeTargets, type ZoneDecision } from './merge.js';
import { readResults, type ReadResults } from '../scan/results.js';

export interface PublishOptions {
  dirs: string[];
  archiveDir: string;
  splitBytes: number;
  commit: boolean;
  push: boolean;
  remote: string;
  author?: Identity;
  env: Record<string, string | undefined>;
}

export type PublishResult =
  | { ok: true; changes: ZoneChange[]; decisions: ZoneDecision[]; commit?: CommitResult; push?: PushResult; scanTime: Date }
  | { ok: false; usage: boolean; error: string };

export async function publish(o: PublishOptions): Promise<PublishResult> {
  const read: Extract<ReadResults, { ok: true }>[] = [];
  for (const dir of o.dirs) {
    const r = readResults(path.resolve(dir));
    if (!r.ok) return { ok: false, usage: true, error: r.error };
    read.push(r);
  }
  const dnssecValues = new Set(read.map((r) => Boolean(r.report.options.dnssec)));
  if (dnssecValues.size > 1) return { ok: false, usage: true, error: 'the results directories mix scans with and without --dnssec' };
  const dnssec = [...dnssecValues][0] ?? false;
  // The commit is dated at the scan: the earliest start among the shards.
  const scanTime = new Date(Math.min(...read.map((r) => Date.parse(r.report.started))));

  let repoDir: string | undefined;
  if (o.commit || o.push) {
    repoDir = findRepo(path.resolve(o.archiveDir));
    if (!repoDir) return { ok: false, usage: true, error: `${o.archiveDir} is not inside a git repository; run git init, or publish without --commit` };
  }

  const byZone = mergeTargets(read);
  const decisions = [...byZone].map(([zone, targets]) => decideZone(zone, targets));
  const changes = await writeArchive(o.archiveDir, decisions, { splitBytes: o.splitBytes, dnssec });
  if (!repoDir) return { ok: true, changes, decisions, scanTime };

  const commit = o.commit || o.push
    ? await commitArchive(changes, { repoDir, archiveDir: o.archiveDir, date: scanTime, author: o.author, env: o.env })
    : undefined;
  const push = o.push ? await pushWithRetry({ repoDir, remote: o.remote, env: o.env, archiveDir: o.archiveDir, identity: o.author }) : undefined;
  return { ok: true, changes, decisions, commit, push, scanTime };
}

/**
 * Whether a repository is in a state publish may commit in (DESIGN §5): not in
 * the middle of a rebase, merge, cherry-pick or revert; on a branch (not a
 * detached HEAD); no lock left by a killed git command; and, checked separately,
 * no uncommitted change under the archive. Each refusal is one line saying what to
 * do. A lock is removed only when it is provably stale: no process has the file
 * open and no git process runs in the repository (read from /proc).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { TEMP_SUFFIX } from '../fs/atomic.js';

export type StateCheck = { ok: true; gitDir: string; branch: string; recovered: string[] } | { ok: false; error: string };

function git(repoDir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** Lock files a killed git command can leave, relative to the git directory. */
function lockFiles(gitDir: string): string[] {
  const out = ['index.lock', 'HEAD.lock', 'packed-refs.lock', 'config.lock', 'shallow.lock', 'ORIG_HEAD.lock', 'FETCH_HEAD.lock'];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(gitDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith('.lock')) out.push(r);
    }
  };
  walk('refs');
  return out.filter((f) => fs.existsSync(path.join(gitDir, f)));
}

/**
 * Who holds a lock file: processes with it open, and git processes running in the
 * repository (git closes a lock's descriptor while hooks run). `provable` is false
 * when /proc cannot tell (not Linux, or processes we may not look into).
 */
function lockHolders(lock: string, roots: string[]): { provable: boolean; pids: number[] } {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p));
  } catch {
    return { provable: false, pids: [] };
  }
  const holders: number[] = [];
  let provable = true;
  const inside = (p: string) => roots.some((r) => p === r || p.startsWith(r + path.sep));
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let comm: string;
    try {
      comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue; // gone
    }
    const isGit = comm === 'git' || comm.startsWith('git-');
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        let target: string;
        try {
          target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (target === lock) holders.push(Number(pid));
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && isGit) provable = false;
    }
    if (isGit) {
      try {
        if (inside(fs.readlinkSync(`/proc/${pid}/cwd`))) holders.push(Number(pid));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') provable = false;
      }
    }
  }
  return { provable, pids: [...new Set(holders)] };
}

export function checkRepoState(repoDir: string): StateCheck {
  const gitDirText = git(repoDir, ['rev-parse', '--absolute-git-dir']);
  if (!gitDirText) return { ok: false, error: `${repoDir} is not a git repository git can read; check it with git status` };
  const gitDir = gitDirText.trim();
  const recovered: string[] = [];
  const roots = [fs.realpathSync(repoDir), fs.realpathSync(gitDir)];
  for (const rel of lockFiles(gitDir)) {
    const lock = path.join(gitDir, rel);
    const { provable, pids } = lockHolders(lock, roots);
    if (pids.length > 0) return { ok: false, error: `${lock} is held by a running process (pid ${pids.join(', ')}); wait for it to finish, then run again` };
    if (!provable)
      return {
        ok: false,
        error: `${lock} exists, left by a git command that was killed or is still running; if no git command runs in ${repoDir}, remove it (rm ${lock}) and run again`,
      };
    try {
      fs.rmSync(lock, { force: true });
      recovered.push(`removed ${lock}, left by a killed git command (no process holds it)`);
    } catch (e) {
      return {
        ok: false,
        error: `${lock} is left by a killed git command and cannot be removed (${(e as NodeJS.ErrnoException).code}); remove it by hand and run again`,
      };
    }
  }
  const inProgress: [string, string, string][] = [
    ['rebase-merge', 'a rebase', 'git rebase --continue, or git rebase --abort'],
    ['rebase-apply', 'a rebase', 'git rebase --continue, or git rebase --abort'],
    ['MERGE_HEAD', 'a merge', 'git merge --continue, or git merge --abort'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick', 'git cherry-pick --continue, or git cherry-pick --abort'],
    ['REVERT_HEAD', 'a revert', 'git revert --continue, or git revert --abort'],
  ];
  for (const [file, what, fix] of inProgress) {
    if (fs.existsSync(path.join(gitDir, file))) return { ok: false, error: `${what} is in progress in ${repoDir}; finish it (${fix}), then run again` };
  }
  // HEAD names the branch (`ref: refs/heads/NAME`) unless it is detached (a commit id).
  let head = '';
  try {
    head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    /* unreadable: treated as detached */
  }
  const branch = head.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : undefined;
  if (!branch) return { ok: false, error: `HEAD is detached in ${repoDir}; check out the branch to publish on (git switch BRANCH), then run again` };
  return { ok: true, gitDir, branch, recovered };
}

/**
 * Uncommitted changes under the archive (a publish's own temporary files aside):
 * `dirty` says what to do, and is undefined when the archive is clean or git could
 * not tell (`known` false: git status failed).
 */
export async function uncommittedChanges(repoDir: string, rel: string): Promise<{ dirty?: string; known: boolean }> {
  const out = await new Promise<string | undefined>((resolve) => {
    execFile(
      'git',
      ['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=all', '--', rel],
      { cwd: repoDir, encoding: 'utf8', maxBuffer: 1 << 28 },
      (err, stdout) => resolve(err ? undefined : stdout),
    );
  });
  if (out === undefined) return { known: false };
  const files = out
    .split('\0')
    .filter(Boolean)
    .map((l) => l.slice(3))
    .filter((f) => !f.endsWith(TEMP_SUFFIX));
  if (files.length === 0) return { known: true };
  const shown = files.slice(0, 2).join(', ') + (files.length > 2 ? ` and ${files.length - 2} more` : '');
  return {
    known: true,
    dirty: `${rel}/ has uncommitted changes in ${repoDir} (${shown}); commit them, or discard them (git checkout -- ${rel} && git clean -fd -- ${rel}), then run again`,
  };
}

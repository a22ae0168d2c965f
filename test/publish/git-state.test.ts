/**
 * Publish in a repository that is not in a state to commit in, and failures of
 * the disk and the remote (DESIGN §5): one plain line on stderr and exit 2,
 * through the built binary, never a stack trace; a lock left by a killed run is
 * recognised, and removed when no process holds it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeResults, zoneText, type FakeTarget } from '../support/results.js';
import { GIT_ENV, Scratch, sh } from '../support/repo.js';
import { archiveProblems } from '../support/archive-check.js';

const scratch = new Scratch();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
  scratch.cleanup();
});

const BIN = path.resolve('dist/src/cli/bin.js');
const world = (serial: number, extra = ''): FakeTarget[] => [
  { zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: zoneText('ba.', serial, [`a.ba.\t60\tIN\tA\t192.0.2.${serial % 250}${extra}`]) },
];
let clock = Date.parse('2026-01-01T00:00:00Z');
const results = async (serial: number, dir = scratch.dir()) => writeResults(dir, world(serial), new Date((clock += 3600_000)));

function zonelog(args: string[], env: NodeJS.ProcessEnv = GIT_ENV, opts: { uid?: number; gid?: number } = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, ...opts });
}
/** Exit 2 and exactly one line on stderr matching `re`. */
function oneLine(out: ReturnType<typeof zonelog>, re: RegExp): void {
  expect(out.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(out.stderr).toMatch(re);
  expect(out.status).toBe(2);
}
async function published(): Promise<string> {
  const repo = scratch.repo();
  const out = zonelog(['publish', await results(1), '--archive', path.join(repo, 'archive'), '--commit']);
  expect(out.status).toBe(0);
  return repo;
}

describe('repository state', () => {
  it('a detached HEAD is refused, and nothing is pushed (no branch named HEAD)', async () => {
    const repo = await published();
    const bare = scratch.bare();
    sh(repo, 'remote', 'add', 'origin', bare);
    sh(repo, 'checkout', '-q', '--detach');
    const out = zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--push']);
    oneLine(out, /^zonelog: HEAD is detached in .*; check out the branch to publish on \(git switch BRANCH\), then run again\n$/);
    expect(sh(bare, 'for-each-ref', '--format=%(refname)')).toBe('');
  });

  it.each([
    [
      'a rebase',
      (repo: string) => fs.mkdirSync(path.join(repo, '.git/rebase-merge')),
      /a rebase is in progress in .*; finish it \(git rebase --continue, or git rebase --abort\), then run again/,
    ],
    [
      'a merge',
      (repo: string) => fs.writeFileSync(path.join(repo, '.git/MERGE_HEAD'), sh(repo, 'rev-parse', 'HEAD')),
      /a merge is in progress in .*git merge --abort/,
    ],
  ])('%s in progress is refused', async (_what, make, re) => {
    const repo = await published();
    make(repo);
    oneLine(zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--commit']), re);
  });

  it('uncommitted changes under archive/ are refused with what to do', async () => {
    const repo = await published();
    fs.writeFileSync(path.join(repo, 'archive/extra.zone'), 'x\n');
    oneLine(
      zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--commit']),
      /archive\/ has uncommitted changes in .* \(archive\/extra\.zone\); commit them, or discard them/,
    );
  });

  it('an index.lock left by a killed git is removed when no process holds it; the run says so and succeeds', async () => {
    const repo = await published();
    fs.writeFileSync(path.join(repo, '.git/index.lock'), '');
    const out = zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--commit']);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/^zonelog: removed .*\.git\/index\.lock, left by a killed git command \(no process holds it\)\n$/);
    expect(sh(repo, 'log', '--format=%s')).toBe('archive: ~ ba.\narchive: + ba. (new)\n');
  });

  it('a lock a running process holds is named with that process, and left alone', async () => {
    const repo = await published();
    const lock = path.join(repo, '.git/index.lock');
    fs.writeFileSync(lock, '');
    const holder = spawn('sh', ['-c', 'exec 3<"$0"; sleep 60', lock], { stdio: 'ignore' });
    cleanups.push(() => holder.kill('SIGKILL'));
    // until the shell has the file open
    for (
      let i = 0;
      i < 200 &&
      !fs.readdirSync(`/proc/${holder.pid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${holder.pid}/fd/${fd}`) === lock;
        } catch {
          return false;
        }
      });
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    oneLine(
      zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--commit']),
      new RegExp(`index\\.lock is held by a running process \\(pid [0-9, ]*\\b${holder.pid}\\b[0-9, ]*\\); wait for it to finish, then run again`),
    );
    expect(fs.existsSync(lock)).toBe(true);
  });
});

describe('push', () => {
  it('pushes only the current branch, to its upstream', async () => {
    const repo = await published();
    const bare = scratch.bare();
    sh(repo, 'remote', 'add', 'up', bare);
    sh(repo, 'push', '-q', 'up', 'main:archive-branch');
    sh(repo, 'branch', '-q', '--set-upstream-to', 'up/archive-branch');
    sh(repo, 'branch', '-q', 'other');
    const out = zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--push']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(sh(bare, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/archive-branch\n');
    expect(sh(bare, 'rev-parse', 'archive-branch')).toBe(sh(repo, 'rev-parse', 'main'));
  });

  it.each([
    [
      'no remote of that name',
      (_repo: string) => {},
      /^zonelog: push failed: there is no remote named origin in .*; add it \(git remote add origin URL\) or give --remote\n$/,
    ],
    [
      'a remote whose repository does not exist',
      (repo: string) => sh(repo, 'remote', 'add', 'origin', path.join(os.tmpdir(), 'zonelog-no-such-remote-', String(process.pid))),
      /^zonelog: push failed: fatal: .*does not appear to be a git repository\n$/,
    ],
  ])('%s: one line at once, no retries', async (_what, setup, re) => {
    const repo = await published();
    setup(repo);
    const out = zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--push']);
    oneLine(out, re);
    expect(out.stderr).not.toMatch(/attempts/);
    // the commit is made; the next run pushes it once the remote exists
    expect(sh(repo, 'log', '--format=%s')).toBe('archive: ~ ba.\narchive: + ba. (new)\n');
  });
});

describe('the disk fails', () => {
  /** A small tmpfs for the repository (needs root and mount), unmounted after. */
  function smallDisk(size: string): string | undefined {
    const dir = scratch.dir();
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    cleanups.push(() => spawnSync('umount', ['-l', dir]));
    return dir;
  }

  it('ENOSPC: one line, exit 2, and the archive as it was', async (ctx) => {
    const disk = smallDisk('600k');
    if (!disk) return ctx.skip();
    const repo = path.join(disk, 'repo');
    fs.mkdirSync(repo);
    sh(repo, 'init', '-q', '-b', 'main');
    expect(zonelog(['publish', await results(1), '--archive', path.join(repo, 'archive'), '--commit']).status).toBe(0);
    // a zone text larger than the disk's room
    const lines = Array.from({ length: 40000 }, (_, i) => `h${String(i).padStart(5, '0')}.ba.\t60\tIN\tA\t192.0.2.1`);
    const dir = await writeResults(
      scratch.dir(),
      [{ zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: zoneText('ba.', 5, lines) }],
      new Date((clock += 3600_000)),
    );
    const out = zonelog(['publish', dir, '--archive', path.join(repo, 'archive'), '--commit']);
    oneLine(out, /^zonelog: cannot write .*: no space left on the device \(ENOSPC\)\n$/);
    expect(archiveProblems(path.join(repo, 'archive'))).toEqual([]);
    expect(sh(repo, 'status', '--porcelain', '--', 'archive')).toBe('');
  });

  it('EROFS: one line, exit 2', async (ctx) => {
    const disk = smallDisk('4m');
    if (!disk) return ctx.skip();
    const repo = path.join(disk, 'repo');
    fs.mkdirSync(repo);
    sh(repo, 'init', '-q', '-b', 'main');
    expect(zonelog(['publish', await results(1), '--archive', path.join(repo, 'archive'), '--commit']).status).toBe(0);
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    const out = zonelog(['publish', await results(2), '--archive', path.join(repo, 'archive'), '--commit']);
    oneLine(out, /^zonelog: .*(read-only file system|the file system is read-only).*\(EROFS\)\n$/i);
  });

  it('EACCES (run as an unprivileged user on a repository it may not write): one line, exit 2', async () => {
    const repo = await published();
    const dir = await results(2);
    for (const p of [
      dir,
      path.join(dir, 'zones'),
      ...fs.readdirSync(path.join(dir, 'zones')).map((f) => path.join(dir, 'zones', f)),
      path.join(dir, 'report.json'),
    ])
      fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
    fs.chmodSync(repo, 0o755);
    fs.chmodSync(path.dirname(dir), 0o755);
    const env = { ...GIT_ENV, HOME: os.tmpdir(), GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' };
    const out = zonelog(['publish', dir, '--archive', path.join(repo, 'archive'), '--commit'], env, { uid: 65534, gid: 65534 });
    oneLine(out, /^zonelog: .*permission denied.*\n$/i);
  });
});

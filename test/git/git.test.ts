/**
 * The git runners: `gitRun` runs git without simple-git (which the publish path
 * and every command that does not push need not load), with the same clean
 * environment; `git` loads simple-git when first called.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { git, gitRun } from '../../src/git/git.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function repo(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-git-'));
  dirs.push(d);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: d });
  return d;
}
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(`${path.sep}simple-git${path.sep}`));

describe('gitRun', () => {
  it('runs git without loading simple-git; simple-git loads when git() is first called', async () => {
    const r = repo();
    expect(loaded()).toBe(false);
    expect((await gitRun(r, process.env).raw(['rev-parse', '--is-inside-work-tree'])).trim()).toBe('true');
    expect(loaded()).toBe(false);
    expect((await git(r, process.env).raw(['rev-parse', '--is-inside-work-tree'])).trim()).toBe('true');
    expect(loaded()).toBe(true);
  });

  it("rejects with git's own message as one line; passes the identity it is given and only git's variables", async () => {
    const r = repo();
    await expect(gitRun(r, process.env).raw(['rev-parse', '--verify', 'no-such-rev'])).rejects.toThrow(
      /^fatal: .*no-such-rev|^fatal: Needed a single revision$/,
    );
    fs.writeFileSync(path.join(r, 'f'), 'x\n');
    const g = gitRun(
      r,
      { ...process.env, EDITOR: 'false', ZONELOG_SECRET: 'x' },
      { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'c', GIT_COMMITTER_EMAIL: 'c@example.org' },
    );
    await g.raw(['add', 'f']);
    await g.raw(['commit', '-q', '-m', 'one\nline; $(not a shell)']);
    expect(await g.raw(['log', '-1', '--format=%an %ce %B'])).toBe('a c@example.org one\nline; $(not a shell)\n\n');
    // only what git needs reaches it (a shell alias prints what git's children get)
    const env = await gitRun(r, { ...process.env, ZONELOG_SECRET: 'x', GIT_AUTHOR_NAME: 'n' }).raw(['-c', 'alias.envs=!env', 'envs']);
    expect(env).toContain('GIT_AUTHOR_NAME=n');
    expect(env).not.toContain('ZONELOG_SECRET');
  });
});

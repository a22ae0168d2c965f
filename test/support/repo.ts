/** Git repositories and bare remotes in temporary folders, for publish tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { publish, type PublishOptions, type PublishResult } from '../../src/publish/publish.js';
import { tempDir } from './results.js';

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.org',
};

/** Temporary folders, removed by cleanup(). */
export class Scratch {
  private readonly dirs: string[] = [];
  dir(): string {
    const d = tempDir();
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
  repo(): string {
    const r = this.dir();
    sh(r, 'init', '-q', '-b', 'main');
    return r;
  }
  bare(): string {
    const r = this.dir();
    sh(r, 'init', '-q', '--bare', '-b', 'main');
    return r;
  }
}

export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Publishes results directories into `repo`'s archive and commits: the tests' usual run. */
export function publishTo(repo: string, dirs: string[], extra: Partial<PublishOptions> = {}): Promise<PublishResult> {
  return publish({ dirs, archiveDir: path.join(repo, 'archive'), splitBytes: 40e6, commit: true, push: false, remote: 'origin', env: process.env, ...extra });
}

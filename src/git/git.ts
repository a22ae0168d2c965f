/**
 * A git handle on a repository with a clean environment: only what git needs to
 * find itself, its configuration and credentials, plus the dates and identity the
 * caller sets. Everything else (pagers, editors, hooks' helpers) stays out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

const PASSED_ENV = new Set(['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'SSH_AUTH_SOCK', 'XDG_CONFIG_HOME']);

/** Only what git needs to find itself, its config and credentials. */
export function gitEnv(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && (PASSED_ENV.has(k) || (k.startsWith('GIT_') && k !== 'GIT_EDITOR'))) clean[k] = v;
  return clean;
}

export function git(repoDir: string, env: Record<string, string | undefined>, extra: Record<string, string> = {}): SimpleGit {
  // simple-git refuses variables that change how git runs (EDITOR, PAGER …) unless named one by one.
  const all = { ...gitEnv(env), ...extra };
  // simple-git refuses GIT_* variables unless they are named: these are our own environment and our dates and identity.
  const allowEnvironment = Object.keys(all).filter((k) => k.toUpperCase().startsWith('GIT_'));
  // The one editor we set is `true` (rebase --continue must not wait for a person).
  const unsafe = { allowUnsafeEditor: all.GIT_EDITOR === 'true' };
  return simpleGit({ baseDir: repoDir, maxConcurrentProcesses: 4, allowEnvironment, unsafe } as Parameters<typeof simpleGit>[0]).env(all);
}


/** The working tree that holds `dir` (which may not exist yet). */
export function findRepo(dir: string): string | undefined {
  let d = dir;
  for (;;) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/**
 * A git handle on a repository with a clean environment: only what git needs to
 * find itself, its configuration and credentials, plus the dates and identity the
 * caller sets. Everything else (pagers, editors, hooks' helpers) stays out.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { simpleGit, type SimpleGit } from 'simple-git';

const PASSED_ENV = new Set(['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'SSH_AUTH_SOCK', 'XDG_CONFIG_HOME']);

/** Only what git needs to find itself, its config and credentials, plus `extra` (our dates and identity). */
function cleanEnv(env: Record<string, string | undefined>, extra: Record<string, string> = {}): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && (PASSED_ENV.has(k) || (k.startsWith('GIT_') && k !== 'GIT_EDITOR'))) clean[k] = v;
  return { ...clean, ...extra };
}

export function git(repoDir: string, env: Record<string, string | undefined>, extra: Record<string, string> = {}): SimpleGit {
  const all = cleanEnv(env, extra);
  // simple-git refuses GIT_* variables unless they are named: these are our own environment and our dates and identity.
  const allowEnvironment = Object.keys(all).filter((k) => k.toUpperCase().startsWith('GIT_'));
  // The one editor we set is `true`, so that `rebase --continue` never waits for a person;
  // simple-git refuses an editor in the environment unless this option says it is wanted.
  const unsafe = { allowUnsafeEditor: all.GIT_EDITOR === 'true' };
  return simpleGit({ baseDir: repoDir, maxConcurrentProcesses: 4, allowEnvironment, unsafe }).env(all);
}

/**
 * The lines git prints for `args`, as they come. simple-git collects a command's
 * whole output before it returns it; a patch of the whole history does not fit
 * that, so this runs git itself, with the same clean environment.
 */
export async function* gitLines(repoDir: string, env: Record<string, string | undefined>, args: string[]): AsyncGenerator<string> {
  const child = spawn('git', args, { cwd: repoDir, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 65536) stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      stderr += e.message;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } finally {
    // A reader that stops early: git has nothing more to say to anyone.
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`git ${args[0]} failed: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
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

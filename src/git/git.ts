/**
 * A git handle on a repository with a clean environment: only what git needs to
 * find itself, its configuration and credentials, plus the dates and identity the
 * caller sets. Everything else (pagers, editors, hooks' helpers) stays out.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import type { SimpleGit } from 'simple-git';

/**
 * simple-git, loaded when a command first needs it: loading it takes longer than
 * most of what `zonelog --help` or a publish without --push does (they run git
 * through `gitRun`).
 */
let simpleGitModule: typeof import('simple-git') | undefined;
function loadSimpleGit(): typeof import('simple-git') {
  simpleGitModule ??= createRequire(import.meta.url)('simple-git') as typeof import('simple-git');
  return simpleGitModule;
}

/** What the publish path asks of git: a command's output, or a rejection with git's own message. */
export interface GitRunner {
  raw(args: string[]): Promise<string>;
}

/**
 * A git runner with the same clean environment as `git`, without simple-git: one
 * process per command, nothing queued or parsed. For commands whose arguments are
 * our own (no remote names or URLs a user gave: those go through simple-git's checks).
 */
export function gitRun(repoDir: string, env: Record<string, string | undefined>, extra: Record<string, string> = {}): GitRunner {
  return { raw: (args) => gitWithInput(repoDir, env, args, '', extra) };
}

const PASSED_ENV = new Set(['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'SSH_AUTH_SOCK', 'XDG_CONFIG_HOME']);

export function git(repoDir: string, env: Record<string, string | undefined>, extra: Record<string, string> = {}): SimpleGit {
  // Only what git needs to find itself, its config and credentials; simple-git refuses
  // variables that change how git runs (EDITOR, PAGER …) unless named one by one.
  const all = { ...gitEnv(env), ...extra };
  // simple-git refuses GIT_* variables unless they are named: these are our own environment and our dates and identity.
  const allowEnvironment = Object.keys(all).filter((k) => k.toUpperCase().startsWith('GIT_'));
  // The one editor we set is `true` (rebase --continue must not wait for a person). The
  // user's own settings for how git reaches a remote and reads its configuration are
  // theirs to make (as when they run git themselves); simple-git asks for each by name.
  const unsafe: Record<string, boolean> = { allowUnsafeEditor: all.GIT_EDITOR === 'true' };
  for (const [key, flag] of Object.entries(USER_GIT_SETTINGS)) if (all[key] !== undefined) unsafe[flag] = true;
  return loadSimpleGit()
    .simpleGit({ baseDir: repoDir, maxConcurrentProcesses: 4, allowEnvironment, unsafe } as Parameters<typeof import('simple-git').simpleGit>[0])
    .env(all);
}

/**
 * Git's output for `args` as it comes, through `read` (lines, or text as it arrives).
 * simple-git collects a command's whole output before it returns it; a patch of the
 * whole history does not fit that, so this runs git itself, with the same clean environment.
 */
async function* gitStream<T>(
  repoDir: string,
  env: Record<string, string | undefined>,
  args: string[],
  read: (stdout: NodeJS.ReadableStream) => AsyncIterable<T>,
): AsyncGenerator<T> {
  const child = spawn('git', args, { cwd: repoDir, env: gitEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
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
  try {
    for await (const item of read(child.stdout)) yield item;
  } finally {
    // A reader that stops early: git has nothing more to say to anyone.
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`git ${args[0]} failed: ${stderr.trim().split('\n')[0] || `exit code ${code}`}`);
}

/** The lines git prints for `args`, as they come. */
export function gitLines(repoDir: string, env: Record<string, string | undefined>, args: string[]): AsyncGenerator<string> {
  return gitStream(repoDir, env, args, (stdout) => readline.createInterface({ input: stdout, crlfDelay: Infinity }));
}

/** The text git prints for `args` (UTF-8), in pieces as they come: for output parsed by other marks than lines. */
export function gitText(repoDir: string, env: Record<string, string | undefined>, args: string[]): AsyncGenerator<string> {
  return gitStream(repoDir, env, args, (stdout) => stdout.setEncoding('utf8') as AsyncIterable<string>);
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

/**
 * Runs git with input on stdin (lists of paths too long for a command line); the
 * same clean environment as `git`. Resolves to stdout; rejects with git's own
 * message (its `fatal:`/`error:` line) as the error's message.
 */
export function gitWithInput(
  repoDir: string,
  env: Record<string, string | undefined>,
  args: string[],
  input: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const all: Record<string, string> = { ...gitEnv(env), ...extra };
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd: repoDir, env: all, maxBuffer: 1 << 30, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(gitMessage(stderr || err.message)));
      else resolve(stdout);
    });
    // git may exit before it reads its input (a failure, or a command that takes none): that is
    // told by its exit status, so a closed pipe here is no error of its own.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** The user's git variables that simple-git accepts only when named, and the flag that names them. */
const USER_GIT_SETTINGS: Record<string, string> = {
  GIT_CONFIG_COUNT: 'allowUnsafeConfigEnvCount',
  GIT_CONFIG_PARAMETERS: 'allowUnsafeConfigEnvCount',
  GIT_CONFIG_GLOBAL: 'allowUnsafeConfigPaths',
  GIT_CONFIG_SYSTEM: 'allowUnsafeConfigPaths',
  GIT_SSH: 'allowUnsafeSshCommand',
  GIT_SSH_COMMAND: 'allowUnsafeSshCommand',
  GIT_ASKPASS: 'allowUnsafeAskPass',
};
/** Git variables that change which programs git runs, and that publish has no use for: left out. */
const DROPPED_GIT_ENV = new Set([
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_PAGER',
  'GIT_EXTERNAL_DIFF',
  'GIT_EXEC_PATH',
  'GIT_TEMPLATE_DIR',
  'GIT_PROXY_COMMAND',
  'GIT_CONFIG',
]);

export function gitEnv(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && (PASSED_ENV.has(k) || (k.startsWith('GIT_') && !DROPPED_GIT_ENV.has(k)))) clean[k] = v;
  return clean;
}

/** The line of git's output that says what went wrong, as one line. */
export function gitMessage(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines.find((l) => /rejected|conflict|denied|unable|could not|cannot/i.test(l)) ?? lines[0] ?? text;
  return line.replace(/[\x00-\x1f\x7f]/g, ' ');
}

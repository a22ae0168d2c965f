/**
 * Failures the command line meets that are nobody's bug: a full or read-only
 * disk, a file it may not write, git refusing (a lock left behind, a damaged
 * repository). Each becomes one plain sentence and exit 2; anything else is a
 * bug and keeps its stack trace.
 */

/** A usage problem found after the line was parsed: exit 1. */
export class UsageError extends Error {}

const ERRNO: Record<string, (where: string) => string> = {
  ENOSPC: (w) => `no space left on the device${w}: free some and run again`,
  EDQUOT: (w) => `the disk quota is used up${w}: free some and run again`,
  EROFS: (w) => `the file system${w} is read-only: run where zonelog may write`,
  EACCES: (w) => `permission denied${w}: run as a user who may write there`,
  EPERM: (w) => `operation not permitted${w}: run as a user who may write there`,
  EMFILE: () => 'too many open files: raise the limit (ulimit -n) or lower --concurrency',
  EIO: (w) => `input/output error${w}: the disk may be failing`,
  ENOTDIR: (w) => `a file stands where a folder should be${w}: move it or choose another path`,
  EISDIR: (w) => `a folder stands where a file should be${w}: move it or choose another path`,
};

/** One sentence for an expected failure, or undefined for a bug. */
export function describeFailure(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as NodeJS.ErrnoException;
  const errno = err.code && ERRNO[err.code];
  if (errno) return errno(err.path ? ` at ${err.path}` : '');
  return describeGitFailure(err.message);
}

/** git's own refusals, from the text it printed (simple-git passes it as the message). */
function describeGitFailure(message: string): string | undefined {
  const lock = /Unable to create '([^']+\.lock)': File exists/.exec(message);
  if (lock) {
    return `git is busy: ${lock[1]} exists (another git is running, or a killed one left it); when no git runs in this repository, remove it and run again`;
  }
  if (/No space left on device/i.test(message)) return ERRNO.ENOSPC!('');
  if (/Read-only file system/i.test(message)) return ERRNO.EROFS!('');
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(fatal|error): /.test(l));
  return line ? `git failed: ${line.replace(/^(fatal|error): /, '')}` : undefined;
}

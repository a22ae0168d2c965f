/**
 * The one reader of git's patches (docs/architecture.md §8). Every record of
 * the archive is one line, so the `+`/`-` lines of a `-U0` patch are the
 * records added and removed. The reader takes git's output line by line, as a
 * stream, and yields one commit at a time: whoever reads the whole history
 * holds one commit's patch, never all of them.
 *
 * Output without commit headers (`git diff`) is one commit with no id.
 */

/** The changed lines of one file, in the patch's order, each with its `+` or `-`. */
export interface FilePatch {
  lines: string[];
}

export interface CommitPatch {
  /** The commit id and committer date (ISO 8601), or '' for `git diff` output. */
  commit: string;
  date: string;
  /** Changed lines per path (the path after the change, or before it for a deletion). */
  files: Map<string, FilePatch>;
}

/** Marks a commit's header line in our `git log` formats (see PATCH_LOG_FORMAT). */
export const COMMIT_MARK = '\u0001commit ';

/** The `--format` that makes `git log -p` output readable by readPatches. */
export const PATCH_LOG_FORMAT = `--format=${COMMIT_MARK}%H %cI`;

/** Options that make a patch's +/- lines the records added and removed, whatever the user's git configuration. */
export const PATCH_OPTIONS = ['-U0', '--no-renames', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/'];

/** The records a file's patch adds (without their `+`). */
export function addedLines(f: FilePatch): string[] {
  const out: string[] = [];
  for (const l of f.lines) if (l.charCodeAt(0) === 43 /* + */) out.push(l.slice(1));
  return out;
}

/** The records a file's patch removes (without their `-`). */
export function removedLines(f: FilePatch): string[] {
  const out: string[] = [];
  for (const l of f.lines) if (l.charCodeAt(0) === 45 /* - */) out.push(l.slice(1));
  return out;
}

/**
 * Commits of `git log -p PATCH_LOG_FORMAT PATCH_OPTIONS` (or one of `git diff
 * PATCH_OPTIONS`), as they complete. Only lines inside a hunk count as changes,
 * so a record that happens to look like a header is still a record.
 */
export async function* readPatches(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CommitPatch> {
  let cur: CommitPatch | undefined;
  let file: FilePatch | undefined;
  let inHunk = false;
  /** The file's path from `diff --git a/X b/X`, until `---`/`+++` say it better. */
  let pending: string | undefined;
  for await (const line of lines) {
    if (line.startsWith(COMMIT_MARK)) {
      if (cur) yield cur;
      const [commit, date] = line.slice(COMMIT_MARK.length).split(' ');
      cur = { commit: commit!, date: date!, files: new Map() };
      file = undefined;
      inHunk = false;
    } else if (line.startsWith('diff --git ')) {
      cur ??= { commit: '', date: '', files: new Map() };
      const m = / b\/(.*)$/.exec(line);
      pending = m?.[1];
      file = pending === undefined ? undefined : fileOf(cur, pending);
      inHunk = false;
    } else if (!cur || !file) continue;
    else if (inHunk) {
      const c = line.charCodeAt(0);
      if (c === 43 /* + */ || c === 45 /* - */) file.lines.push(line);
      else if (line.startsWith('@@')) continue;
    } else if (line.startsWith('@@')) inHunk = true;
    else if (line.startsWith('--- ') || line.startsWith('+++ ')) {
      // `--- a/X` names the file before, `+++ b/X` after; /dev/null when there is none.
      const name = line.slice(4) === '/dev/null' ? undefined : line.slice(6);
      if (name !== undefined && name !== pending) {
        cur.files.delete(pending!);
        pending = name;
        file = fileOf(cur, name);
      }
    }
  }
  if (cur) yield cur;
}

function fileOf(c: CommitPatch, path: string): FilePatch {
  let f = c.files.get(path);
  if (!f) c.files.set(path, (f = { lines: [] }));
  return f;
}

/** One file's counts from `git diff --numstat`: lines added and removed (0 for binary files). */
export interface NumStat {
  added: number;
  removed: number;
}

/** `git diff --numstat` output → path → counts. */
export async function readNumstat(lines: AsyncIterable<string> | Iterable<string>): Promise<Map<string, NumStat>> {
  const out = new Map<string, NumStat>();
  for await (const line of lines) {
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[3]!, { added: m[1] === '-' ? 0 : Number(m[1]), removed: m[2] === '-' ? 0 : Number(m[2]) });
  }
  return out;
}

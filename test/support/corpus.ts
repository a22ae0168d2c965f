/**
 * The real-data corpus: 101 versions of the root zone from February–March
 * 2018, a git bundle in the repository (test/fixtures/root-zone-2018.bundle,
 * see test/fixtures/README.md). It is cloned into a cache directory under
 * os.tmpdir() (see cloneCorpus); nothing is ever written next to the bundle.
 *
 * Each `root.zone` is `dig AXFR .` output: the SOA first and again as the last
 * line. NSD refuses a file with the SOA twice ("this SOA record was already
 * encountered"), so prepareRootZone() drops that trailing copy (and comment
 * lines, of which the 2018 files have none); everything else is left as is.
 * BIND, Knot and NSD then all load it with the options of servers.ts.
 *
 * Not every version is alike (checked in corpus.test.ts):
 * - versions 1–5 (2018-01-29/30) keep their 2,945 RRSIGs, do not repeat the
 *   SOA at the end, and spell some owners in upper case (HAMBURG., SAP., …);
 * - version 6 (2018-01-30T18:01) has its 1,601 IDN names as raw UTF-8 (the
 *   dig that captured it printed U-labels) instead of xn-- labels: BIND and
 *   NSD load those bytes as they are, Knot refuses the file ("invalid domain
 *   name character");
 * - versions 7–101 are plain: ASCII, no RRSIG, SOA first and last.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: the nearest folder up with a package.json (from test/support, or from its build under dist/). */
function repoRoot(): string {
  for (let d = path.dirname(fileURLToPath(import.meta.url)); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) throw new Error('no package.json above test/support');
  }
}

/** The bundle, in the repository. */
export const ROOT_BUNDLE = path.join(repoRoot(), 'test', 'fixtures', 'root-zone-2018.bundle');

export interface CorpusCommit {
  /** Full commit id. */
  commit: string;
  /** When this version of the root zone was captured (the commit's author date). */
  date: Date;
}

function git(args: string[], encoding: BufferEncoding = 'utf8'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { maxBuffer: 256 << 20, encoding }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * The clone lives in a cache directory under os.tmpdir() named after the
 * bundle's path, size and mtime and the user, shared by every process of that
 * user: cloned once per machine (into a temporary name, then renamed into place, so concurrent test
 * files never see half a clone) and left there for the next run. Treat it as
 * read-only: read versions with readRootZoneAt(), never check one out.
 */
function cacheDir(bundle: string): string {
  const st = fs.statSync(bundle);
  const id = `${bundle}\0${st.size}\0${st.mtimeMs}\0${process.getuid?.() ?? ''}`;
  const key = createHash('sha256').update(id).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `zonelog-root2018-cache-${key}`);
}

let cloned: string | undefined;

/**
 * Clones the bundle (once; cached, see above) and returns the clone's directory.
 * Synchronous, so that the replay's helpers can use it too; it blocks once per process.
 */
export function corpusClone(): string {
  if (cloned) return cloned;
  const dir = cacheDir(ROOT_BUNDLE);
  const clone = path.join(dir, 'root2018');
  if (!fs.existsSync(path.join(clone, 'root.zone'))) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(dir, 'clone-'));
    try {
      execFileSync('git', ['clone', '-q', ROOT_BUNDLE, path.join(tmp, 'root2018')], { stdio: 'pipe' });
      try {
        fs.renameSync(path.join(tmp, 'root2018'), clone);
      } catch (err) {
        // Another process got there first: use its clone.
        if (!fs.existsSync(path.join(clone, 'root.zone'))) throw err;
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return (cloned = clone);
}

async function cloneCorpus(): Promise<string> {
  return corpusClone();
}

/** The newest version's root.zone as captured (`dig AXFR` output); read it, never write it. */
export async function newestRootZoneFile(): Promise<string> {
  return path.join(await cloneCorpus(), 'root.zone');
}

/** Every version in the corpus, oldest first. */
export async function listRootZoneCommits(): Promise<CorpusCommit[]> {
  const dir = await cloneCorpus();
  const out = await git(['-C', dir, 'log', '--reverse', '--format=%H %aI']);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [commit, iso] = line.split(' ');
      return { commit: commit!, date: new Date(iso!) };
    });
}

/**
 * The text of root.zone at `rev` (a commit id, or any revision git
 * understands), exactly as committed. Decoded as UTF-8 by default (all 101
 * versions are valid UTF-8); 'latin1' gives one char per byte.
 */
export async function readRootZoneAt(rev = 'HEAD', encoding: BufferEncoding = 'utf8'): Promise<string> {
  const dir = await cloneCorpus();
  return git(['-C', dir, 'show', `${rev}:root.zone`], encoding);
}

/**
 * `dig AXFR` output made loadable by every server: drops comment lines and a
 * last record that repeats the first (the closing SOA of the transfer).
 * Every other line is kept byte for byte.
 */
export function servableZoneText(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith(';'));
  const fields = (line: string) => line.trim().split(/\s+/).join(' ');
  if (lines.length > 1 && fields(lines[lines.length - 1]!) === fields(lines[0]!)) lines.pop();
  return lines.map((line) => `${line}\n`).join('');
}

const prepared = new Map<string, Promise<string>>();

/**
 * Path of a root zone file (the version at `rev`, default the newest) that
 * BIND, Knot and NSD all load. Written once per version into the cache
 * directory next to the clone; do not modify it.
 */
export function prepareRootZone(rev = 'HEAD'): Promise<string> {
  let file = prepared.get(rev);
  if (!file) {
    file = (async () => {
      const dir = await cloneCorpus();
      const commit = (await git(['-C', dir, 'rev-parse', '--verify', `${rev}^{commit}`])).trim();
      const out = path.join(path.dirname(dir), `root-${commit}.zone`);
      if (fs.existsSync(out)) return out;
      const tmp = `${out}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      // latin1 both ways: every byte is kept as it is, whatever the encoding.
      await writeFile(tmp, servableZoneText(await readRootZoneAt(commit, 'latin1')), 'latin1');
      await rename(tmp, out);
      return out;
    })();
    prepared.set(rev, file);
    file.catch(() => prepared.delete(rev));
  }
  return file;
}

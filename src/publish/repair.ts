/**
 * Which archived zones no longer hold what index.json says (DESIGN §5): a zone
 * file edited by hand and committed keeps its index entry, so its text's SHA-256
 * no longer starts with the entry's digest. Such a zone is rewritten when this
 * scan has it.
 *
 * In a repository the files' git blob ids name their content, so a digest once
 * computed for a list of blob ids is kept (in the git directory, never committed)
 * and the files are read again only when git says they changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ArchiveIndex } from '../archive/writer.js';
import { sortParts } from '../archive/layout.js';
import { gitRun } from '../git/git.js';
import { writeAtomic } from '../fs/atomic.js';

export interface RepoForRepair {
  repoDir: string;
  gitDir: string;
  /** The archive relative to the repository. */
  rel: string;
  env: Record<string, string | undefined>;
}

const CACHE = 'zonelog-digests';

/** The files of a zone's entry, in the order their texts join. */
function filesOf(entryPath: string, listing: (folder: string) => string[]): string[] {
  if (!entryPath.endsWith('/')) return [entryPath];
  const parts = listing(entryPath)
    .filter((f) => f.endsWith('.zone'))
    .map((f) => f.slice(0, -5));
  return sortParts(parts).map((stem) => `${entryPath}${stem}.zone`);
}

async function digestOfFiles(archiveDir: string, files: string[]): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for (const f of files) hash.update(await fs.promises.readFile(path.join(archiveDir, f)));
  } catch {
    return undefined;
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The zones to rewrite, and (in a repository) the digests known by blob ids after
 * this check, which rememberDigests then adds to without reading the cache again.
 */
export async function zonesToRepair(
  archiveDir: string,
  index: ArchiveIndex,
  zones: Iterable<string>,
  repo?: RepoForRepair,
): Promise<{ repair: Set<string>; digests?: Map<string, string> }> {
  const out = new Set<string>();
  const wanted = [...zones].filter((z) => index.zones[z]);
  if (wanted.length === 0) return { repair: out };
  if (!repo) {
    for (const z of wanted) {
      const e = index.zones[z]!;
      const files = filesOf(e.path, (folder) => safeList(path.join(archiveDir, folder)));
      if ((await digestOfFiles(archiveDir, files)) !== e.digest) out.add(z);
    }
    return { repair: out };
  }
  const { blobs, folders } = await blobIds(repo);
  const cache = readCache(repo);
  let added = false;
  const used = new Map<string, string>();
  for (const z of wanted) {
    const e = index.zones[z]!;
    const files = filesOf(e.path, (folder) => folders.get(folder) ?? []);
    const ids = files.map((f) => blobs.get(f));
    if (files.length === 0 || ids.some((id) => id === undefined)) {
      out.add(z);
      continue;
    }
    const key = ids.join(',');
    let digest = cache.get(key);
    if (digest === undefined) {
      digest = await digestOfFiles(archiveDir, files);
      if (digest === undefined) {
        out.add(z);
        continue;
      }
      added = true;
    }
    used.set(key, digest);
    if (digest !== e.digest) out.add(z);
  }
  if (added || used.size !== cache.size) await writeCache(repo, used);
  return { repair: out, digests: used };
}

/**
 * After a commit: the files of these zones are the texts publish just wrote or
 * checked, so their digests are index.json's; noted for the next run.
 */
export async function rememberDigests(index: ArchiveIndex, zones: Iterable<string>, repo: RepoForRepair, known?: Map<string, string>): Promise<void> {
  const { blobs, folders } = await blobIds(repo);
  const cache = new Map(known ?? readCache(repo));
  for (const z of zones) {
    const e = index.zones[z];
    if (!e) continue;
    const files = filesOf(e.path, (folder) => folders.get(folder) ?? []);
    const ids = files.map((f) => blobs.get(f));
    if (files.length > 0 && ids.every((id) => id !== undefined)) cache.set(ids.join(','), e.digest);
  }
  await writeCache(repo, cache);
}

/** Blob ids of the archive's files as git's index has them (the tree is clean: checked before). */
async function blobIds(repo: RepoForRepair): Promise<{ blobs: Map<string, string>; folders: Map<string, string[]> }> {
  const prefix = repo.rel === '.' ? '' : repo.rel + '/';
  const blobs = new Map<string, string>();
  const folders = new Map<string, string[]>();
  const listing = await gitRun(repo.repoDir, repo.env).raw(['ls-files', '-s', '-z', '--', repo.rel]);
  for (const rec of listing.split('\0')) {
    const m = /^\d+ ([0-9a-f]+) \d\t(.*)$/s.exec(rec);
    if (!m || !m[2]!.startsWith(prefix)) continue;
    const file = m[2]!.slice(prefix.length);
    blobs.set(file, m[1]!);
    const slash = file.indexOf('/');
    if (slash > 0) {
      const folder = file.slice(0, slash + 1);
      const list = folders.get(folder) ?? [];
      list.push(file.slice(slash + 1));
      folders.set(folder, list);
    }
  }
  return { blobs, folders };
}

function readCache(repo: RepoForRepair): Map<string, string> {
  const cache = new Map<string, string>();
  try {
    for (const line of fs.readFileSync(path.join(repo.gitDir, CACHE), 'latin1').split('\n')) {
      const [k, v] = line.split(' ');
      if (k && v && /^[0-9a-f]{16}$/.test(v)) cache.set(k, v);
    }
  } catch {
    /* none yet */
  }
  return cache;
}

/** Best effort: the cache only saves reading files again. */
async function writeCache(repo: RepoForRepair, cache: Map<string, string>): Promise<void> {
  await writeAtomic(path.join(repo.gitDir, CACHE), [[...cache].map(([k, v]) => `${k} ${v}\n`).join('')], false).catch(() => {});
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

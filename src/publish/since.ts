/**
 * Since when each zone is in the archive, for an index written before it kept
 * that (`since` in index.json): the date of the newest commit that added the
 * zone's current file (or the apex part of its folder), read from git once.
 */
import path from 'node:path';
import { gitRun } from '../git/git.js';
import { APEX_PART } from '../archive/layout.js';
import { readIndex, type ArchiveIndex } from '../archive/writer.js';

const MARK = '\u0001';

/** Zone → ISO date (UTC, to the second) for the zones of the current index that have no `since`; empty when none lacks it. */
export async function addedSince(
  repoDir: string,
  archiveDir: string,
  env: Record<string, string | undefined>,
  index: ArchiveIndex = readIndex(archiveDir, false),
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // The file whose addition starts the zone's presence: its single file, or its folder's apex part.
  const wanted = new Map<string, string>();
  for (const [zone, e] of Object.entries(index.zones)) {
    if (!e.since) wanted.set(e.path.endsWith('/') ? `${e.path}${APEX_PART}.zone` : e.path, zone);
  }
  if (wanted.size === 0) return out;
  const rel = path.relative(repoDir, path.resolve(archiveDir)) || '.';
  const prefix = rel === '.' ? '' : `${rel.split(path.sep).join('/')}/`;
  let log: string;
  try {
    log = await gitRun(repoDir, env).raw(['log', '--diff-filter=A', '--no-renames', `--format=${MARK}%cI`, '--name-only', '--', rel]);
  } catch {
    return out; // no commits yet: every zone is new
  }
  let date = '';
  for (const line of log.split('\n')) {
    if (line.startsWith(MARK)) date = new Date(line.slice(1)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    else if (line.startsWith(prefix)) {
      const zone = wanted.get(line.slice(prefix.length));
      // newest first: the first addition seen is the one that started this presence
      if (zone !== undefined && !out.has(zone)) out.set(zone, date);
    }
  }
  return out;
}

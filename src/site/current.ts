/**
 * index.json as the site reads it: through the archive's own parser (archive/writer.ts),
 * the one path by which zonelog reads that untrusted file. Entries whose fields are not
 * what zonelog writes are left out; at the head, the zones transferable now.
 */
import type { SimpleGit } from 'simple-git';
import { INDEX_FILE, parseIndex, type IndexZone } from '../archive/writer.js';

/** A zone of index.json, with its name; `since` as an ISO date with milliseconds, like the history's dates. */
export interface CurrentZone extends IndexZone {
  zone: string;
}

/** The zones of an index.json text; an empty map when it does not read as one. */
function currentZones(text: string): Map<string, CurrentZone> {
  const out = new Map<string, CurrentZone>();
  for (const [zone, e] of Object.entries(parseIndex(text)?.zones ?? {})) {
    out.set(zone, { ...e, zone, ...(e.since ? { since: new Date(e.since).toISOString() } : {}) });
  }
  return out;
}

/** The index at a commit; an empty map when it has none. */
export async function readIndexAt(g: SimpleGit, archive: string, rev: string): Promise<Map<string, CurrentZone>> {
  return currentZones(await g.raw(['show', `${rev}:${archive}/${INDEX_FILE}`]).catch(() => ''));
}

/** The addresses that served one version (serial and digest) of a zone. */
export interface ServedVersion {
  serial: number;
  digest: string;
  addresses: string[];
}

/** Groups of a zone's servers that served the same version, most addresses first; more than one is a disagreement. */
export function versionsServed(servers: IndexZone['servers']): ServedVersion[] {
  const groups = new Map<string, ServedVersion>();
  for (const s of servers) {
    const key = `${s.serial}/${s.digest}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { serial: s.serial, digest: s.digest, addresses: [] }));
    g.addresses.push(s.address);
  }
  return [...groups.values()].sort((a, b) => b.addresses.length - a.addresses.length || b.serial - a.serial);
}

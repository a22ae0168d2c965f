/**
 * The archive as it is now: `index.json` at a commit, read as untrusted input.
 * Fields are taken only when they have the expected shape; a zone whose name or
 * entry does not read is left out. Fields that newer versions of the index add
 * (a server's name, since when a zone is transferable, where its name came from)
 * are shown when present.
 */
import type { SimpleGit } from 'simple-git';
import { canonicalText } from '../dns/name.js';

export interface CurrentServer {
  address: string;
  serial?: number;
  digest?: string;
  /** Name server host names that have this address. */
  names: string[];
}

export interface CurrentZone {
  zone: string;
  path?: string;
  serial?: number;
  records?: number;
  servers: CurrentServer[];
  /** ISO date the index says the zone has been transferable since. */
  since?: string;
  /** Where the zone's name came from (root/TLD, arpa, public suffix, below a leaked zone). */
  source?: string;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const shortText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 255 && !/[\u0000-\u001f]/.test(v);

function server(v: unknown): CurrentServer | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as Record<string, unknown>;
  if (!shortText(s.address)) return undefined;
  const names = [...(Array.isArray(s.names) ? s.names : []), ...(s.name !== undefined ? [s.name] : [])].filter(shortText);
  return {
    address: s.address,
    ...(isCount(s.serial) ? { serial: s.serial } : {}),
    ...(typeof s.digest === 'string' && /^[0-9a-f]{1,64}$/.test(s.digest) ? { digest: s.digest } : {}),
    names: [...new Set(names)].sort(),
  };
}

/** The zones of an index.json text; an empty map when it does not read. */
function parseIndex(text: string): Map<string, CurrentZone> {
  const out = new Map<string, CurrentZone>();
  let idx: unknown;
  try {
    idx = JSON.parse(text);
  } catch {
    return out;
  }
  const zones = idx && typeof idx === 'object' ? (idx as { zones?: unknown }).zones : undefined;
  if (!zones || typeof zones !== 'object') return out;
  for (const [name, v] of Object.entries(zones as Record<string, unknown>)) {
    let zone: string;
    try {
      zone = canonicalText(name);
    } catch {
      continue;
    }
    if (zone !== name || !v || typeof v !== 'object') continue;
    const e = v as Record<string, unknown>;
    const since = typeof e.since === 'string' && !Number.isNaN(Date.parse(e.since)) ? new Date(e.since).toISOString() : undefined;
    out.set(zone, {
      zone,
      ...(shortText(e.path) ? { path: e.path } : {}),
      ...(isCount(e.serial) ? { serial: e.serial } : {}),
      ...(isCount(e.records) ? { records: e.records } : {}),
      servers: (Array.isArray(e.servers) ? e.servers : []).map(server).filter((s): s is CurrentServer => s !== undefined),
      ...(since ? { since } : {}),
      ...(shortText(e.source) ? { source: e.source } : {}),
    });
  }
  return out;
}

/** The index at a commit; an empty map when it has none. */
export async function readIndexAt(g: SimpleGit, archive: string, rev: string): Promise<Map<string, CurrentZone>> {
  const text = await g.raw(['show', `${rev}:${archive}/index.json`]).catch(() => '');
  return parseIndex(text);
}

/** Groups of servers that served the same version (serial and digest); more than one is a disagreement. */
export function versionsServed(z: CurrentZone): { serial?: number; digest?: string; servers: CurrentServer[] }[] {
  const groups = new Map<string, { serial?: number; digest?: string; servers: CurrentServer[] }>();
  for (const s of z.servers) {
    const key = `${s.serial ?? ''}/${s.digest ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { serial: s.serial, digest: s.digest, servers: [] }));
    g.servers.push(s);
  }
  return [...groups.values()].sort((a, b) => b.servers.length - a.servers.length || (b.serial ?? 0) - (a.serial ?? 0));
}

/**
 * Merging one scan's results (its shards) into a decision per zone (docs/architecture.md §7.1, §7.2):
 * which version to archive, which addresses allowed transfer, and whether the
 * evidence says the zone is gone.
 */
import path from 'node:path';
import type { ReadReport, ReadTarget } from '../scan/results.js';
import { newestSerial } from '../dns/serial.js';
import { isSourceName } from '../scan/sources/source.js';
import { compareAddresses, type Version, type ZoneDecision } from '../archive/decision.js';

type Target = ReadTarget & { dir: string };

const REFUSALS = new Set(['refused', 'notauth']);
/** Outcomes where a server did answer something other than the zone or a refusal. */
const OTHER_ANSWERS = new Set(['notimp', 'servfail', 'formerr', 'other-rcode', 'malformed', 'limit']);
/** Outcomes that say nothing definite but may follow zone data (a server that was sending the zone). */
const PARTIAL_ANSWERS = new Set(['truncated', 'reset']);

/** All targets of all results directories, each (zone, address) once (shards do not overlap; if they do, a transfer wins). */
export function mergeTargets(results: ReadReport[]): Map<string, Target[]> {
  const byKey = new Map<string, Target>();
  for (const r of results) {
    for (const t of r.targets) {
      const key = `${t.zone} ${t.address}`;
      const prev = byKey.get(key);
      if (!prev || (prev.outcome !== 'transferred' && t.outcome === 'transferred')) byKey.set(key, { ...t, dir: r.dir });
    }
  }
  const byZone = new Map<string, Target[]>();
  for (const t of byKey.values()) {
    const list = byZone.get(t.zone) ?? [];
    list.push(t);
    byZone.set(t.zone, list);
  }
  return byZone;
}

/**
 * The decision for one zone. The version: highest serial (RFC 1982), then the one
 * most addresses served, then the one the lowest address served.
 */
export function decideZone(zone: string, targets: Target[]): ZoneDecision {
  const versions = new Map<string, Version>();
  const refusing: string[] = [];
  const unsure: string[] = [];
  const answered: string[] = [];
  let otherAnswers = 0;
  const names = new Map<string, string[]>();
  for (const t of targets) {
    const address = t.address;
    if (t.outcome === 'transferred' && t.sha256 && t.file && t.serial !== undefined) {
      names.set(address, [...new Set([...(names.get(address) ?? []), ...(t.nameServers ?? [])])].sort());
      let v = versions.get(t.sha256);
      if (!v) {
        v = { serial: t.serial, sha256: t.sha256, file: path.join(t.dir, t.file), dir: t.dir, rel: t.file, records: t.records ?? 0, addresses: [] };
        versions.set(t.sha256, v);
      }
      v.addresses.push(address);
    } else if (REFUSALS.has(t.outcome)) {
      refusing.push(address);
      answered.push(address);
    } else if (OTHER_ANSWERS.has(t.outcome)) {
      otherAnswers++;
      answered.push(address);
    } else {
      if (PARTIAL_ANSWERS.has(t.outcome)) otherAnswers++;
      unsure.push(address);
    }
  }
  refusing.sort(compareAddresses);
  unsure.sort(compareAddresses);
  answered.sort(compareAddresses);
  if (versions.size === 0) {
    // docs/architecture.md §7.2: gone only when every address that answered refused, and one did
    // (a truncated or reset transfer may have been sending the zone: not a refusal).
    if (refusing.length > 0 && otherAnswers === 0) return { kind: 'refused', zone, refusing, answered: refusing.length };
    return { kind: 'unknown', zone, refusing, unsure };
  }
  for (const v of versions.values()) v.addresses.sort(compareAddresses);
  const list = [...versions.values()].sort(compareVersions);
  const serving = list.flatMap((v) => v.addresses.map((address) => ({ address, serial: v.serial }))).sort((a, b) => compareAddresses(a.address, b.address));
  // Shards agree on a zone's source; the first valid one stands for all (results are untrusted).
  const source = targets.map((t) => t.source).find(isSourceName);
  return {
    kind: 'transferred',
    zone,
    chosen: list[0]!,
    versions: list,
    serving,
    refusing,
    unsure,
    answered,
    departed: [],
    names,
    ...(source ? { source } : {}),
  };
}

/** What this publish knows beyond the targets: whether every shard is here, and what discovery found. */
export interface Evidence {
  /** Every shard of the scan is here and --partial was not given: only then may a zone leave. */
  complete: boolean;
  /** Per zone, the addresses discovery found (all shards); undefined when a report does not say. */
  zoneAddresses?: Map<string, Set<string>>;
}

/**
 * Weighs each decision against the archive's current version (DESIGN §5). A zone
 * refused this scan leaves only when the set of shards is complete and every
 * address that allowed its transfer in the archive was asked and refused, or is no
 * longer one of the zone's addresses per this scan's discovery; otherwise it stays
 * ('unknown', with the reason). A transferred zone learns which of its archived
 * addresses discovery no longer lists.
 */
export function weighEvidence(
  decisions: ZoneDecision[],
  byZone: Map<string, Target[]>,
  archived: (zone: string) => { address: string }[] | undefined,
  e: Evidence,
): ZoneDecision[] {
  return decisions.map((d) => {
    const servers = archived(d.zone);
    const found = e.zoneAddresses?.get(d.zone);
    const departedFrom = (a: string) => found !== undefined && !found.has(a);
    if (d.kind === 'transferred') return { ...d, departed: (servers ?? []).map((s) => s.address).filter(departedFrom) };
    if (d.kind !== 'refused' || !servers) return d;
    if (!e.complete) return { kind: 'unknown', zone: d.zone, refusing: d.refusing, unsure: [], why: 'not every shard of the scan was published' };
    const outcome = new Map((byZone.get(d.zone) ?? []).map((t) => [t.address, t.outcome]));
    for (const s of servers) {
      const o = outcome.get(s.address);
      if (o !== undefined && REFUSALS.has(o)) continue;
      if (departedFrom(s.address)) continue;
      return {
        kind: 'unknown',
        zone: d.zone,
        refusing: d.refusing,
        unsure: [],
        why: `${s.address} allowed transfer and ${o === undefined ? 'was not asked' : `gave ${o}`}`,
      };
    }
    return d;
  });
}

/** Newest first; then most addresses; then lowest address. */
function compareVersions(a: Version, b: Version): number {
  if (a.serial !== b.serial) {
    const newest = newestSerial([a.serial, b.serial]);
    return newest === a.serial ? -1 : 1;
  }
  if (a.addresses.length !== b.addresses.length) return b.addresses.length - a.addresses.length;
  return compareAddresses(a.addresses[0]!, b.addresses[0]!);
}

/**
 * Merging one scan's results (its shards) into a decision per zone (DESIGN §5):
 * which version to archive, which addresses allowed transfer, and whether the
 * evidence says the zone is gone.
 */
import path from 'node:path';
import type { ReadResults, TargetResult } from '../scan/results.js';
import { newestSerial } from '../dns/serial.js';
import { normalizeAddress } from '../scan/targets.js';
import { isSourceName, type SourceName } from '../scan/sources/source.js';

/** The version of a zone some addresses served. */
export interface Version {
  serial: number;
  sha256: string;
  /** Absolute path of its canonical text in a results directory. */
  file: string;
  records: number;
  addresses: string[];
}

/** One address that allowed transfer, as index.json keeps it. */
export interface ServingAddress {
  address: string;
  serial: number;
}

export type ZoneDecision =
  | {
      kind: 'transferred';
      zone: string;
      chosen: Version;
      /** Every distinct version seen, newest first; more than one means the servers disagree. */
      versions: Version[];
      serving: ServingAddress[];
      /** Addresses with a definite refusal this scan. */
      refusing: string[];
      /** Addresses whose outcome says nothing (timeouts, unreachable, resets, skipped). */
      unsure: string[];
      /** The source that found the zone (src/scan/sources/source.ts), when the results say. */
      source?: SourceName;
    }
  | { kind: 'refused'; zone: string; refusing: string[]; answered: number }
  | { kind: 'unknown'; zone: string; refusing: string[]; unsure: string[] };

const REFUSALS = new Set(['refused', 'notauth']);
/** Outcomes where a server did answer something other than the zone or a refusal. */
const OTHER_ANSWERS = new Set(['notimp', 'servfail', 'formerr', 'other-rcode', 'malformed', 'limit']);

/** All targets of all results directories, each (zone, address) once (shards do not overlap; if they do, a transfer wins). */
export function mergeTargets(results: Extract<ReadResults, { ok: true }>[]): Map<string, (TargetResult & { dir: string })[]> {
  const byKey = new Map<string, TargetResult & { dir: string }>();
  for (const r of results) {
    for (const t of r.report.targets) {
      const key = `${t.zone} ${normalizeAddress(t.address)}`;
      const prev = byKey.get(key);
      if (!prev || (prev.outcome !== 'transferred' && t.outcome === 'transferred')) byKey.set(key, { ...t, dir: r.dir });
    }
  }
  const byZone = new Map<string, (TargetResult & { dir: string })[]>();
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
export function decideZone(zone: string, targets: (TargetResult & { dir: string })[]): ZoneDecision {
  const versions = new Map<string, Version>();
  const refusing: string[] = [];
  const unsure: string[] = [];
  let otherAnswers = 0;
  for (const t of targets) {
    const address = normalizeAddress(t.address);
    if (t.outcome === 'transferred' && t.sha256 && t.file && t.serial !== undefined) {
      let v = versions.get(t.sha256);
      if (!v) {
        v = { serial: t.serial, sha256: t.sha256, file: path.join(t.dir, t.file), records: t.records ?? 0, addresses: [] };
        versions.set(t.sha256, v);
      }
      v.addresses.push(address);
    } else if (REFUSALS.has(t.outcome)) refusing.push(address);
    else if (OTHER_ANSWERS.has(t.outcome)) otherAnswers++;
    else unsure.push(address);
  }
  refusing.sort(compareAddresses);
  unsure.sort(compareAddresses);
  if (versions.size === 0) {
    // DESIGN §5: gone only when every address that answered refused, and one did.
    if (refusing.length > 0 && otherAnswers === 0) return { kind: 'refused', zone, refusing, answered: refusing.length };
    return { kind: 'unknown', zone, refusing, unsure };
  }
  for (const v of versions.values()) v.addresses.sort(compareAddresses);
  const list = [...versions.values()].sort(compareVersions);
  const serving = list.flatMap((v) => v.addresses.map((address) => ({ address, serial: v.serial }))).sort((a, b) => compareAddresses(a.address, b.address));
  // Shards agree on a zone's source; the first valid one stands for all (results are untrusted).
  const source = targets.map((t) => t.source).find(isSourceName);
  return { kind: 'transferred', zone, chosen: list[0]!, versions: list, serving, refusing, unsure, ...(source ? { source } : {}) };
}

/** Newest first; then most addresses; then lowest address. */
export function compareVersions(a: Version, b: Version): number {
  if (a.serial !== b.serial) {
    const newest = newestSerial([a.serial, b.serial]);
    return newest === a.serial ? -1 : 1;
  }
  if (a.addresses.length !== b.addresses.length) return b.addresses.length - a.addresses.length;
  return compareAddresses(a.addresses[0]!, b.addresses[0]!);
}

/** IPv4 before IPv6, each in numeric order. */
export function compareAddresses(a: string, b: string): number {
  return Buffer.compare(addressKey(a), addressKey(b));
}

/** Sort keys of the addresses seen so far: a scan has a few thousand, each compared many times. */
const ADDRESS_KEYS = new Map<string, Buffer>();

function addressKey(a: string): Buffer {
  let key = ADDRESS_KEYS.get(a);
  if (!key) ADDRESS_KEYS.set(a, (key = computeAddressKey(a)));
  return key;
}

function computeAddressKey(a: string): Buffer {
  if (a.includes(':')) {
    const full = normalizeAddress(a);
    const [head, tail] = full.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const out = Buffer.alloc(17);
    out[0] = 6;
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), 1 + 2 * i));
    return out;
  }
  return Buffer.from([4, ...a.split('.').map(Number)]);
}


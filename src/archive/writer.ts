/**
 * Writing `archive/` (docs/architecture.md §7): zone files (split into folders past a size),
 * `index.json` and `README.md`, with nothing that changes unless the world did.
 *
 * All new files are first written in full under temporary names; then a journal
 * listing the renames and removals is written atomically; then they are applied
 * and the journal removed. A run killed before the journal exists leaves the
 * archive as it was (temporary files are swept next time); one killed after is
 * rolled forward by the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { TEMP_SUFFIX, tempPathFor, writeAtomic } from '../fs/atomic.js';
import { compareAddresses, type ServingAddress, type ZoneDecision } from './decision.js';
import net from 'node:net';
import { canonicalText, labels, textToName } from '../dns/name.js';
import { normalizeAddress } from '../scan/targets.js';
import { SIMPLE_NAME } from '../scan/results.js';
import { compareSerial } from '../dns/serial.js';
import { APEX_PART, compareZoneNames, firstByteBelowApex, partStem, sortParts, zoneFile, zoneFolder, zoneOfArchivePath } from './layout.js';
import { SIGNATURE_CHURN, typeName } from '../dns/types.js';
import { isSourceName, type SourceName } from '../scan/sources/source.js';

export const INDEX_FILE = 'index.json';
export const README_FILE = 'README.md';

interface IndexServer extends ServingAddress {
  /** First 16 hex digits of the SHA-256 of the text this address served. */
  digest: string;
  /** The names of the zone's name servers at this address (`ns1.nic.ba.`), when the scan said. */
  names?: string[];
}

export interface IndexZone {
  /** File (`ba.zone`) or folder (`com/`) relative to the archive. */
  path: string;
  serial: number;
  records: number;
  bytes: number;
  digest: string;
  /** Addresses that allowed transfer, with what they served. */
  servers: IndexServer[];
  /**
   * The time of the scan that added the zone, this time (it is new again after a
   * removal): the one date in the index, which changes only when the zone comes back.
   */
  since?: string;
  /** Which source of the scan found the zone (src/scan/sources/source.ts). */
  source?: SourceName;
}

export interface ArchiveIndex {
  format: 1;
  /** Whether RRSIG, NSEC and NSEC3 are kept; when not, `omitted` lists them. */
  dnssec: boolean;
  omitted: string[];
  zones: Record<string, IndexZone>;
}

export type ZoneChange =
  | { kind: 'added'; zone: string; serial: number; records: number; paths: string[] }
  | { kind: 'changed'; zone: string; from: number; to: number; paths: string[] }
  | { kind: 'servers'; zone: string; before: number; after: number }
  | { kind: 'removed'; zone: string; refusing: number; answered: number; paths: string[] };

export interface PublishPlanOptions {
  splitBytes: number;
  dnssec: boolean;
  /** Zones whose archived text no longer matches index.json's digest: rewritten when this scan has them. */
  repair?: ReadonlySet<string>;
  /**
   * What each version holds, checked against its file (serial, records), by SHA-256;
   * for a version to be placed, its size and the checked copy of its text, a
   * temporary file in the archive (publish writes it as it checks the text).
   */
  checked?: ReadonlyMap<string, { serial: number; records: number; bytes?: number; copy?: string }>;
  /** The index before this scan, when the caller has read it already. */
  previous?: ArchiveIndex;
  /** The scan's time: a zone added now is in the archive since then. */
  scanTime?: Date;
  /** `since` of zones the index has without one (an index written before it kept it), from git. */
  sinceOf?: Map<string, string>;
}

interface Journal {
  renames: [string, string][];
  removals: string[];
}

/** The journal being built, and the writes of the files it will rename. */
interface StagingJournal extends Journal {
  pending: Promise<unknown>[];
}

export function journalPath(archiveDir: string): string {
  return `${path.resolve(archiveDir)}.journal.json`;
}

export function emptyIndex(dnssec: boolean): ArchiveIndex {
  return { format: 1, dnssec, omitted: dnssec ? [] : [...SIGNATURE_CHURN].map(typeName).sort(), zones: {} };
}

export function readIndex(archiveDir: string, dnssec: boolean): ArchiveIndex {
  let text: string;
  try {
    text = fs.readFileSync(path.join(archiveDir, INDEX_FILE), 'utf8');
  } catch {
    return emptyIndex(dnssec); // no archive yet
  }
  const problems: string[] = [];
  const index = parseIndex(text, problems);
  // Never guess: an index that cannot be read would make every zone file look unlisted.
  if (!index || problems.length > 0) {
    throw new IndexError(
      `${path.join(archiveDir, INDEX_FILE)} is not an index zonelog wrote (${problems[0] ?? 'not JSON of format 1'}); restore it from git (git checkout -- ${path.join(path.basename(archiveDir), INDEX_FILE)}) and run again`,
    );
  }
  return index;
}

/** index.json cannot be read as an index: the message says what to do. */
class IndexError extends Error {}

/**
 * index.json read as untrusted input: entries whose zone is not a domain name or
 * whose fields are not what zonelog writes are left out, zone names normalized,
 * and each path derived from the zone's name (file or folder, as the entry says),
 * never taken from the text. Undefined when it is not an index at all.
 */
export function parseIndex(text: string, problems: string[] = []): ArchiveIndex | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = raw as Partial<ArchiveIndex> | null;
  if (!r || r.format !== 1 || typeof r.zones !== 'object' || r.zones === null) return undefined;
  const dnssec = r.dnssec === true;
  const zones: Record<string, IndexZone> = {};
  const isUint = (v: unknown, max = 0xffffffff) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  const isDigest = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
  for (const [key, e] of Object.entries(r.zones as Record<string, Partial<IndexZone>>)) {
    let zone: string;
    try {
      zone = key.length <= 254 && SIMPLE_NAME.test(key) ? key : canonicalText(key);
    } catch {
      problems.push(`${JSON.stringify(key).slice(0, 80)} is not a zone name`);
      continue;
    }
    if (
      !e ||
      !isUint(e.serial) ||
      !isUint(e.records, Number.MAX_SAFE_INTEGER) ||
      !isUint(e.bytes, Number.MAX_SAFE_INTEGER) ||
      !isDigest(e.digest) ||
      !Array.isArray(e.servers)
    ) {
      problems.push(`the entry of ${zone} is not one zonelog writes`);
      continue;
    }
    const servers: IndexServer[] = [];
    for (const sv of e.servers) {
      if (!sv || typeof sv.address !== 'string' || net.isIP(sv.address) === 0 || !isUint(sv.serial) || !isDigest(sv.digest)) {
        problems.push(`a server of ${zone} is not one zonelog writes`);
        continue;
      }
      const names = Array.isArray(sv.names)
        ? sv.names.filter((n): n is string => typeof n === 'string' && n.length <= 254 && SIMPLE_NAME.test(n)).slice(0, 64)
        : [];
      servers.push({ address: normalizeAddress(sv.address), serial: sv.serial, digest: sv.digest, ...(names.length ? { names } : {}) });
    }
    const folder = typeof e.path === 'string' && e.path.endsWith('/');
    // The path from the name alone (layout.ts), never from the text; a plain name is its own stem.
    const stem = zone !== '.' && zone !== 'root.' && SIMPLE_NAME.test(zone) ? zone.slice(0, -1) : zoneFolder(zone);
    // `since` is the one date an entry holds: a UTC second, as isoSecond writes it.
    const since = typeof e.since === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(e.since) ? e.since : undefined;
    zones[zone] = {
      path: folder ? `${stem}/` : `${stem}.zone`,
      serial: e.serial!,
      records: e.records!,
      bytes: e.bytes!,
      digest: e.digest!,
      servers,
      ...(since ? { since } : {}),
      ...(isSourceName(e.source) ? { source: e.source } : {}),
    };
  }
  return { format: 1, dnssec, omitted: dnssec ? [] : [...SIGNATURE_CHURN].map(typeName).sort(), zones };
}

/** Finishes an interrupted publish, and removes temporary files left by a killed one. */
export function recoverArchive(archiveDir: string): void {
  const jp = journalPath(archiveDir);
  if (fs.existsSync(jp)) {
    const j = JSON.parse(fs.readFileSync(jp, 'utf8')) as Journal;
    applyJournal(j);
    fs.rmSync(jp, { force: true });
  }
  sweepTemp(archiveDir);
}

function applyJournal(j: Journal): void {
  for (const [from, to] of j.renames) {
    if (fs.existsSync(from)) {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(from, to);
    }
  }
  for (const p of j.removals) fs.rmSync(p, { recursive: true, force: true });
}

function sweepTemp(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory()) sweepTemp(path.join(dir, e.name));
    else if (e.name.endsWith(TEMP_SUFFIX)) fs.rmSync(path.join(dir, e.name), { force: true });
  }
}

/**
 * Applies the zone decisions of one scan to the archive and returns what changed
 * and the index written. `previous` is the index before this scan. The caller has
 * run recoverArchive (which would sweep the checked copies away).
 */
export async function writeArchive(
  archiveDir: string,
  decisions: ZoneDecision[],
  o: PublishPlanOptions,
): Promise<{ changes: ZoneChange[]; index: ArchiveIndex; wrote: boolean }> {
  fs.mkdirSync(archiveDir, { recursive: true });
  const previous = o.previous ?? readIndex(archiveDir, o.dnssec);
  const next: ArchiveIndex = { ...emptyIndex(o.dnssec), zones: { ...previous.zones } };
  const journal: StagingJournal = { renames: [], removals: [], pending: [] };
  const changes: ZoneChange[] = [];

  for (const d of decisions) {
    const before = previous.zones[d.zone];
    if (d.kind === 'unknown') continue;
    if (d.kind === 'refused') {
      if (!before) continue;
      delete next.zones[d.zone];
      journal.removals.push(path.join(archiveDir, before.path));
      changes.push({ kind: 'removed', zone: d.zone, refusing: d.refusing.length, answered: d.answered, paths: [before.path] });
      continue;
    }
    // Addresses that allowed transfer before and say nothing now (silent, skipped, in a
    // shard not given, excluded) keep their entry: a flapping server makes no commit
    // (docs/architecture.md §7.2). A definite answer, or discovery no longer listing the address, drops it.
    const servers: IndexServer[] = d.versions.flatMap((v) =>
      v.addresses.map((address) => {
        const names = d.names?.get(address) ?? before?.servers.find((s) => s.address === address)?.names;
        return { address, serial: v.serial, digest: v.sha256.slice(0, 16), ...(names?.length ? { names } : {}) };
      }),
    );
    const gone = new Set([...d.answered, ...d.departed]);
    const silent = new Set<string>();
    for (const s of before?.servers ?? []) {
      if (!gone.has(s.address) && !servers.some((x) => x.address === s.address)) {
        servers.push(s);
        silent.add(s.address);
      }
    }
    servers.sort((a, b) => compareAddresses(a.address, b.address));

    // Never go back to an older serial while an address that served the newer one is silent.
    const stale =
      before && compareSerial(d.chosen.serial, before.serial) === -1 && before.servers.some((s) => s.serial === before.serial && silent.has(s.address));
    const repair = o.repair?.has(d.zone) ?? false;
    const source = d.source ?? before?.source;
    if (stale || (before && before.digest === d.chosen.sha256.slice(0, 16) && !repair)) {
      const sameServers = JSON.stringify(servers) === JSON.stringify(before!.servers);
      if (!sameServers) changes.push({ kind: 'servers', zone: d.zone, before: before!.servers.length, after: servers.length });
      // An entry this scan leaves as it was stays the same object: whoever compares the two indexes sees so at once.
      next.zones[d.zone] = sameServers && source === before!.source ? before! : { ...before!, servers, ...(source ? { source } : {}) };
      continue;
    }
    const held = o.checked?.get(d.chosen.sha256);
    if (!held?.copy || held.bytes === undefined) throw new Error(`${d.zone}: its text was not checked, so it is not written`);
    const placed = await placeZone(archiveDir, d.zone, { file: held.copy, bytes: held.bytes }, o.splitBytes, journal);
    if (before && before.path !== placed.path) journal.removals.push(path.join(archiveDir, before.path));
    const since = before ? before.since : o.scanTime ? isoSecond(o.scanTime) : undefined;
    next.zones[d.zone] = {
      path: placed.path,
      serial: held.serial,
      records: held.records,
      bytes: placed.bytes,
      digest: d.chosen.sha256.slice(0, 16),
      servers,
      ...(since ? { since } : {}),
      ...(source ? { source } : {}),
    };
    changes.push(
      before
        ? { kind: 'changed', zone: d.zone, from: before.serial, to: d.chosen.serial, paths: [...new Set([before.path, placed.path])] }
        : { kind: 'added', zone: d.zone, serial: d.chosen.serial, records: d.chosen.records, paths: [placed.path] },
    );
  }

  sweepUnlisted(archiveDir, next, journal);
  for (const [zone, e] of Object.entries(next.zones)) {
    const since = e.since ?? o.sinceOf?.get(zone);
    if (since && !e.since) next.zones[zone] = { ...e, since };
  }
  const nextIndexText = indexText(next);
  const prevIndexText = fs.existsSync(path.join(archiveDir, INDEX_FILE)) ? fs.readFileSync(path.join(archiveDir, INDEX_FILE), 'utf8') : '';
  const wrote = nextIndexText !== prevIndexText || journal.renames.length > 0 || journal.removals.length > 0;
  if (wrote) {
    stage(path.join(archiveDir, INDEX_FILE), { text: nextIndexText }, journal);
    stage(path.join(archiveDir, README_FILE), { text: readmeText(next) }, journal);
    // Every file is written and flushed at once (the disk overlaps them); the journal waits for all.
    try {
      await Promise.all(journal.pending);
    } catch (e) {
      // A write failed (a full disk …): the archive is as it was; leave no temporary file behind.
      await Promise.allSettled(journal.pending);
      for (const [tmp] of journal.renames) fs.rmSync(tmp, { force: true });
      throw e;
    }
    await writeAtomic(journalPath(archiveDir), [JSON.stringify({ renames: journal.renames, removals: journal.removals })]);
    applyJournal(journal);
    fs.rmSync(journalPath(archiveDir), { force: true });
  }
  return { changes, index: next, wrote };
}

/**
 * Zone files and folders under the archive that index.json will not list (left by
 * an older version, by hand, or by an index.json edited to forget them) are
 * removed with the rest: after a run, every zone file is listed, and every listed
 * zone's file exists.
 */
function sweepUnlisted(archiveDir: string, next: ArchiveIndex, journal: StagingJournal): void {
  const listed = new Set(Object.values(next.zones).map((e) => e.path));
  for (const e of fs.readdirSync(archiveDir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const rel = e.isDirectory() ? `${e.name}/` : e.name;
    if (!e.isDirectory() && !e.name.endsWith('.zone')) continue;
    if (listed.has(rel)) continue;
    let zone: string | undefined;
    try {
      zone = zoneOfArchivePath(e.isDirectory() ? `${e.name}/x` : e.name);
    } catch {
      zone = undefined;
    }
    if (zone === undefined && e.isDirectory() && !fs.readdirSync(path.join(archiveDir, e.name)).some((f) => f.endsWith('.zone'))) continue;
    const p = path.join(archiveDir, e.name);
    if (!journal.removals.includes(p)) journal.removals.push(p);
  }
}

/**
 * Writes a temporary file beside `target`, flushed to disk, and notes the rename
 * that the journal will make; the write runs on, in `journal.pending`.
 */
function stage(target: string, content: { text: string }, journal: StagingJournal): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  journal.renames.push([tmp, target]);
  const written: Promise<unknown> = writeAtomic(tmp, [content.text], false);
  // Awaited with the others later: until then, a failure must not count as an unhandled rejection (which ends the process).
  written.catch(() => {});
  journal.pending.push(written);
}

/**
 * Stages a zone's text as one file (its checked copy, already written and flushed
 * beside the target, is renamed), or as a folder of parts past the split threshold
 * (read from the copy, which publish then removes).
 */
async function placeZone(
  archiveDir: string,
  zone: string,
  text: { file: string; bytes: number },
  splitBytes: number,
  journal: StagingJournal,
): Promise<{ path: string; bytes: number }> {
  const size = text.bytes;
  const source = text.file;
  if (size <= splitBytes) {
    const rel = zoneFile(zone);
    journal.renames.push([source, path.join(archiveDir, rel)]);
    return { path: rel, bytes: size };
  }
  const folder = zoneFolder(zone);
  const dir = path.join(archiveDir, folder);
  const apexLabels = labels(textToName(zone)).length;
  const parts = new Map<string, string[]>();
  let lastOwner = '';
  let lastStem = APEX_PART;
  const rl = readline.createInterface({ input: fs.createReadStream(source, { encoding: 'latin1' }), crlfDelay: Infinity });
  for await (const line of rl) {
    const owner = line.slice(0, line.indexOf('\t'));
    if (owner !== lastOwner) {
      lastOwner = owner;
      lastStem = partStem(firstByteBelowApex(owner, apexLabels));
    }
    let list = parts.get(lastStem);
    if (!list) parts.set(lastStem, (list = []));
    list.push(line + '\n');
  }
  // Parts that existed before and are gone now are removed with the old folder's files.
  let existing: string[] = [];
  try {
    existing = fs.readdirSync(dir).filter((f) => f.endsWith('.zone'));
  } catch {
    /* new folder */
  }
  for (const f of existing) if (!parts.has(f.slice(0, -5))) journal.removals.push(path.join(dir, f));
  for (const stem of sortParts([...parts.keys()])) stage(path.join(dir, `${stem}.zone`), { text: parts.get(stem)!.join('') }, journal);
  return { path: `${folder}/`, bytes: size };
}

/** index.json of the archive: keys in a fixed order, zones sorted, so the same archive always gives the same bytes. */
export function indexText(idx: ArchiveIndex): string {
  return JSON.stringify(sortedIndex(idx), null, 1) + '\n';
}

function sortedIndex(idx: ArchiveIndex): ArchiveIndex {
  const zones: Record<string, IndexZone> = {};
  for (const z of Object.keys(idx.zones).sort(compareZoneNames)) {
    const e = idx.zones[z]!;
    zones[z] = {
      path: e.path,
      serial: e.serial,
      records: e.records,
      bytes: e.bytes,
      digest: e.digest,
      servers: e.servers.map((s) => ({ address: s.address, ...(s.names?.length ? { names: s.names } : {}), serial: s.serial, digest: s.digest })),
      ...(e.since ? { since: e.since } : {}),
      ...(isSourceName(e.source) ? { source: e.source } : {}),
    };
  }
  return { format: 1, dnssec: idx.dnssec, omitted: idx.omitted, zones };
}

/** `2026-12-04T06:00:00Z`: a scan's time as the index keeps it. */
function isoSecond(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `ns1.nic.ba. 192.0.2.1`: an address with the names people know it by. */
function serverText(s: IndexServer): string {
  return s.names?.length ? `${s.names.map((n) => `\`${n}\``).join(' ')} \`${s.address}\`` : `\`${s.address}\``;
}

/** README.md's sections: the zones of each source, in this order; zones archived before sources were recorded last. */
const README_GROUPS: readonly [SourceName | undefined, string][] = [
  ['root', 'The root and the TLDs'],
  ['arpa', 'The arpa tree'],
  ['psl', 'Public suffixes'],
  ['leaked', 'Below leaked zones'],
  ['list', 'Listed by hand'],
  [undefined, 'Found before sources were recorded'],
];

/** README.md of the archive: the zones archived now, a table per source. */
export function readmeText(idx: ArchiveIndex): string {
  const zones = Object.keys(idx.zones).sort(compareZoneNames);
  const sections: string[] = [];
  for (const [source, title] of README_GROUPS) {
    const rows = zones
      .filter((z) => (isSourceName(idx.zones[z]!.source) ? idx.zones[z]!.source : undefined) === source)
      .map((z) => {
        const e = idx.zones[z]!;
        return `| \`${z}\` | [${e.path}](${encodeURI(e.path)}) | ${e.serial} | ${e.records} | ${e.since ? e.since.slice(0, 10) : ''} | ${e.servers.map(serverText).join(', ')} |`;
      });
    if (rows.length === 0) continue;
    sections.push(
      `## ${title} (${rows.length})`,
      '',
      '| zone | file | serial | records | since | servers that allowed transfer |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    );
  }
  return [
    '# Archived zones',
    '',
    `${zones.length} zones whose servers allow zone transfer (AXFR), as canonical text: one record per line, sorted in DNSSEC canonical order, the SOA first.`,
    idx.dnssec
      ? 'DNSSEC records are kept.'
      : `Left out: ${idx.omitted.join(', ')} (they change at every re-signing). \`index.json\` has the same table for programs.`,
    '"since" is the day (UTC) of the scan that added the zone, this time.',
    '',
    ...sections,
  ].join('\n');
}

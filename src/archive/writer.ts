/**
 * Writing `archive/` (DESIGN §5): zone files (split into folders past a size),
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
import type { ServingAddress, ZoneDecision } from '../publish/merge.js';
import { compareAddresses } from '../publish/merge.js';
import { labels, textToName } from '../dns/name.js';
import { compareSerial } from '../dns/serial.js';
import { APEX_PART, compareZoneNames, firstByteBelowApex, partStem, sortParts, zoneFile, zoneFolder } from './layout.js';
import { SIGNATURE_CHURN, typeName } from '../dns/types.js';
import { isSourceName, type SourceName } from '../scan/sources/source.js';

export const INDEX_FILE = 'index.json';
export const README_FILE = 'README.md';

export interface IndexServer extends ServingAddress {
  /** First 16 hex digits of the SHA-256 of the text this address served. */
  digest: string;
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
  try {
    const idx = JSON.parse(fs.readFileSync(path.join(archiveDir, INDEX_FILE), 'utf8')) as ArchiveIndex;
    if (idx.format === 1 && idx.zones) return idx;
  } catch {
    /* no archive yet */
  }
  return emptyIndex(dnssec);
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
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sweepTemp(p);
    else if (e.name.endsWith(TEMP_SUFFIX)) fs.rmSync(p, { force: true });
  }
}

/**
 * Applies the zone decisions of one scan to the archive and returns what changed.
 * `previous` is the index before this scan.
 */
export async function writeArchive(archiveDir: string, decisions: ZoneDecision[], o: PublishPlanOptions): Promise<ZoneChange[]> {
  fs.mkdirSync(archiveDir, { recursive: true });
  recoverArchive(archiveDir);
  const previous = readIndex(archiveDir, o.dnssec);
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
    // Addresses that allowed transfer before and say nothing now keep their entry:
    // a flapping server makes no commit (DESIGN §5).
    const servers: IndexServer[] = d.versions.flatMap((v) => v.addresses.map((address) => ({ address, serial: v.serial, digest: v.sha256.slice(0, 16) })));
    const unsure = new Set(d.unsure);
    for (const s of before?.servers ?? []) {
      if (unsure.has(s.address) && !servers.some((x) => x.address === s.address)) servers.push(s);
    }
    servers.sort((a, b) => compareAddresses(a.address, b.address));

    // Never go back to an older serial while an address that served the newer one is silent.
    const stale = before && compareSerial(d.chosen.serial, before.serial) === -1 &&
      before.servers.some((s) => s.serial === before.serial && unsure.has(s.address));
    const source = d.source ?? before?.source;
    if (stale || (before && before.digest === d.chosen.sha256.slice(0, 16))) {
      const entry = { ...before!, servers, ...(source ? { source } : {}) };
      if (JSON.stringify(entry.servers) !== JSON.stringify(before!.servers)) {
        changes.push({ kind: 'servers', zone: d.zone, before: before!.servers.length, after: servers.length });
      }
      next.zones[d.zone] = entry;
      continue;
    }
    const placed = await placeZone(archiveDir, d.zone, d.chosen.file, o.splitBytes, journal);
    if (before && before.path !== placed.path) journal.removals.push(path.join(archiveDir, before.path));
    next.zones[d.zone] = { path: placed.path, serial: d.chosen.serial, records: d.chosen.records, bytes: placed.bytes, digest: d.chosen.sha256.slice(0, 16), servers, ...(source ? { source } : {}) };
    changes.push(before
      ? { kind: 'changed', zone: d.zone, from: before.serial, to: d.chosen.serial, paths: [...new Set([before.path, placed.path])] }
      : { kind: 'added', zone: d.zone, serial: d.chosen.serial, records: d.chosen.records, paths: [placed.path] });
  }

  const nextIndexText = indexText(next);
  const prevIndexText = fs.existsSync(path.join(archiveDir, INDEX_FILE)) ? fs.readFileSync(path.join(archiveDir, INDEX_FILE), 'utf8') : '';
  if (nextIndexText !== prevIndexText || journal.renames.length > 0 || journal.removals.length > 0) {
    stage(path.join(archiveDir, INDEX_FILE), { text: nextIndexText }, journal);
    stage(path.join(archiveDir, README_FILE), { text: readmeText(next) }, journal);
    // Every file is written and flushed at once (the disk overlaps them); the journal waits for all.
    await Promise.all(journal.pending);
    await writeAtomic(journalPath(archiveDir), [JSON.stringify({ renames: journal.renames, removals: journal.removals })]);
    applyJournal(journal);
    fs.rmSync(journalPath(archiveDir), { force: true });
  }
  return changes;
}

/**
 * Writes a temporary file beside `target`, flushed to disk, and notes the rename
 * that the journal will make; the write runs on, in `journal.pending`.
 */
function stage(target: string, content: { text: string } | { copyOf: string }, journal: StagingJournal): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  journal.renames.push([tmp, target]);
  const written: Promise<unknown> = 'text' in content ? writeAtomic(tmp, [content.text], false) : copyFlushed(content.copyOf, tmp);
  // Awaited with the others later: until then, a failure must not count as an unhandled rejection (which ends the process).
  written.catch(() => {});
  journal.pending.push(written);
}

/** A byte copy (the kernel's, no text decoding), flushed to disk. */
async function copyFlushed(source: string, target: string): Promise<void> {
  await fs.promises.copyFile(source, target, fs.constants.COPYFILE_EXCL);
  const fh = await fs.promises.open(target, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Stages a zone's text as one file, or as a folder of parts past the split threshold. */
async function placeZone(archiveDir: string, zone: string, source: string, splitBytes: number, journal: StagingJournal): Promise<{ path: string; bytes: number }> {
  const size = fs.statSync(source).size;
  if (size <= splitBytes) {
    const rel = zoneFile(zone);
    stage(path.join(archiveDir, rel), { copyOf: source }, journal);
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
    zones[z] = { path: e.path, serial: e.serial, records: e.records, bytes: e.bytes, digest: e.digest, servers: e.servers.map((s) => ({ address: s.address, serial: s.serial, digest: s.digest })), ...(isSourceName(e.source) ? { source: e.source } : {}) };
  }
  return { format: 1, dnssec: idx.dnssec, omitted: idx.omitted, zones };
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
    const rows = zones.filter((z) => (isSourceName(idx.zones[z]!.source) ? idx.zones[z]!.source : undefined) === source).map((z) => {
      const e = idx.zones[z]!;
      return `| \`${z}\` | [${e.path}](${encodeURI(e.path)}) | ${e.serial} | ${e.records} | ${e.servers.map((s) => `\`${s.address}\``).join(' ')} |`;
    });
    if (rows.length === 0) continue;
    sections.push(`## ${title} (${rows.length})`, '', '| zone | file | serial | records | servers that allowed transfer |', '| --- | --- | --- | --- | --- |', ...rows, '');
  }
  return [
    '# Archived zones',
    '',
    `${zones.length} zones whose servers allow zone transfer (AXFR), as canonical text: one record per line, sorted in DNSSEC canonical order, the SOA first.`,
    idx.dnssec ? 'DNSSEC records are kept.' : `Left out: ${idx.omitted.join(', ')} (they change at every re-signing). \`index.json\` has the same table for programs.`,
    '',
    ...sections,
  ].join('\n');
}

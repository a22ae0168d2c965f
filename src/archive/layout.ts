/**
 * Where a zone lives in the archive (docs/architecture.md §7.5): `root.zone` for the root, else
 * the zone's name without its trailing dot, lowercase, with every byte outside
 * [a-z0-9-_] and every dot inside a label written %XX. A zone whose text passes
 * the split threshold becomes a folder of parts: `@.zone` for the apex's records
 * (SOA first), then one part per first byte of the label right below the apex.
 * Joining the parts in the order of those bytes, `@` first, gives the text back.
 */
import { fromLabels, labels, lowerName, nameToText, textToName } from '../dns/name.js';

const ROOT_FILE = 'root.zone';
/** A zone text larger than this (bytes) becomes a folder of parts. */
export const DEFAULT_SPLIT_BYTES = 40 * 1000 * 1000;
export const APEX_PART = '@';

const SAFE = /^[a-z0-9_-]$/;

function escapeByte(b: number): string {
  const ch = String.fromCharCode(b);
  return SAFE.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The file stem of a zone: `.` → `root`, `Ba.` → `ba`, `a\.b.` → `a%2Eb`. */
export function zoneStem(zone: string): string {
  const ls = labels(textToName(zone));
  if (ls.length === 0) return 'root';
  const stem = ls.map((l) => Array.from(l, (b) => escapeByte(b >= 0x41 && b <= 0x5a ? b | 0x20 : b)).join('')).join('.');
  // A zone literally named "root" must not take the root zone's file.
  return stem === 'root' ? '%72oot' : stem;
}

/** The file of an unsplit zone, relative to the archive. */
export function zoneFile(zone: string): string {
  return `${zoneStem(zone)}.zone`;
}

/** The folder of a split zone, relative to the archive. */
export function zoneFolder(zone: string): string {
  return zoneStem(zone);
}

/** The part stem for the byte that starts the label right below the apex. */
export function partStem(firstByte: number | undefined): string {
  return firstByte === undefined ? APEX_PART : escapeByte(firstByte);
}

/** Byte a part stem stands for; the apex part sorts first (-1). */
export function partOrder(stem: string): number {
  if (stem === APEX_PART) return -1;
  if (stem.length === 3 && stem[0] === '%') return parseInt(stem.slice(1), 16);
  return stem.charCodeAt(0);
}

/** Part stems in joining order. */
export function sortParts(stems: string[]): string[] {
  return [...stems].sort((a, b) => partOrder(a) - partOrder(b));
}

/**
 * The first byte of the label right below the apex, for one line of canonical
 * text; undefined for the apex's own records. The owner is the line's first field
 * (presentation form, escaped), and ends in the apex's text.
 */
export function firstByteBelowApex(owner: string, apexLabels: number): number | undefined {
  const ls = labels(textToName(owner));
  if (ls.length <= apexLabels) return undefined;
  const label = ls[ls.length - apexLabels - 1]!;
  const b = label[0]!;
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/**
 * The zone a path inside the archive belongs to (`ba.zone`, `com/@.zone` …), or
 * undefined for index.json, README.md and anything else: zoneFile and zoneFolder read backwards.
 */
export function zoneOfArchivePath(rest: string): string | undefined {
  const slash = rest.indexOf('/');
  let stem: string;
  if (slash >= 0) stem = rest.slice(0, slash);
  else if (rest.endsWith('.zone')) stem = rest.slice(0, -5);
  else return undefined;
  if (rest === ROOT_FILE || stem === 'root') return '.';
  // The stem's dots separate labels; %XX stands for one byte of a label (a dot inside one is %2E).
  const wire = fromLabels(
    stem.split('.').map((part) =>
      Buffer.from(
        part.replace(/%([0-9A-Fa-f]{2})/g, (_, x: string) => String.fromCharCode(parseInt(x, 16))),
        'latin1',
      ),
    ),
  );
  return nameToText(lowerName(wire));
}

/** Zones in the order a reader expects: the root first, then by name. */
export function compareZoneNames(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '.') return -1;
  if (b === '.') return 1;
  return a < b ? -1 : 1;
}

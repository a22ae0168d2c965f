/**
 * A zone file from a results directory, checked before it goes into the archive
 * (DESIGN §4, §5): results are untrusted input, so the file must be a regular file
 * inside the directory, no larger than a limit, with the SHA-256 the report gives,
 * and it must read as canonical text of the zone it is filed under: printable
 * ASCII lines of `owner TAB ttl TAB class TAB type TAB rdata`, the zone's SOA
 * first, every owner in canonical form and in the zone, owners in RFC 4034 §6.1
 * order and, per owner, types in ascending order. The serial and the record count
 * written to index.json are read here, never taken from the report.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { isInZone, lowerName, nameKey, nameToText, textToName, NameError } from '../dns/name.js';
import { SIGNATURE_CHURN, typeNumber } from '../dns/types.js';
import { openInside } from '../fs/inside.js';

/** A zone text larger than this is refused (the largest zones that allow transfer are far smaller). */
export const MAX_ZONE_FILE_BYTES = 8 * 1024 * 1024 * 1024;

export type CheckedZoneFile = { ok: true; serial: number; records: number; bytes: number } | { ok: false; error: string };

export interface ZoneFileClaim {
  dir: string;
  /** Relative to dir. */
  file: string;
  /** Normalized zone name. */
  zone: string;
  sha256: string;
  /** Whether RRSIG, NSEC and NSEC3 may appear (the scan's --dnssec). */
  dnssec: boolean;
  maxBytes?: number;
}

/** Bytes allowed in canonical text: TAB, LF and printable ASCII (everything else is escaped, RFC 1035 §5.1). */
const ALLOWED = new Uint8Array(256);
ALLOWED[0x09] = 1;
ALLOWED[0x0a] = 1;
for (let b = 0x20; b <= 0x7e; b++) ALLOWED[b] = 1;

export async function checkZoneFile(c: ZoneFileClaim): Promise<CheckedZoneFile> {
  const opened = openInside(c.dir, c.file, c.maxBytes ?? MAX_ZONE_FILE_BYTES);
  if (!opened.ok) return opened;
  const checker = new CanonicalChecker(c.zone, c.dnssec);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of fs.createReadStream('', { fd: opened.fd, highWaterMark: 1 << 20, autoClose: true }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > (c.maxBytes ?? MAX_ZONE_FILE_BYTES)) return { ok: false, error: `${c.file} grew past the size limit while being read` };
      hash.update(chunk);
      for (let i = 0; i < chunk.length; i++) {
        if (!ALLOWED[chunk[i]!]) return { ok: false, error: `${c.file} has byte 0x${chunk[i]!.toString(16).padStart(2, '0')} at offset ${bytes - chunk.length + i}: not canonical text` };
      }
      const problem = checker.add(chunk.toString('latin1'));
      if (problem) return { ok: false, error: `${c.file}: ${problem}` };
    }
  } catch (e) {
    return { ok: false, error: `${c.file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const sha = hash.digest('hex');
  if (sha !== c.sha256) return { ok: false, error: `${c.file} does not have the SHA-256 the report gives (it is ${sha.slice(0, 16)}…)` };
  const end = checker.finish();
  if (!end.ok) return { ok: false, error: `${c.file}: ${end.error}` };
  return { ok: true, serial: end.serial, records: end.records, bytes };
}

/** Checks canonical text line by line, fed in pieces. */
export class CanonicalChecker {
  private rest = '';
  private lines = 0;
  private serial: number | undefined;
  private readonly apex: Buffer;
  private lastOwner = '';
  private lastKey: Buffer | undefined;
  private lastType = -1;
  private lastLine = '';

  constructor(private readonly zone: string, private readonly dnssec: boolean) {
    this.apex = textToName(zone);
  }

  /** Adds text; returns what is wrong, if anything. */
  add(text: string): string | undefined {
    const all = this.rest + text;
    let start = 0;
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', start)) {
      const problem = this.line(all.slice(start, nl));
      if (problem) return `line ${this.lines}: ${problem}`;
      start = nl + 1;
    }
    this.rest = all.slice(start);
    return undefined;
  }

  finish(): { ok: true; serial: number; records: number } | { ok: false; error: string } {
    if (this.rest !== '') return { ok: false, error: 'the last line does not end with a line feed' };
    if (this.serial === undefined) return { ok: false, error: `empty: canonical text of ${this.zone} starts with its SOA` };
    return { ok: true, serial: this.serial, records: this.lines };
  }

  private line(line: string): string | undefined {
    this.lines++;
    const t1 = line.indexOf('\t');
    const t2 = line.indexOf('\t', t1 + 1);
    const t3 = line.indexOf('\t', t2 + 1);
    const t4 = line.indexOf('\t', t3 + 1);
    if (t1 <= 0 || t2 < 0 || t3 < 0 || t4 < 0 || t4 === line.length - 1) return 'not owner, TTL, class, type and data separated by tabs';
    const owner = line.slice(0, t1);
    if (!/^[0-9]{1,10}$/.test(line.slice(t1 + 1, t2))) return 'the TTL is not a number';
    const type = typeNumber(line.slice(t3 + 1, t4));
    if (type === undefined) return `unknown type ${line.slice(t3 + 1, t4).slice(0, 20)}`;
    if (!this.dnssec && SIGNATURE_CHURN.has(type)) return 'a DNSSEC signature record in a scan without --dnssec';
    if (this.lines === 1) {
      if (owner !== this.zone || type !== 6) return `canonical text of ${this.zone} starts with the SOA of ${this.zone}`;
      const serial = line.slice(t4 + 1).split(' ')[2];
      if (serial === undefined || !/^[0-9]{1,10}$/.test(serial) || Number(serial) > 0xffffffff) return 'the SOA has no serial';
      this.serial = Number(serial);
      this.lastOwner = owner;
      return undefined;
    }
    if (line === this.lastLine) return 'a duplicate record';
    this.lastLine = line;
    if (owner !== this.lastOwner) {
      let name: Buffer;
      try {
        name = textToName(owner);
      } catch (e) {
        if (e instanceof NameError) return `the owner is not a name (${e.message})`;
        throw e;
      }
      if (!owner.endsWith('.') || nameToText(lowerName(name)) !== owner) return `the owner ${owner.slice(0, 80)} is not in canonical form`;
      if (!isInZone(name, this.apex)) return `the owner ${owner.slice(0, 80)} is outside ${this.zone}`;
      const key = nameKey(name);
      if (this.lastKey && Buffer.compare(this.lastKey, key) >= 0) return `the owner ${owner.slice(0, 80)} is out of canonical order`;
      this.lastKey = key;
      this.lastOwner = owner;
      this.lastType = -1;
    } else if (this.lastKey === undefined) {
      // The apex's records after its SOA start the sorted part.
      this.lastKey = nameKey(this.apex);
    }
    if (type < this.lastType) return `records of ${owner.slice(0, 80)} are out of type order`;
    this.lastType = type;
    return undefined;
  }
}

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
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { isInZone, labelStarts, textToName, writeLabelsKey } from '../dns/name.js';
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

/**
 * How each byte of a label is written in canonical text (RFC 1035 §5.1, as
 * nameToText writes it): 0 as itself, 1 as `\X`, 2 as `\DDD`. Uppercase letters
 * never appear (owners are lowercase), so they are 3: not allowed at all.
 */
const WRITTEN = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if (b === 0x2e || b === 0x5c || b === 0x22) WRITTEN[b] = 1;
  else if (b <= 0x20 || b >= 0x7f || b === 0x28 || b === 0x29 || b === 0x3b || b === 0x40 || b === 0x24) WRITTEN[b] = 2;
  else if (b >= 0x41 && b <= 0x5a) WRITTEN[b] = 3;
}

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
      const problem = checker.add(chunk);
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

function equalBytes(a: Buffer, as: number, b: Buffer, bs: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/** Byte-wise comparison of a[0..an) and b[0..bn). */
function compareBytes(a: Buffer, an: number, b: Buffer, bn: number): number {
  const n = Math.min(an, bn);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return an - bn;
}

/**
 * Checks canonical text line by line, fed in chunks of bytes. It works on the
 * bytes and reuses its buffers: a zone of millions of records is checked at about
 * the speed it is read.
 */
export class CanonicalChecker {
  private rest: Buffer = Buffer.alloc(0);
  private lines = 0;
  private offset = 0;
  private serial: number | undefined;
  private readonly apex: Buffer;
  /** The previous line and owner (by reference), and the owner's sort key. */
  private readonly pl: { buf: Buffer; s: number; e: number } = { buf: Buffer.alloc(0), s: 0, e: -1 };
  private po: Buffer = Buffer.alloc(0);
  private poS = 0;
  private poE = -1;
  private key = Buffer.alloc(1024);
  private prevKey = Buffer.alloc(1024);
  private prevKeyLength = -1;
  private readonly wire = Buffer.alloc(256);
  private readonly starts = new Int32Array(256);
  private lastType = -1;

  constructor(
    private readonly zone: string,
    private readonly dnssec: boolean,
  ) {
    this.apex = textToName(zone);
  }

  /** Adds bytes; returns what is wrong, if anything. */
  add(chunk: Buffer): string | undefined {
    let start = 0;
    if (this.rest.length) {
      // The line that began in the previous chunk: joined on its own, the rest read in place.
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return this.rest.length > 1 << 20 ? `line ${this.lines + 1} is longer than 1 MiB` : undefined;
      }
      const joined = Buffer.concat([this.rest, chunk.subarray(0, nl + 1)]);
      this.rest = Buffer.alloc(0);
      const problem = this.lines_(joined, 0);
      if (problem) return problem;
      start = nl + 1;
    }
    const problem = this.lines_(chunk, start);
    if (problem) return problem;
    return this.rest.length > 1 << 20 ? `line ${this.lines + 1} is longer than 1 MiB` : undefined;
  }

  /** Every whole line of buf from start; keeps what is left after the last line feed. */
  private lines_(buf: Buffer, from: number): string | undefined {
    let start = from;
    for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      this.lines++;
      const problem = this.line(buf, start, nl);
      if (problem) return `line ${this.lines}: ${problem}`;
      this.offset += nl + 1 - start;
      start = nl + 1;
    }
    if (start < buf.length) this.rest = Buffer.from(buf.subarray(start));
    return undefined;
  }

  finish(): { ok: true; serial: number; records: number } | { ok: false; error: string } {
    if (this.rest.length) {
      const bad = this.badByte(this.rest, 0, this.rest.length);
      return { ok: false, error: bad ?? 'the last line does not end with a line feed' };
    }
    if (this.serial === undefined) return { ok: false, error: `empty: canonical text of ${this.zone} starts with its SOA` };
    return { ok: true, serial: this.serial, records: this.lines };
  }

  private badByte(buf: Buffer, s: number, e: number): string | undefined {
    for (let i = s; i < e; i++)
      if (!ALLOWED[buf[i]!]) return `byte 0x${buf[i]!.toString(16).padStart(2, '0')} at offset ${this.offset + i - s}: not canonical text`;
    return undefined;
  }

  private line(buf: Buffer, s: number, e: number): string | undefined {
    const bad = this.badByte(buf, s, e);
    if (bad) return bad;
    const t1 = buf.indexOf(0x09, s);
    const t2 = t1 < 0 || t1 >= e ? -1 : buf.indexOf(0x09, t1 + 1);
    const t3 = t2 < 0 || t2 >= e ? -1 : buf.indexOf(0x09, t2 + 1);
    const t4 = t3 < 0 || t3 >= e ? -1 : buf.indexOf(0x09, t3 + 1);
    if (t1 <= s || t4 < 0 || t4 >= e - 1) return 'not owner, TTL, class, type and data separated by tabs';
    if (t2 === t1 + 1 || t2 - t1 > 11) return 'the TTL is not a number';
    for (let i = t1 + 1; i < t2; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return 'the TTL is not a number';
    const type = this.typeOf(buf, t3 + 1, t4);
    if (type === undefined) return `unknown type ${buf.toString('latin1', t3 + 1, Math.min(t4, t3 + 21))}`;
    if (!this.dnssec && SIGNATURE_CHURN.has(type)) return 'a DNSSEC signature record in a scan without --dnssec';
    if (this.lines === 1) {
      const owner = buf.toString('latin1', s, t1);
      if (owner !== this.zone || type !== 6) return `canonical text of ${this.zone} starts with the SOA of ${this.zone}`;
      const serial = buf.toString('latin1', t4 + 1, e).split(' ')[2];
      if (serial === undefined || !/^[0-9]{1,10}$/.test(serial) || Number(serial) > 0xffffffff) return 'the SOA has no serial';
      this.serial = Number(serial);
      this.keepOwner(buf, s, t1);
      return undefined;
    }
    // The previous line and owner are kept by reference (chunks are not reused) and
    // compared byte by byte here: cheaper than a native call per line.
    const pl = this.pl;
    const sameOwner = t1 - s === this.poE - this.poS && equalBytes(buf, s, this.po, this.poS, t1 - s);
    // An exact duplicate is always the line right before (the sort puts them together).
    if (sameOwner && type === this.lastType && e - s === pl.e - pl.s && equalBytes(buf, s, pl.buf, pl.s, e - s)) return 'a duplicate record';
    pl.buf = buf;
    pl.s = s;
    pl.e = e;
    if (!sameOwner || this.prevKeyLength < 0) {
      const problem = this.ownerKey(buf, s, t1);
      if (problem) return problem;
      if (!sameOwner && this.prevKeyLength >= 0 && compareBytes(this.prevKey, this.prevKeyLength, this.key, this.keyLength) >= 0) {
        return `the owner ${buf.toString('latin1', s, Math.min(t1, s + 80))} is out of canonical order`;
      }
      const k = this.prevKey;
      this.prevKey = this.key;
      this.key = k;
      this.prevKeyLength = this.keyLength;
      this.keepOwner(buf, s, t1);
      if (!sameOwner) this.lastType = -1;
    }
    if (type < this.lastType) return `records of ${buf.toString('latin1', s, Math.min(t1, s + 80))} are out of type order`;
    this.lastType = type;
    return undefined;
  }

  private keyLength = 0;
  /** Type mnemonics seen, by a hash of their bytes; each with its bytes to confirm. */
  private readonly typeCache = new Map<number, { text: Buffer; type: number | undefined }>();

  private typeOf(buf: Buffer, s: number, e: number): number | undefined {
    let h = e - s;
    for (let i = s; i < e; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
    const hit = this.typeCache.get(h);
    if (hit && hit.text.length === e - s && equalBytes(buf, s, hit.text, 0, e - s)) return hit.type;
    const text = Buffer.from(buf.subarray(s, e));
    const type = typeNumber(text.toString('latin1'));
    this.typeCache.set(h, { text, type });
    return type;
  }

  private keepOwner(buf: Buffer, s: number, e: number): void {
    this.po = buf;
    this.poS = s;
    this.poE = e;
  }

  /** Parses the owner's text into wire form, checking it is canonical and in the zone; leaves its sort key in `key`. */
  private ownerKey(buf: Buffer, s: number, e: number): string | undefined {
    const show = () => buf.toString('latin1', s, Math.min(e, s + 80));
    if (buf[e - 1] !== 0x2e) return `the owner ${show()} is not absolute`;
    const w = this.wire;
    let labels = 0;
    let at = 0;
    if (!(e - s === 1)) {
      let labelStart = 0;
      w[0] = 0;
      at = 1;
      for (let i = s; i < e; i++) {
        let b = buf[i]!;
        let form = 0;
        if (b === 0x5c) {
          const d1 = buf[i + 1]!;
          if (d1 >= 0x30 && d1 <= 0x39) {
            if (i + 3 >= e) return `the owner ${show()} has a bad escape`;
            b = (d1 - 0x30) * 100 + (buf[i + 2]! - 0x30) * 10 + (buf[i + 3]! - 0x30);
            if (b > 255 || buf[i + 2]! < 0x30 || buf[i + 2]! > 0x39 || buf[i + 3]! < 0x30 || buf[i + 3]! > 0x39) return `the owner ${show()} has a bad escape`;
            form = 2;
            i += 3;
          } else {
            b = d1;
            form = 1;
            i += 1;
          }
          if (WRITTEN[b] !== form) return `the owner ${show()} is not in canonical form`;
        } else if (b === 0x2e) {
          const len = at - labelStart - 1;
          if (len === 0 || len > 63) return `the owner ${show()} is not a name`;
          w[labelStart] = len;
          labels++;
          labelStart = at;
          w[at++] = 0;
          if (at > 255) return `the owner ${show()} is longer than 255 octets`;
          continue;
        } else if (WRITTEN[b] !== 0) return `the owner ${show()} is not in canonical form`;
        w[at++] = b;
        if (at > 255) return `the owner ${show()} is longer than 255 octets`;
      }
    } else {
      w[0] = 0;
      at = 1;
    }
    if (!isInZone(w, this.apex, 0, at)) return `the owner ${show()} is outside ${this.zone}`;
    if (this.key.length < at * 2 + 2) this.key = Buffer.alloc(at * 2 + 2);
    this.keyLength = writeLabelsKey(w, this.starts, labelStarts(w, 0, this.starts), this.key, 0);
    void labels;
    return undefined;
  }
}

/** Below this many bytes in all, files are checked in this thread (a worker costs tens of milliseconds to start). */
const WORKER_THRESHOLD = 8 * 1024 * 1024;

/**
 * Checks many zone files, on worker threads when there is enough to check and the
 * built worker exists (running from the TypeScript sources, it does not): the
 * results in the order of the claims.
 */
export async function checkZoneFiles(claims: (ZoneFileClaim & { size: number })[]): Promise<CheckedZoneFile[]> {
  const total = claims.reduce((n, c) => n + c.size, 0);
  const script = new URL('./check-worker.js', import.meta.url);
  const threads = Math.min(os.availableParallelism(), 4, claims.length);
  if (total < WORKER_THRESHOLD || threads < 2 || !fs.existsSync(fileURLToPath(script))) {
    const out: CheckedZoneFile[] = [];
    for (const c of claims) out.push(await checkZoneFile(c));
    return out;
  }
  const out: CheckedZoneFile[] = new Array(claims.length);
  // Largest first, so that no thread is left with a big file at the end.
  const order = claims.map((c, i) => i).sort((a, b) => claims[b]!.size - claims[a]!.size);
  let next = 0;
  const run = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(script);
      const send = () => {
        const i = order[next++];
        if (i === undefined) {
          void w.terminate().then(() => resolve());
          return;
        }
        const { size: _size, ...claim } = claims[i]!;
        w.postMessage({ id: i, claim });
      };
      w.on('message', (m: { id: number; result: CheckedZoneFile }) => {
        out[m.id] = m.result;
        send();
      });
      w.on('error', reject);
      send();
    });
  await Promise.all(Array.from({ length: threads }, run));
  return out;
}

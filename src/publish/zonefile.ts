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
import { createHash } from 'node:crypto';
import { isInZone, labelCount, labelStarts, textToName, writeLabelsKey } from '../dns/name.js';
import { SIGNATURE_CHURN, typeNumber } from '../dns/types.js';
import { openInside } from '../fs/inside.js';

/** A zone text larger than this is refused (the largest zones that allow transfer are far smaller). */
const MAX_ZONE_FILE_BYTES = 8 * 1024 * 1024 * 1024;

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
  /** Where to write a copy of the bytes checked (a new file); removed again when the check fails. */
  copyTo?: string;
}

/**
 * Canonical text is printable ASCII, TAB and LF (everything else is escaped, RFC 1035 §5.1);
 * a line is `owner TAB ttl TAB class TAB type TAB rdata`.
 */
const FIELDS = 'not owner, TTL, class, type and data separated by tabs';

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

/** Bytes read at a time, into one buffer: small enough to stay in the CPU's cache while it is hashed, checked and copied. */
const CHUNK = 1 << 18;

/**
 * Checks the zone files one after the other, each in one pass: every byte is read
 * once from the descriptor openInside checked, hashed, checked as canonical text
 * and, when `copyTo` is given, written to that new file (created exclusively),
 * which is flushed to disk before this resolves. So the copy that enters the
 * archive is exactly the bytes that were checked, whatever happens to the
 * results directory meanwhile. A copy whose check failed is removed. The
 * flushes overlap on the thread pool; the results are in the order of the claims.
 * A copy that cannot be written (a full disk …) is no fault of the results: that
 * rejects, with the error of the file system, after every copy is removed.
 */
export async function checkZoneFiles(claims: ZoneFileClaim[]): Promise<CheckedZoneFile[]> {
  const out: CheckedZoneFile[] = [];
  const flushes: Promise<void>[] = [];
  const chunk = Buffer.allocUnsafeSlow(CHUNK);
  // Only the copies made here are removed: a file that was there is never touched.
  const made: string[] = [];
  const removeCopies = () => {
    for (const p of made) fs.rmSync(p, { force: true });
  };
  try {
    for (const [i, c] of claims.entries()) {
      const copy = c.copyTo === undefined ? undefined : { path: c.copyTo, fd: -1, made };
      out.push(checkOne(c, copy, chunk));
      if (copy && copy.fd >= 0) {
        const fd = copy.fd;
        flushes.push(
          flushAndClose(fd, copy.path).then(() => {
            if (!out[i]!.ok) fs.rmSync(copy.path, { force: true });
          }),
        );
      }
    }
  } catch (e) {
    await Promise.allSettled(flushes);
    removeCopies();
    throw e;
  }
  const flushed = await Promise.allSettled(flushes);
  const failed = flushed.find((f): f is PromiseRejectedResult => f.status === 'rejected');
  if (failed) {
    removeCopies();
    throw failed.reason;
  }
  return out;
}

function flushAndClose(fd: number, file: string): Promise<void> {
  return new Promise((resolve, reject) =>
    fs.fsync(fd, (err) => {
      fs.close(fd, (err2) => {
        const e = err ?? err2;
        if (e) reject(Object.assign(e, { path: e.path ?? file }));
        else resolve();
      });
    }),
  );
}

/**
 * Reads, hashes, checks and copies one file. `copy.fd` is left open (to be flushed)
 * once the copy exists; an error of the copy is thrown, with its path.
 */
function checkOne(c: ZoneFileClaim, copy: { path: string; fd: number; made: string[] } | undefined, chunk: Buffer): CheckedZoneFile {
  const maxBytes = c.maxBytes ?? MAX_ZONE_FILE_BYTES;
  const opened = openInside(c.dir, c.file, maxBytes);
  if (!opened.ok) return opened;
  const checker = new CanonicalChecker(c.zone, c.dnssec);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    if (copy) {
      copy.fd = openCopy(copy.path);
      copy.made.push(copy.path);
    }
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(opened.fd, chunk, 0, CHUNK, null);
      } catch (e) {
        return { ok: false, error: `${c.file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
      }
      if (n === 0) break;
      bytes += n;
      if (bytes > maxBytes) return { ok: false, error: `${c.file} grew past the size limit while being read` };
      const data = n === CHUNK ? chunk : chunk.subarray(0, n);
      hash.update(data);
      const problem = checker.add(data);
      if (problem) return { ok: false, error: `${c.file}: ${problem}` };
      if (copy) writeAll(copy.fd, data, copy.path);
    }
  } catch (e) {
    if (copy && copy.fd >= 0) {
      fs.closeSync(copy.fd);
      copy.fd = -1;
    }
    throw e;
  } finally {
    fs.closeSync(opened.fd);
  }
  const sha = hash.digest('hex');
  if (sha !== c.sha256) return { ok: false, error: `${c.file} does not have the SHA-256 the report gives (it is ${sha.slice(0, 16)}…)` };
  const end = checker.finish();
  if (!end.ok) return { ok: false, error: `${c.file}: ${end.error}` };
  return { ok: true, serial: end.serial, records: end.records, bytes };
}

function openCopy(p: string): number {
  return fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
}

function writeAll(fd: number, data: Buffer, file: string): void {
  try {
    for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at, data.length - at);
  } catch (e) {
    throw Object.assign(e as NodeJS.ErrnoException, { path: (e as NodeJS.ErrnoException).path ?? file });
  }
}

function equalBytes(a: Buffer, as: number, b: Buffer, bs: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/**
 * Canonical order (RFC 4034 §6.1) of two plain owners (see isPlainInZone) inside one
 * zone, on their text: a[as..] with its labels ending at aDots[0..an), b likewise.
 * Labels are compared from the right, after the `skip` labels of the zone that both
 * end with: byte by byte, a label that is a prefix of the other first, and a name
 * before its descendants. Negative when a sorts first. Every operation runs for
 * every label compared (no branch only rare names take), so the compiled code stays.
 */
function comparePlainOwners(a: Buffer, as: number, aDots: Int32Array, an: number, b: Buffer, bs: number, bDots: Int32Array, bn: number, skip: number): number {
  let ka = an - 1 - skip;
  let kb = bn - 1 - skip;
  for (;;) {
    const aMore = ka >= 0 ? 1 : 0;
    const bMore = kb >= 0 ? 1 : 0;
    // A name whose labels are used up is an ancestor of the other: it sorts first.
    if (aMore + bMore < 2) return aMore - bMore;
    const aStart = ka === 0 ? as : aDots[ka - 1]! + 1;
    const bStart = kb === 0 ? bs : bDots[kb - 1]! + 1;
    const al = aDots[ka]! - aStart;
    const bl = bDots[kb]! - bStart;
    const n = Math.min(al, bl);
    let d = 0;
    for (let i = 0; i < n && d === 0; i++) d = a[aStart + i]! - b[bStart + i]!;
    // Equal bytes as far as the shorter label goes: the shorter label first.
    d = d === 0 ? al - bl : d;
    if (d !== 0) return d;
    ka--;
    kb--;
  }
}

function outOfOrder(buf: Buffer, s: number, e: number): string {
  return `the owner ${buf.toString('latin1', s, Math.min(e, s + 80))} is out of canonical order`;
}

/** The high bit of each byte of a 32-bit word. */
const HIGH_BITS = 0x80808080 | 0;
/** Words are read in the machine's byte order; the byte classes need the low byte first. */
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Byte-wise comparison of a[0..an) and b[0..bn). */
function compareBytes(a: Buffer, an: number, b: Buffer, bn: number): number {
  const n = Math.min(an, bn);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return an - bn;
}

/**
 * Checks canonical text line by line, fed in chunks of bytes. One loop looks at
 * each byte once (allowed, a tab, the line feed); the fields of a line are then
 * checked where the tabs are, and an owner is parsed and compared in canonical
 * order only where it differs from the line before. A zone of millions of
 * records is checked at about the speed it is read.
 */
export class CanonicalChecker {
  /** A line begun in an earlier chunk: its bytes so far (a fresh buffer each time). */
  private rest: Buffer = Buffer.alloc(0);
  private lines = 0;
  /** Where the current line starts in the buffer being scanned, and its first four tabs. */
  private start = 0;
  private tabs = 0;
  private readonly tab = new Int32Array(4);
  /** Offset in the file of the first byte of the current chunk. */
  private offset = 0;
  /** The SOA's serial, once read (an object: a number field changing from nothing to a double would change the checker's shape). */
  private soa: { serial: number } | undefined;
  private readonly apex: Buffer;
  /** The previous line and owner (by reference: chunks are not reused), and the owner's sort key. */
  private pl: Buffer = Buffer.alloc(0);
  private plS = 0;
  private plE = -1;
  private po: Buffer = Buffer.alloc(0);
  private poS = 0;
  private poE = -1;
  private key = Buffer.alloc(1024);
  private prevKey = Buffer.alloc(1024);
  private prevKeyLength = -1;
  private readonly wire = Buffer.alloc(256);
  private readonly starts = new Int32Array(256);
  private lastType = -1;
  /** Whether the previous owner is plain (see isPlainInZone); if so, prevKey may not be its key. */
  private prevPlain = false;
  /** Where each label of the current and of the previous plain owner ends (its dot), and how many labels each has. */
  private dots = new Int32Array(128);
  private prevDots = new Int32Array(128);
  private dotCount = 0;
  private prevDotCount = 0;
  /** Labels of the zone's name: every owner inside it ends with them, so they are not compared. */
  private readonly zoneLabels: number;
  private readonly zoneText: Buffer;

  constructor(
    private readonly zone: string,
    private readonly dnssec: boolean,
  ) {
    this.apex = textToName(zone);
    this.zoneText = Buffer.from(zone, 'latin1');
    this.zoneLabels = labelCount(this.apex);
  }

  /** Adds bytes; returns what is wrong, if anything. The chunk's memory may be reused once this returns. */
  add(chunk: Buffer): string | undefined {
    if (this.soa === undefined) return this.addApex(chunk);
    let start = 0;
    if (this.rest.length) {
      // The line that began in an earlier chunk: joined on its own, the rest read in place.
      const nl = chunk.indexOf(0x0a);
      const head = nl < 0 ? chunk : chunk.subarray(0, nl + 1);
      const joined = Buffer.concat([this.rest, head]);
      const restLength = this.rest.length;
      this.rest = Buffer.alloc(0);
      // The bytes of `rest` were scanned already; offsets count from the joined line's start.
      const base = this.offset;
      this.offset -= restLength;
      const problem = this.scan(joined, 0);
      this.offset = base;
      if (problem) return problem;
      if (nl < 0) {
        this.offset += chunk.length;
        return undefined;
      }
      start = nl + 1;
    }
    const problem = this.scan(chunk, start);
    this.offset += chunk.length;
    // The caller may reuse the chunk's memory: the previous line and owner are kept as copies.
    if (this.pl === chunk) {
      this.pl = Buffer.from(chunk.subarray(this.plS, this.plE));
      this.plE -= this.plS;
      this.plS = 0;
    }
    if (this.po === chunk) {
      this.po = Buffer.from(chunk.subarray(this.poS, this.poE));
      for (let k = 0; k < this.prevDotCount; k++) this.prevDots[k] -= this.poS;
      this.poE -= this.poS;
      this.poS = 0;
    }
    return problem;
  }

  /**
   * Bytes up to the end of the first line, the zone's SOA: read on their own, so that
   * the code for the millions of lines after it never has a branch for the first.
   */
  private addApex(chunk: Buffer): string | undefined {
    const nl = chunk.indexOf(0x0a);
    if (nl < 0) {
      const bad = this.firstBad(chunk, 0, chunk.length);
      if (bad >= 0) return this.badByte(bad, chunk[bad]!);
      this.rest = Buffer.concat([this.rest, chunk]);
      if (this.rest.length > 1 << 20) return 'line 1 is longer than 1 MiB';
      this.offset += chunk.length;
      return undefined;
    }
    // The line (a copy: it stays the previous line and owner) and where it starts in the file.
    const line = Buffer.concat([this.rest, chunk.subarray(0, nl + 1)]);
    const base = this.offset;
    this.offset -= this.rest.length;
    this.rest = Buffer.alloc(0);
    const problem = this.apexLine(line);
    this.offset = base + nl + 1;
    if (problem !== undefined) return problem;
    if (nl + 1 === chunk.length) return undefined;
    return this.add(chunk.subarray(nl + 1));
  }

  /** The first byte of buf[from..to) that is neither printable ASCII nor a tab, or -1. */
  private firstBad(buf: Buffer, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const b = buf[i]!;
      if ((b < 0x20 || b > 0x7e) && b !== 0x09) return i;
    }
    return -1;
  }

  /** The first line, buf[0..e) and its line feed: the SOA of the zone, whose serial is read. */
  private apexLine(buf: Buffer): string | undefined {
    const e = buf.length - 1;
    const bad = this.firstBad(buf, 0, e);
    if (bad >= 0) return this.badByte(bad, buf[bad]!);
    this.lines = 1;
    const t: number[] = [];
    for (let i = buf.indexOf(0x09); i >= 0 && i < e && t.length < 4; i = buf.indexOf(0x09, i + 1)) t.push(i);
    const problem = t.length < 4 ? FIELDS : this.fields(buf, 0, e, t[0]!, t[1]!, t[2]!, t[3]!);
    if (problem !== undefined) return `line 1: ${problem}`;
    const [t1, , , t4] = t as [number, number, number, number];
    if (buf.toString('latin1', 0, t1) !== this.zone || this.type !== 6) return `line 1: canonical text of ${this.zone} starts with the SOA of ${this.zone}`;
    const serial = buf.toString('latin1', t4 + 1, e).split(' ')[2];
    if (serial === undefined || !/^[0-9]{1,10}$/.test(serial) || Number(serial) > 0xffffffff) return 'line 1: the SOA has no serial';
    this.soa = { serial: Number(serial) };
    this.keepOwner(buf, 0, t1);
    this.keepLine(buf, 0, e);
    // The apex is the previous owner of the second line: plain, or by its key.
    this.prevPlain = this.isPlainInZone(buf, 0, t1);
    if (this.prevPlain) this.swapDots();
    else {
      const problem = this.ownerKey(buf, 0, t1);
      if (problem) return `line 1: ${problem}`;
      this.swapKeys();
    }
    return undefined;
  }

  /**
   * Every line of buf from `from`: each byte must be printable ASCII, a tab (the
   * first four end the fields) or the line feed that ends a line; keeps what is
   * left after the last line feed. The aligned middle of buf is read four bytes at
   * a time (words), the ends one by one (bytes).
   */
  private scan(buf: Buffer, from: number): string | undefined {
    const n = buf.length;
    this.start = from;
    this.tabs = 0;
    const head = LITTLE_ENDIAN ? Math.min(n, from + ((4 - ((buf.byteOffset + from) & 3)) & 3)) : n;
    const count = (n - head) >> 2;
    const problem = this.bytes(buf, from, head) ?? this.words(buf, head, count) ?? this.bytes(buf, head + count * 4, n);
    if (problem !== undefined) return problem;
    if (this.start < n) {
      if (n - this.start > 1 << 20) return `line ${this.lines + 1} is longer than 1 MiB`;
      this.rest = Buffer.from(buf.subarray(this.start));
    }
    return undefined;
  }

  /**
   * buf[at..at + 4 * count) (at is aligned) as 32-bit words. Each byte's class is
   * computed at its high bit with no carry from one byte into the next; only tabs,
   * line feeds and bad bytes are then looked at one by one, in byte order.
   */
  private words(buf: Buffer, at: number, count: number): string | undefined {
    if (count === 0) return undefined;
    const words = new Int32Array(buf.buffer, buf.byteOffset + at, count);
    for (let j = 0; j < count; j++) {
      const x = words[j]!;
      const low = x & 0x7f7f7f7f;
      // 0x20 <= b <= 0x7e: low 7 bits >= 0x20, not 0x7f, high bit clear.
      const printable = ((low + 0x60606060) | 0) & ~((low + 0x01010101) | 0) & ~x & HIGH_BITS;
      if (printable === HIGH_BITS) continue;
      // b is a tab, a line feed: b ^ c is zero exactly there.
      const tx = x ^ 0x09090909;
      const lx = x ^ 0x0a0a0a0a;
      const notTab = ((tx & 0x7f7f7f7f) + 0x7f7f7f7f) | 0 | tx;
      const notLf = ((lx & 0x7f7f7f7f) + 0x7f7f7f7f) | 0 | lx;
      const special = ~(notTab & notLf) & HIGH_BITS;
      for (let events = ~printable & HIGH_BITS; events !== 0; events &= events - 1) {
        const bit = events & -events;
        const i = at + j * 4 + ((31 - Math.clz32(bit)) >> 3);
        const problem = special & bit ? this.mark(buf, i, buf[i]!) : this.badByte(i, buf[i]!);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  }

  /** buf[i..end) one byte at a time: the unaligned ends of a chunk, and a line joined across chunks. */
  private bytes(buf: Buffer, i: number, end: number): string | undefined {
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x20 && b <= 0x7e) continue;
      const problem = b === 0x09 || b === 0x0a ? this.mark(buf, i, b) : this.badByte(i, b);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  /** A tab or the line feed that ends the line begun at `start`. */
  private mark(buf: Buffer, i: number, b: number): string | undefined {
    if (b === 0x09) {
      if (this.tabs < 4) this.tab[this.tabs] = i;
      this.tabs++;
      return undefined;
    }
    this.lines++;
    const t = this.tab;
    const problem = this.tabs < 4 ? FIELDS : this.line(buf, this.start, i, t[0]!, t[1]!, t[2]!, t[3]!);
    if (problem !== undefined) return `line ${this.lines}: ${problem}`;
    this.start = i + 1;
    this.tabs = 0;
    return undefined;
  }

  private badByte(i: number, b: number): string {
    return `line ${this.lines + 1}: byte 0x${b.toString(16).padStart(2, '0')} at offset ${this.offset + i}: not canonical text`;
  }

  finish(): { ok: true; serial: number; records: number } | { ok: false; error: string } {
    if (this.rest.length) return { ok: false, error: 'the last line does not end with a line feed' };
    if (this.soa === undefined) return { ok: false, error: `empty: canonical text of ${this.zone} starts with its SOA` };
    return { ok: true, serial: this.soa.serial, records: this.lines };
  }

  /** The type of the line fields() last read. */
  private type = -1;

  /** The fields of one line, buf[s..e), its first four tabs at t1 < t2 < t3 < t4; leaves its type in `type`. */
  private fields(buf: Buffer, s: number, e: number, t1: number, t2: number, t3: number, t4: number): string | undefined {
    if (t1 === s || t4 >= e - 1) return FIELDS;
    if (t2 === t1 + 1 || t2 - t1 > 11) return 'the TTL is not a number';
    for (let i = t1 + 1; i < t2; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return 'the TTL is not a number';
    const known = this.typeOf(buf, t3 + 1, t4);
    if (known.type < 0) return `unknown type ${buf.toString('latin1', t3 + 1, Math.min(t4, t3 + 21))}`;
    if (known.churn && !this.dnssec) return 'a DNSSEC signature record in a scan without --dnssec';
    this.type = known.type;
    return undefined;
  }

  /** A line after the first, buf[s..e), its first four tabs at t1 < t2 < t3 < t4. */
  private line(buf: Buffer, s: number, e: number, t1: number, t2: number, t3: number, t4: number): string | undefined {
    const problem = this.fields(buf, s, e, t1, t2, t3, t4);
    if (problem !== undefined) return problem;
    const type = this.type;
    // Compared byte by byte here: cheaper than a native call per line.
    const sameOwner = t1 - s === this.poE - this.poS && equalBytes(buf, s, this.po, this.poS, t1 - s);
    if (sameOwner) {
      // An exact duplicate is always the line right before (the sort puts them together);
      // the owners are equal, so the rest of the lines is compared.
      if (type === this.lastType && e - s === this.plE - this.plS && equalBytes(buf, t1, this.pl, this.plS + t1 - s, e - t1)) return 'a duplicate record';
    } else {
      const problem = this.nextOwner(buf, s, t1);
      if (problem) return problem;
      this.lastType = -1;
    }
    this.keepLine(buf, s, e);
    if (type < this.lastType) return `records of ${buf.toString('latin1', s, Math.min(t1, s + 80))} are out of type order`;
    this.lastType = type;
    return undefined;
  }

  /**
   * A new owner, buf[s..e): it must be a name in canonical form inside the zone, and
   * come after the previous owner in canonical order. Most owners are plain (no
   * escapes): those are checked and compared on their text, label by label from the
   * right; any other owner, or the one after it, is parsed into wire form and
   * compared by its sort key.
   */
  private nextOwner(buf: Buffer, s: number, e: number): string | undefined {
    const plain = this.isPlainInZone(buf, s, e);
    if (plain && this.prevPlain) {
      const order = comparePlainOwners(this.po, this.poS, this.prevDots, this.prevDotCount, buf, s, this.dots, this.dotCount, this.zoneLabels);
      if (order >= 0) return outOfOrder(buf, s, e);
    } else {
      if (this.prevKeyLength < 0) {
        // The previous owner was compared on its text: its key now (it was checked then).
        this.ownerKey(this.po, this.poS, this.poE);
        this.swapKeys();
      }
      const problem = this.ownerKey(buf, s, e);
      if (problem) return problem;
      if (compareBytes(this.prevKey, this.prevKeyLength, this.key, this.keyLength) >= 0) return outOfOrder(buf, s, e);
      this.swapKeys();
    }
    if (plain) {
      this.prevKeyLength = -1;
      this.swapDots();
    }
    this.prevPlain = plain;
    this.keepOwner(buf, s, e);
    return undefined;
  }

  private swapKeys(): void {
    const k = this.prevKey;
    this.prevKey = this.key;
    this.key = k;
    this.prevKeyLength = this.keyLength;
  }

  /**
   * Whether buf[s..e) is a plain owner inside the zone: labels of bytes written as
   * themselves (no escape, no uppercase), each 1 to 63 bytes, absolute, at most 255
   * octets in wire form, and ending in the zone's name on a label boundary. False
   * says only "not plain": ownerKey then gives the verdict.
   */
  private isPlainInZone(buf: Buffer, s: number, e: number): boolean {
    if (e - s < 2 || e - s > 254) return false;
    const dots = this.dots;
    let count = 0;
    let label = s;
    for (let i = s; i < e; i++) {
      const b = buf[i]!;
      if (b === 0x2e) {
        if (i === label || i - label > 63) return false;
        dots[count++] = i;
        label = i + 1;
      } else if (WRITTEN[b] !== 0) return false;
    }
    if (label !== e) return false;
    this.dotCount = count;
    const z = this.zoneText;
    if (this.zone === '.') return true;
    const from = e - z.length;
    if (from < s || (from > s && buf[from - 1] !== 0x2e)) return false;
    return equalBytes(buf, from, z, 0, z.length);
  }

  /** The current plain owner's dots become the previous owner's. */
  private swapDots(): void {
    const d = this.prevDots;
    this.prevDots = this.dots;
    this.dots = d;
    this.prevDotCount = this.dotCount;
  }

  private keepLine(buf: Buffer, s: number, e: number): void {
    this.pl = buf;
    this.plS = s;
    this.plE = e;
  }

  private keyLength = 0;
  /**
   * Type mnemonics seen, in slots by their length and first and last byte; each with
   * its bytes to confirm, its number (-1: unknown) and whether it is left out
   * without --dnssec. (Filled with null first, so that the array's kind never changes.)
   */
  private readonly typeSlots: ({ text: Buffer; type: number; churn: boolean } | null)[] = new Array(1024).fill(null);

  private typeOf(buf: Buffer, s: number, e: number): { type: number; churn: boolean } {
    const slot = ((e - s) * 97 + buf[s]! * 31 + buf[e - 1]!) & 1023;
    const hit = this.typeSlots[slot];
    if (hit !== null && hit !== undefined && hit.text.length === e - s && equalBytes(buf, s, hit.text, 0, e - s)) return hit;
    return this.learnType(buf, s, e, slot);
  }

  private learnType(buf: Buffer, s: number, e: number, slot: number): { type: number; churn: boolean } {
    const text = Buffer.from(buf.subarray(s, e));
    const type = typeNumber(text.toString('latin1')) ?? -1;
    const entry = { text, type, churn: SIGNATURE_CHURN.has(type) };
    this.typeSlots[slot] = entry;
    return entry;
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

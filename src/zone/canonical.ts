/**
 * The canonical zone text (docs/architecture.md §5): one record per line,
 * `<owner> TAB <ttl> TAB IN TAB <TYPE> TAB <rdata>`, the SOA first, then every
 * other record in RFC 4034 §6.1 order of owner, then class, type and canonical
 * RDATA bytes, each exact duplicate once.
 */
import type { WireRecord } from '../dns/message.js';
import { MAX_NAME_LENGTH, isInZone, labelStarts, lowerName, nameToText, writeLabelsKey, writeNameText } from '../dns/name.js';
import { rdataToText } from '../dns/rdata.js';
import { fastRdataLength, writeFastRdata } from '../dns/rdata-bytes.js';
import { DEFAULT_MEMORY_BUDGET, ExternalSorter } from './sorter.js';
import { CLASS_IN, SIGNATURE_CHURN, className, typeName } from '../dns/types.js';

/** What happened to one record offered to a zone. */
export type Admission = 'kept' | 'out-of-zone' | 'other-class' | 'omitted' | { malformed: string };

export interface ZoneCounts {
  /** Records kept (before exact duplicates are removed), the SOA included. */
  kept: number;
  /** Records whose owner is not the zone or below it (docs/architecture.md §4.2). */
  outOfZone: number;
  /** Records of a class other than IN. */
  otherClass: number;
  /** RRSIG, NSEC and NSEC3 records left out (docs/architecture.md §5.3), by type mnemonic. */
  omitted: Record<string, number>;
}

export interface CanonicalZoneOptions {
  /** Keep RRSIG, NSEC and NSEC3. */
  dnssec?: boolean;
  memoryBudget?: number;
  tmpDir?: string;
}

/** One record's line, without its end of line. */
export function recordLine(owner: Buffer, ttl: number, cls: number, type: number, rdataText: string): string {
  return `${nameToText(owner)}\t${ttl}\t${className(cls)}\t${typeName(type)}\t${rdataText}`;
}

/** Output chunks are about this big. */
const CHUNK = 1 << 20;
/** Pairs of TTL and type whose line middle is kept. */
const MAX_MIDDLES = 4096;
/** RRSIG, NSEC and NSEC3 (types.ts SIGNATURE_CHURN), by type number. */
const CHURN = new Uint8Array(65536);
for (const t of SIGNATURE_CHURN) CHURN[t] = 1;

/**
 * Accumulates the records of one zone and gives back its canonical text.
 *
 * Each record becomes one sort entry, built once, straight into the sorter's
 * memory: its sort key (RFC 4034 §6.1 owner key, class, type, RDATA with 0x00 and
 * 0x01 escaped and a 0x00 end) and, as its value, its line. Keys are
 * self-delimiting, so sorting entries sorts records, and equal entries are exact
 * duplicates. Every owner of the zone is the zone or below it, so every owner key
 * begins with the zone's labels: the entry leaves that common prefix out, which
 * changes no order.
 */
export class CanonicalZone {
  readonly counts: ZoneCounts = { kept: 0, outOfZone: 0, otherClass: 0, omitted: {} };
  soaLine: string | undefined;
  private readonly sorter: ExternalSorter;
  /** Labels of the zone: the labels every owner key starts with, and which entries leave out. */
  private readonly zoneLabels: number;
  /** The last owner seen (as received), its key below the zone, and its text. */
  private lastOwner = Buffer.alloc(MAX_NAME_LENGTH);
  private lastOwnerLength = -1;
  private ownerKey = Buffer.alloc(2 * MAX_NAME_LENGTH + 2);
  private ownerKeyLength = 0;
  private ownerText = Buffer.alloc(4 * MAX_NAME_LENGTH + 1);
  private ownerTextLength = 0;
  private labelAt = new Int32Array(MAX_NAME_LENGTH);
  private readonly middles: (Map<number, Buffer> | undefined)[] = [];
  private middleCount = 0;
  /** Whether `lastOwner` is the owner of the previous call to addWire. */
  private ownerIsPrevious = false;
  /** A copy of a WireRecord's owner and RDATA side by side, for `add`. */
  private scratch = Buffer.allocUnsafe(1024);

  constructor(
    readonly zone: Buffer,
    private readonly options: CanonicalZoneOptions = {},
  ) {
    this.sorter = new ExternalSorter({
      memoryBudget: options.memoryBudget ?? DEFAULT_MEMORY_BUDGET,
      tmpDir: options.tmpDir,
    });
    this.zoneLabels = labelStarts(zone, 0, this.labelAt);
  }

  get spilledRuns(): number {
    return this.sorter.spilledRuns;
  }

  /** Sets the zone's SOA, printed first. The caller checks that it is the zone's. */
  setSoa(rec: WireRecord): Admission {
    const text = rdataToText(rec.type, rec.rdata);
    if (!text.ok) return { malformed: text.detail };
    this.soaLine = recordLine(lowerName(rec.owner), rec.ttl, rec.class, rec.type, text.text);
    this.counts.kept++;
    return 'kept';
  }

  add(rec: WireRecord): Admission {
    const n = rec.owner.length + rec.rdata.length;
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(n * 2);
    this.scratch.set(rec.owner, 0);
    this.scratch.set(rec.rdata, rec.owner.length);
    return this.addWire(this.scratch, 0, rec.owner.length, rec.type, rec.class, rec.ttl, rec.owner.length, n);
  }

  /**
   * `add` of a record whose owner (uncompressed wire form, as received) is at
   * buf[ownerStart..ownerEnd] and whose canonical RDATA is at buf[rdataStart..rdataEnd].
   * `sameOwner` says that the owner's bytes are those of the previous call's owner.
   */
  addWire(
    buf: Buffer,
    ownerStart: number,
    ownerEnd: number,
    type: number,
    cls: number,
    ttl: number,
    rdataStart: number,
    rdataEnd: number,
    sameOwner = false,
  ): Admission {
    const ownerKnown = sameOwner && this.ownerIsPrevious;
    this.ownerIsPrevious = false;
    if (cls !== CLASS_IN) {
      this.counts.otherClass++;
      return 'other-class';
    }
    // The previous record's owner, when it is this one's, was found in the zone already.
    if (!ownerKnown && !isInZone(buf, this.zone, ownerStart, ownerEnd)) {
      this.counts.outOfZone++;
      return 'out-of-zone';
    }
    if (CHURN[type] === 1 && !this.options.dnssec) {
      const name = typeName(type);
      this.counts.omitted[name] = (this.counts.omitted[name] ?? 0) + 1;
      return 'omitted';
    }
    // The RDATA's text: written directly for the common types, else through rdataToText (which also finds malformed RDATA).
    let text: string | undefined;
    let textMax = fastRdataLength(type, buf, rdataStart, rdataEnd);
    if (textMax < 0) {
      const t = rdataToText(type, buf.subarray(rdataStart, rdataEnd));
      if (!t.ok) return { malformed: t.detail };
      text = t.text;
      textMax = text.length;
    }
    if (!ownerKnown) this.setOwner(buf, ownerStart, ownerEnd);
    this.ownerIsPrevious = true;
    const middle = this.middle(ttl, type);
    const sorter = this.sorter;
    sorter.reserve(this.ownerKeyLength + 4 + 2 * (rdataEnd - rdataStart) + 1, this.ownerTextLength + middle.length + textMax + 1);
    // The sort key.
    const k = sorter.keys;
    let at = sorter.keyEnd;
    const key = this.ownerKey;
    for (let i = 0; i < this.ownerKeyLength; i++) k[at++] = key[i]!;
    k[at++] = cls >> 8;
    k[at++] = cls & 255;
    k[at++] = type >> 8;
    k[at++] = type & 255;
    for (let i = rdataStart; i < rdataEnd; i++) {
      const c = buf[i]!;
      if (c <= 1) {
        k[at++] = 1;
        k[at++] = c + 1;
      } else k[at++] = c;
    }
    k[at++] = 0;
    const keyEnd = at;
    // The line, and its LF: with equal keys, lines differ only in their TTL, which a TAB follows, so the LF changes no order.
    const v = sorter.values;
    at = sorter.valueEnd;
    const ot = this.ownerText;
    for (let i = 0; i < this.ownerTextLength; i++) v[at++] = ot[i]!;
    for (let i = 0; i < middle.length; i++) v[at++] = middle[i]!;
    if (text === undefined) at = writeFastRdata(type, buf, rdataStart, rdataEnd, v, at);
    else at += v.write(text, at, 'latin1');
    v[at++] = 0x0a;
    // An owner known to be the previous call's is also the previous entry's (that call made an entry, or was its duplicate).
    sorter.commit(keyEnd, at, ownerKnown ? this.ownerKeyLength : 0);
    this.counts.kept++;
    return 'kept';
  }

  /** Makes the owner at buf[start..end] the current one: its key below the zone and its text (lowercased, docs/architecture.md §5.1). */
  private setOwner(buf: Buffer, start: number, end: number): void {
    const len = end - start;
    const last = this.lastOwner;
    if (len === this.lastOwnerLength) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (buf[start + i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    if (len > this.lastOwner.length) {
      // Longer than a name may be (RFC 1035 §2.3.4): only a WireRecord made by hand can be; room for it anyway.
      this.lastOwner = Buffer.alloc(len);
      this.ownerKey = Buffer.alloc(2 * len + 2);
      this.ownerText = Buffer.alloc(4 * len + 1);
      this.labelAt = new Int32Array(len);
      return this.setOwner(buf, start, end);
    }
    for (let i = 0; i < len; i++) last[i] = buf[start + i]!;
    this.lastOwnerLength = len;
    this.ownerTextLength = writeNameText(buf, start, this.ownerText, 0, true);
    // RFC 4034 §6.1 key of the labels below the zone's, rightmost first.
    this.ownerKeyLength = writeLabelsKey(buf, this.labelAt, labelStarts(buf, start, this.labelAt) - this.zoneLabels, this.ownerKey, 0);
  }

  /** `\t<ttl>\tIN\t<TYPE>\t`, the part of a line between owner and RDATA, kept for the few pairs of TTL and type a zone uses. */
  private middle(ttl: number, type: number): Buffer {
    // By type, then by TTL: small integers as keys (a key made of both would not be one).
    const byTtl = (this.middles[type] ??= new Map<number, Buffer>());
    const known = byTtl.get(ttl);
    if (known) return known;
    const b = Buffer.from(`\t${ttl}\tIN\t${typeName(type)}\t`, 'latin1');
    if (this.middleCount < MAX_MIDDLES) {
      byTtl.set(ttl, b);
      this.middleCount++;
    }
    return b;
  }

  /**
   * The zone text in chunks of about 1 MiB, ending in LF. Consumes the zone.
   * Records are counted as written: `written` is the number of lines after the
   * duplicates are gone. The chunks share one buffer: each is valid only until the
   * next is asked for (writeAtomic and writeToStream are done with it by then).
   */
  *byteChunks(): Generator<Buffer> {
    if (this.soaLine === undefined) throw new Error('zone has no SOA');
    const out = Buffer.allocUnsafe(this.sorter.spilledRuns > 0 ? CHUNK : Math.max(1, Math.min(CHUNK, this.sorter.valueBytes)));
    let at = 0;
    let written = 1;
    yield Buffer.from(this.soaLine + '\n', 'latin1');
    // Copies from[start, end) into `out` as far as it fits; returns where it stopped.
    const fill = (from: Buffer, start: number, end: number): number => {
      const n = Math.min(end - start, out.length - at);
      from.copy(out, at, start, start + n);
      at += n;
      return start + n;
    };
    // Lines that follow each other in the sorter's memory are copied as one run of bytes.
    let runBuf: Buffer = out;
    let runStart = 0;
    let runEnd = 0;
    const c = this.sorter.sorted();
    for (;;) {
      const more = c.next();
      if (more) {
        written++;
        if (c.stable && c.values === runBuf && c.valueStart === runEnd) {
          runEnd = c.valueEnd;
          continue;
        }
      }
      // The run so far: whole chunks of it as they are (the sorter's memory stays until dispose), the rest copied.
      if (at === 0 && c.stable) {
        while (runEnd - runStart >= CHUNK) {
          yield runBuf.subarray(runStart, runStart + CHUNK);
          runStart += CHUNK;
        }
      }
      while (runStart < runEnd) {
        runStart = fill(runBuf, runStart, runEnd);
        if (at === out.length) {
          yield out;
          at = 0;
        }
      }
      if (!more) break;
      runBuf = c.values;
      runStart = c.valueStart;
      runEnd = c.valueEnd;
      if (!c.stable) {
        // Its bytes move at the next call: copy them now.
        while (runStart < runEnd) {
          runStart = fill(runBuf, runStart, runEnd);
          if (at === out.length) {
            yield out;
            at = 0;
          }
        }
      }
    }
    this.written = written;
    if (at > 0) yield out.subarray(0, at);
  }

  /** `byteChunks` as latin1 strings. */
  *chunks(): Generator<string> {
    for (const b of this.byteChunks()) yield b.toString('latin1');
  }

  /** Lines written by `chunks()`, once it has run to the end. */
  written = 0;

  dispose(): void {
    this.sorter.dispose();
  }
}

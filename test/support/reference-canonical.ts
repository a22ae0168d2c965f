// src/zone/canonical.ts as it was before entries were built as bytes (git 78b8cfa), kept verbatim as the reference
// that test/zone/canonical.test.ts compares the current zone text against.
/**
 * The canonical zone text (docs/architecture.md §5): one record per line,
 * `<owner> TAB <ttl> TAB IN TAB <TYPE> TAB <rdata>`, the SOA first, then every
 * other record in RFC 4034 §6.1 order of owner, then class, type and canonical
 * RDATA bytes, each exact duplicate once.
 */
import type { WireRecord } from '../../src/dns/message.js';
import { isInZone, lowerName, nameKey, nameToText } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata.js';
import { ExternalSorter } from './reference-sorter.js';
import { CLASS_IN, SIGNATURE_CHURN, className, typeName } from '../../src/dns/types.js';

const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;

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
function recordLine(owner: Buffer, ttl: number, cls: number, type: number, rdataText: string): string {
  return `${nameToText(owner)}\t${ttl}\t${className(cls)}\t${typeName(type)}\t${rdataText}`;
}

/**
 * Accumulates the records of one zone and gives back its canonical text.
 *
 * Each record becomes one sort entry: its sort key, computed once (RFC 4034 §6.1
 * owner key, class, type, RDATA with 0x00 and 0x01 escaped and a 0x00 end), followed
 * by its line. Keys are self-delimiting, so sorting entries sorts records, and equal
 * entries are exact duplicates.
 */
export class CanonicalZone {
  readonly counts: ZoneCounts = { kept: 0, outOfZone: 0, otherClass: 0, omitted: {} };
  soaLine: string | undefined;
  private readonly sorter: ExternalSorter;
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private lastOwner: Buffer | undefined;
  private lastOwnerLower: Buffer = Buffer.alloc(0);
  private lastOwnerText = '';
  private lastOwnerKey: Buffer = Buffer.alloc(0);

  constructor(
    readonly zone: Buffer,
    private readonly options: CanonicalZoneOptions = {},
  ) {
    this.sorter = new ExternalSorter({
      memoryBudget: options.memoryBudget ?? DEFAULT_MEMORY_BUDGET,
      tmpDir: options.tmpDir,
    });
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
    if (rec.class !== CLASS_IN) {
      this.counts.otherClass++;
      return 'other-class';
    }
    if (!isInZone(rec.owner, this.zone)) {
      this.counts.outOfZone++;
      return 'out-of-zone';
    }
    if (!this.options.dnssec && SIGNATURE_CHURN.has(rec.type)) {
      const name = typeName(rec.type);
      this.counts.omitted[name] = (this.counts.omitted[name] ?? 0) + 1;
      return 'omitted';
    }
    const text = rdataToText(rec.type, rec.rdata);
    if (!text.ok) return { malformed: text.detail };

    if (rec.owner !== this.lastOwner && (this.lastOwner === undefined || !rec.owner.equals(this.lastOwner))) {
      this.lastOwner = rec.owner;
      this.lastOwnerLower = lowerName(rec.owner);
      this.lastOwnerText = nameToText(this.lastOwnerLower);
      this.lastOwnerKey = nameKey(this.lastOwnerLower);
    }
    const ownerKey = this.lastOwnerKey;
    const line = `${this.lastOwnerText}\t${rec.ttl}\tIN\t${typeName(rec.type)}\t${text.text}`;
    const need = ownerKey.length + 4 + rec.rdata.length * 2 + 1 + line.length;
    if (need > this.scratch.length) this.scratch = Buffer.allocUnsafe(need * 2);
    const s = this.scratch;
    s.set(ownerKey, 0);
    let at = ownerKey.length;
    s.writeUInt16BE(rec.class, at);
    s.writeUInt16BE(rec.type, at + 2);
    at += 4;
    const rd = rec.rdata;
    for (let i = 0; i < rd.length; i++) {
      const c = rd[i]!;
      if (c <= 1) {
        s[at++] = 1;
        s[at++] = c + 1;
      } else s[at++] = c;
    }
    s[at++] = 0;
    at += s.write(line, at, 'latin1');
    this.sorter.add(s.toString('latin1', 0, at));
    this.counts.kept++;
    return 'kept';
  }

  /**
   * The zone text in chunks of about 64 KiB, ending in LF. Consumes the zone.
   * Records are counted as written: `written` is the number of lines after the
   * duplicates are gone.
   */
  *chunks(): Generator<string> {
    if (this.soaLine === undefined) throw new Error('zone has no SOA');
    let out = this.soaLine + '\n';
    let written = 1;
    for (const entry of this.sorter.sorted()) {
      out += lineOfEntry(entry) + '\n';
      written++;
      if (out.length >= 65536) {
        yield out;
        out = '';
      }
    }
    this.written = written;
    if (out.length > 0) yield out;
  }

  /** Lines written by `chunks()`, once it has run to the end. */
  written = 0;

  dispose(): void {
    this.sorter.dispose();
  }
}

/** The line stored after an entry's key: skip the owner key (ends at 0x00 0x00, or a lone 0x00 for the root), class, type and RDATA key (ends at 0x00). */
function lineOfEntry(e: string): string {
  let i = 0;
  if (e.charCodeAt(0) !== 0) {
    for (;;) {
      if (e.charCodeAt(i) === 0 && e.charCodeAt(i + 1) === 0) {
        i += 2;
        break;
      }
      i++;
    }
  } else i = 1;
  i += 4;
  while (e.charCodeAt(i) !== 0) i++;
  return e.slice(i + 1);
}

/**
 * A strict decoder for DNS messages received from an untrusted server.
 *
 * dns-packet is not used here: it does not hold a record to its RDLENGTH, reads
 * names as UTF-8 and leaves many types undecoded. This reader keeps names as raw
 * label bytes, follows compression pointers only backwards, and turns every record's
 * RDATA into its canonical wire form (RFC 4034 §6.2): names uncompressed, and
 * lowercased for the types that rule lists (and the few of types.ts LOWERCASE_ALSO).
 *
 * `MessageDecoder` does the work without an object per record: it writes every
 * record's uncompressed owner and canonical RDATA into one reusable buffer and
 * indexes them with typed arrays. `decodeMessage` gives the same as objects.
 * Records whose owners are compressed to the same earlier name share its bytes,
 * so within a message, equal owner ranges mean equal owners.
 */
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, hasUpper, lowerInPlace, nameLength } from './name.js';
import { COMPRESSIBLE_RDATA, TYPE, lowercasesRdataNames } from './types.js';

export interface Header {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface Question {
  name: Buffer;
  type: number;
  class: number;
}

/** One resource record: owner as received (original case), RDATA in canonical wire form. */
export interface WireRecord {
  owner: Buffer;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

export interface Message {
  header: Header;
  questions: Question[];
  answers: WireRecord[];
  authority: WireRecord[];
  additional: WireRecord[];
}

export type DecodeResult = { ok: true; message: Message } | { ok: false; detail: string };

/** Thrown inside this module only; the decoder turns it into a value. */
class WireError extends Error {}

export const HEADER_LENGTH = 12;

/** Reads only the header; undefined when fewer than 12 bytes. */
export function decodeHeader(msg: Uint8Array): Header | undefined {
  if (msg.length < HEADER_LENGTH) return undefined;
  const flags = (msg[2]! << 8) | msg[3]!;
  return {
    id: (msg[0]! << 8) | msg[1]!,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    rcode: flags & 0xf,
    qdcount: (msg[4]! << 8) | msg[5]!,
    ancount: (msg[6]! << 8) | msg[7]!,
    nscount: (msg[8]! << 8) | msg[9]!,
    arcount: (msg[10]! << 8) | msg[11]!,
  };
}

/** One decoder for all calls: `decodeMessage` copies what it returns, so nothing refers to its buffers. */
let shared: MessageDecoder | undefined;

/**
 * Decodes a whole message. Every section is read and every record is held to its
 * RDLENGTH; bytes left after the last record make the message malformed. Records of
 * the authority and additional sections are checked for framing but not returned.
 */
export function decodeMessage(msg: Buffer): DecodeResult {
  const d = (shared ??= new MessageDecoder());
  const detail = d.decode(msg);
  if (detail !== undefined) return { ok: false, detail };
  const header = d.header;
  const section = (from: number, n: number): WireRecord[] => {
    const out: WireRecord[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = d.record(from + i);
    return out;
  };
  return {
    ok: true,
    message: {
      header,
      questions: d.questions,
      answers: section(0, header.ancount),
      authority: section(header.ancount, header.nscount),
      additional: section(header.ancount + header.nscount, header.arcount),
    },
  };
}

/*
 * Where the names are in the RDATA of the types that hold names we must
 * decompress (RFC 3597 §4) or lowercase (RFC 4034 §6.2). Field codes:
 *   n = domain name, s = character-string, a number = that many fixed octets,
 *   r = the rest of the RDATA (may be empty).
 * Types not listed are copied as received; a name inside them must not be
 * compressed, which their presentation parser checks.
 */
type Field = 'n' | 's' | 'r' | number;
const NAME_LAYOUT = new Map<number, readonly Field[]>([
  [TYPE.NS, ['n']],
  [TYPE.MD, ['n']],
  [TYPE.MF, ['n']],
  [TYPE.CNAME, ['n']],
  [TYPE.MB, ['n']],
  [TYPE.MG, ['n']],
  [TYPE.MR, ['n']],
  [TYPE.PTR, ['n']],
  [TYPE.DNAME, ['n']],
  [TYPE.SOA, ['n', 'n', 20]],
  [TYPE.MINFO, ['n', 'n']],
  [TYPE.RP, ['n', 'n']],
  [TYPE.MX, [2, 'n']],
  [TYPE.AFSDB, [2, 'n']],
  [TYPE.RT, [2, 'n']],
  [TYPE.KX, [2, 'n']],
  [TYPE.PX, [2, 'n', 'n']],
  [TYPE.SRV, [6, 'n']],
  [TYPE.NAPTR, [4, 's', 's', 's', 'n']],
  [TYPE.NXT, ['n', 'r']],
  [TYPE.SIG, [18, 'n', 'r']],
  [TYPE.RRSIG, [18, 'n', 'r']],
  [TYPE.SVCB, [2, 'n', 'r']],
  [TYPE.HTTPS, [2, 'n', 'r']],
]);

/** Per type number: its layout, whether pointers are allowed in it, whether its names are lowercased (looked up once per type, not per record). */
const LAYOUTS: (readonly Field[] | undefined)[] = [];
const COMPRESSIBLE: boolean[] = [];
const LOWERED: boolean[] = [];
// Only RDATA with a layout has names to lowercase (canonicalRdata).
for (const [t, layout] of NAME_LAYOUT) {
  LAYOUTS[t] = layout;
  if (lowercasesRdataNames(t)) LOWERED[t] = true;
}
for (const t of COMPRESSIBLE_RDATA) COMPRESSIBLE[t] = true;

/**
 * The canonical form of RDATA that arrives uncompressed (RFC 3597 text, a zone
 * file): its names checked against the type's layout and lowercased exactly as
 * for a record received in a message, so both paths give the same bytes.
 */
export function canonicalUncompressedRdata(type: number, rdata: Buffer): { ok: true; rdata: Buffer } | { ok: false; detail: string } {
  const layout = NAME_LAYOUT.get(type);
  if (!layout) return { ok: true, rdata: type === TYPE.IPSECKEY ? lowerIpseckeyGateway(rdata) : rdata };
  const d = (shared ??= new MessageDecoder());
  try {
    d.start(rdata);
    const at = d.used;
    d.canonicalRdata(type, layout, 0, rdata.length, false);
    return { ok: true, rdata: Buffer.from(d.data.subarray(at, d.used)) };
  } catch (e) {
    if (e instanceof WireError) return { ok: false, detail: e.message };
    throw e;
  }
}

/** RFC 4025 §2.5: the gateway of gateway type 3 is an uncompressed name after three octets. */
function lowerIpseckeyGateway(rdata: Buffer): Buffer {
  if (rdata.length < 4 || rdata[1] !== 3) return rdata;
  let end: number;
  try {
    end = 3 + nameLength(rdata, 3);
  } catch {
    return rdata; // the presentation parser reports it
  }
  if (!hasUpper(rdata, 3, end)) return rdata;
  const copy = Buffer.from(rdata);
  lowerInPlace(copy, 3, end);
  return copy;
}

/**
 * Starting sizes of a decoder's storage, grown on demand. A scan makes one decoder
 * per target and most get one short refusal: storage sized for a full 64 KiB
 * message from the start cost a scan more in allocation and collection than its
 * transfers' decoding.
 */
const INITIAL_RECORDS = 16;
const INITIAL_DATA = 1024;

/**
 * Decodes messages one after another into reused storage. After `decode(msg)`
 * returns undefined, record i (answers first, then authority, then additional)
 * has its owner at `data[ownerStart[i]..ownerEnd[i]]` and its canonical RDATA at
 * `data[rdataStart[i]..rdataEnd[i]]`, both valid until the next call.
 */
export class MessageDecoder {
  header: Header = decodeHeader(new Uint8Array(HEADER_LENGTH))!;
  questions: Question[] = [];
  /** Records of all sections. */
  count = 0;
  /** Uncompressed owners and canonical RDATA of this message's records. */
  data: Buffer = Buffer.allocUnsafe(INITIAL_DATA);
  used = 0;
  ownerStart = new Int32Array(INITIAL_RECORDS);
  ownerEnd = new Int32Array(INITIAL_RECORDS);
  type = new Uint16Array(INITIAL_RECORDS);
  cls = new Uint16Array(INITIAL_RECORDS);
  ttl = new Uint32Array(INITIAL_RECORDS);
  rdataStart = new Int32Array(INITIAL_RECORDS);
  rdataEnd = new Int32Array(INITIAL_RECORDS);

  /** Position after the last item read. */
  private next = 0;
  /** Where the last name read is in `data`. */
  private nameStart = 0;
  private nameEnd = 0;
  private msg: Buffer = Buffer.alloc(0);
  /**
   * Names already read in this message, by their position in it: where their
   * uncompressed form is in `data`. `nameGen[pos] === gen` marks an entry as this message's.
   */
  private gen = 0;
  private nameGen = new Int32Array(0);
  private nameAt = new Int32Array(0);
  private nameLen = new Uint16Array(0);

  /** Decodes `msg`; undefined when it is well formed, else what is wrong with it. */
  decode(msg: Buffer): string | undefined {
    const header = decodeHeader(msg);
    if (!header) return `message of ${msg.length} bytes is shorter than a header`;
    this.header = header;
    this.start(msg);
    try {
      let pos = HEADER_LENGTH;
      const questions: Question[] = [];
      for (let i = 0; i < header.qdcount; i++) {
        const at = this.used;
        this.name(pos, msg.length, true);
        pos = this.next;
        if (pos + 4 > msg.length) throw new WireError('question runs past the end of the message');
        questions.push({ name: Buffer.from(this.data.subarray(at, this.used)), type: msg.readUInt16BE(pos), class: msg.readUInt16BE(pos + 2) });
        pos += 4;
      }
      this.questions = questions;
      const total = header.ancount + header.nscount + header.arcount;
      for (let i = 0; i < total; i++) {
        this.readRecord(pos);
        pos = this.next;
      }
      if (pos !== msg.length) throw new WireError(`${msg.length - pos} bytes after the last record`);
      return undefined;
    } catch (e) {
      if (e instanceof WireError) return e.message;
      throw e;
    }
  }

  /** Record i as an object, with copies of its owner and RDATA. */
  record(i: number): WireRecord {
    return {
      owner: Buffer.from(this.data.subarray(this.ownerStart[i]!, this.ownerEnd[i]!)),
      type: this.type[i]!,
      class: this.cls[i]!,
      ttl: this.ttl[i]!,
      rdata: Buffer.from(this.data.subarray(this.rdataStart[i]!, this.rdataEnd[i]!)),
    };
  }

  /** Starts on a new message: no records, no names known. */
  start(msg: Buffer): void {
    this.msg = msg;
    this.count = 0;
    this.used = 0;
    this.next = 0;
    if (++this.gen > 0x7fffffff) {
      this.gen = 1;
      this.nameGen.fill(0);
    }
    if (msg.length > this.nameGen.length) {
      // Grown at least twofold (to at most the largest message), so a transfer's growing messages allocate a few times only.
      const n = Math.min(0x10000, Math.max(msg.length, 2 * this.nameGen.length));
      this.nameGen = new Int32Array(n);
      this.nameAt = new Int32Array(n);
      this.nameLen = new Uint16Array(n);
    }
  }

  /** Makes room for n more bytes in `data`. */
  private room(n: number): void {
    if (this.used + n <= this.data.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.used + n));
    this.data.copy(bigger, 0, 0, this.used);
    this.data = bigger;
  }

  /**
   * Reads a name starting at `pos`, whose inline part must end before `end`, and
   * appends its uncompressed form to `data`; with `share`, a name read before may
   * instead be given as the bytes already there. Either way they are at
   * data[nameStart..nameEnd], and no name's bytes change once written there, except
   * a lowercased RDATA name's, which is never shared.
   * RFC 1035 §4.1.4 compression: each pointer must point before the previous
   * one (and before itself), so no chain can loop; the uncompressed name must fit
   * in 255 octets (RFC 1035 §2.3.4); label types 01 and 10 are refused (RFC 6891 §5).
   */
  private name(pos: number, end: number, pointers: boolean, share = false): void {
    const msg = this.msg;
    this.room(MAX_NAME_LENGTH + 1);
    const out = this.data;
    const start = this.used;
    // A name that is only a pointer is the name at its target: when that was already read,
    // its bytes are used again, or copied (the same checks as below: backwards, after the
    // header, inside the data).
    const first = msg[pos];
    if (pointers && first !== undefined && first >= 0xc0 && pos + 1 < end) {
      const target = ((first & 0x3f) << 8) | msg[pos + 1]!;
      if (target < pos && target >= HEADER_LENGTH && this.nameGen[target] === this.gen) {
        const from = this.nameAt[target]!;
        const n = this.nameLen[target]!;
        this.next = pos + 2;
        if (share) {
          this.nameStart = from;
          this.nameEnd = from + n;
          this.remember(pos, from, n);
          return;
        }
        for (let i = 0; i < n; i++) out[start + i] = out[from + i]!;
        this.used = start + n;
        this.nameStart = start;
        this.nameEnd = start + n;
        this.remember(pos, start, n);
        return;
      }
    }
    let len = start;
    let p = pos;
    let limit = end;
    let lowest = pos;
    let next = -1;
    for (;;) {
      if (p >= limit) throw new WireError('name runs past the end of its data');
      const b = msg[p]!;
      if (b === 0) {
        out[len++] = 0;
        if (next < 0) next = p + 1;
        break;
      }
      if (b >= 0xc0) {
        if (!pointers) throw new WireError('compression pointer where RFC 3597 §4 allows none');
        if (p + 1 >= limit) throw new WireError('compression pointer runs past the end of its data');
        const target = ((b & 0x3f) << 8) | msg[p + 1]!;
        if (target >= lowest) throw new WireError(`compression pointer to ${target} does not point backwards`);
        // No name starts inside the 12-octet header.
        if (target < HEADER_LENGTH) throw new WireError(`compression pointer to ${target}, inside the header`);
        if (next < 0) next = p + 2;
        lowest = target;
        p = target;
        limit = msg.length;
        continue;
      }
      if (b > MAX_LABEL_LENGTH) throw new WireError(`unknown label type 0x${(b & 0xc0).toString(16)}`);
      if (len - start + 1 + b + 1 > MAX_NAME_LENGTH) throw new WireError(`name longer than ${MAX_NAME_LENGTH} octets`);
      if (p + 1 + b > limit) throw new WireError('label runs past the end of its data');
      out[len] = b;
      for (let i = 1; i <= b; i++) out[len + i] = msg[p + i]!;
      len += 1 + b;
      p += 1 + b;
    }
    this.used = len;
    this.nameStart = start;
    this.nameEnd = len;
    this.remember(pos, start, len - start);
    this.next = next;
  }

  private remember(pos: number, at: number, n: number): void {
    this.nameGen[pos] = this.gen;
    this.nameAt[pos] = at;
    this.nameLen[pos] = n;
  }

  private grow(): void {
    const n = this.ownerStart.length * 2;
    const more = <T extends Int32Array | Uint16Array | Uint32Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(n);
      b.set(a);
      return b;
    };
    this.ownerStart = more(this.ownerStart, Int32Array);
    this.ownerEnd = more(this.ownerEnd, Int32Array);
    this.type = more(this.type, Uint16Array);
    this.cls = more(this.cls, Uint16Array);
    this.ttl = more(this.ttl, Uint32Array);
    this.rdataStart = more(this.rdataStart, Int32Array);
    this.rdataEnd = more(this.rdataEnd, Int32Array);
  }

  private readRecord(pos: number): void {
    const msg = this.msg;
    const i = this.count;
    if (i === this.ownerStart.length) this.grow();
    // Owners that point to a name read before share its bytes: records of one owner have the same range.
    this.name(pos, msg.length, true, true);
    this.ownerStart[i] = this.nameStart;
    this.ownerEnd[i] = this.nameEnd;
    let p = this.next;
    if (p + 10 > msg.length) throw new WireError('record header runs past the end of the message');
    const type = (msg[p]! << 8) | msg[p + 1]!;
    this.type[i] = type;
    this.cls[i] = (msg[p + 2]! << 8) | msg[p + 3]!;
    this.ttl[i] = msg.readUInt32BE(p + 4);
    const rdlength = (msg[p + 8]! << 8) | msg[p + 9]!;
    p += 10;
    const end = p + rdlength;
    // RFC 1035 §3.2.1: RDLENGTH is the length of the RDATA; it may not reach past the message.
    if (end > msg.length) throw new WireError(`RDLENGTH ${rdlength} runs past the end of the message`);
    this.rdataStart[i] = this.used;
    const layout = LAYOUTS[type];
    if (layout) this.canonicalRdata(type, layout, p, end, true);
    else {
      this.copy(p, end);
      if (type === TYPE.IPSECKEY) this.lowerGatewayAt(this.rdataStart[i]!, this.used);
    }
    this.rdataEnd[i] = this.used;
    this.next = end;
    this.count = i + 1;
  }

  /** `lowerIpseckeyGateway` on RDATA already copied to `data`. */
  private lowerGatewayAt(start: number, end: number): void {
    const rdata = this.data.subarray(start, end);
    const lowered = lowerIpseckeyGateway(rdata);
    if (lowered !== rdata) lowered.copy(rdata);
  }

  /**
   * Appends the RDATA of a name-bearing type to `data` with its names uncompressed
   * (and lowercased per RFC 4034 §6.2). RFC 3597 §4: pointers only in the types that
   * may have them, and never in RDATA that did not come in a message.
   */
  canonicalRdata(type: number, layout: readonly Field[], start: number, end: number, inMessage: boolean): void {
    const msg = this.msg;
    const pointers = inMessage && COMPRESSIBLE[type] === true;
    const lower = LOWERED[type] === true;
    let p = start;
    for (let k = 0; k < layout.length; k++) {
      const f = layout[k]!;
      if (f === 'n') {
        const at = this.used;
        const namePos = p;
        this.name(p, end, pointers);
        p = this.next;
        if (lower && hasUpper(this.data, at, this.used)) {
          lowerInPlace(this.data, at, this.used);
          // The name at namePos as received is not this lowercased copy: never reuse it.
          this.nameGen[namePos] = 0;
        }
      } else if (f === 's') {
        if (p >= end) throw new WireError('character-string runs past the end of its RDATA');
        const n = 1 + msg[p]!;
        if (p + n > end) throw new WireError('character-string runs past the end of its RDATA');
        this.copy(p, p + n);
        p += n;
      } else if (f === 'r') {
        this.copy(p, end);
        p = end;
      } else {
        if (p + f > end) throw new WireError('RDATA shorter than its fixed fields');
        this.copy(p, p + f);
        p += f;
      }
    }
    if (p !== end) throw new WireError(`RDATA of type ${type} has ${end - p} bytes past its last field`);
  }

  /** Appends msg[from..to] to `data`. */
  private copy(from: number, to: number): void {
    const n = to - from;
    this.room(n);
    const out = this.data;
    const at = this.used;
    // Short spans (most RDATA) copy faster byte by byte than through Buffer.copy.
    if (n <= 64) for (let k = 0; k < n; k++) out[at + k] = this.msg[from + k]!;
    else this.msg.copy(out, at, from, to);
    this.used = at + n;
  }
}

// The decoder of src/dns/message.ts as it was before MessageDecoder (git 78b8cfa), kept verbatim as the reference
// that test/dns/message.test.ts compares the current decoder against on random and hostile messages.
/**
 * A strict decoder for DNS messages received from an untrusted server.
 *
 * dns-packet is not used here: it does not hold a record to its RDLENGTH, reads
 * names as UTF-8 and leaves many types undecoded. This reader keeps names as raw
 * label bytes, follows compression pointers only backwards, and turns every record's
 * RDATA into its canonical wire form (RFC 4034 §6.2): names uncompressed, and
 * lowercased for the types that rule lists (and the few of types.ts LOWERCASE_ALSO).
 */
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, hasUpper, lowerInPlace, nameLength } from '../../src/dns/name.js';
import { COMPRESSIBLE_RDATA, TYPE, lowercasesRdataNames } from '../../src/dns/types.js';

interface Header {
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

interface Question {
  name: Buffer;
  type: number;
  class: number;
}

/** One resource record: owner as received (original case), RDATA in canonical wire form. */
interface WireRecord {
  owner: Buffer;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

interface Message {
  header: Header;
  questions: Question[];
  answers: WireRecord[];
  authority: WireRecord[];
  additional: WireRecord[];
}

export type DecodeResult = { ok: true; message: Message } | { ok: false; detail: string };

/** Thrown inside this module only; `decodeMessage` turns it into a value. */
class WireError extends Error {}

const HEADER_LENGTH = 12;

/** Reads only the header; undefined when fewer than 12 bytes. */
function decodeHeader(msg: Uint8Array): Header | undefined {
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

/**
 * Decodes a whole message. Every section is read and every record is held to its
 * RDLENGTH; bytes left after the last record make the message malformed. Records of
 * the authority and additional sections are checked for framing but not returned.
 */
export function decodeMessage(msg: Buffer): DecodeResult {
  const header = decodeHeader(msg);
  if (!header) return { ok: false, detail: `message of ${msg.length} bytes is shorter than a header` };
  const reader = new MessageReader(msg);
  try {
    let pos = HEADER_LENGTH;
    const questions: Question[] = [];
    for (let i = 0; i < header.qdcount; i++) {
      const name = reader.name(pos, msg.length, true);
      pos = reader.next;
      if (pos + 4 > msg.length) throw new WireError('question runs past the end of the message');
      questions.push({ name, type: msg.readUInt16BE(pos), class: msg.readUInt16BE(pos + 2) });
      pos += 4;
    }
    const answers: WireRecord[] = new Array(header.ancount);
    for (let i = 0; i < header.ancount; i++) {
      answers[i] = reader.record(pos);
      pos = reader.next;
    }
    const authority: WireRecord[] = new Array(header.nscount);
    for (let i = 0; i < header.nscount; i++) {
      authority[i] = reader.record(pos);
      pos = reader.next;
    }
    const additional: WireRecord[] = new Array(header.arcount);
    for (let i = 0; i < header.arcount; i++) {
      additional[i] = reader.record(pos);
      pos = reader.next;
    }
    if (pos !== msg.length) throw new WireError(`${msg.length - pos} bytes after the last record`);
    return { ok: true, message: { header, questions, answers, authority, additional } };
  } catch (e) {
    if (e instanceof WireError) return { ok: false, detail: e.message };
    throw e;
  }
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

/**
 * The canonical form of RDATA that arrives uncompressed (RFC 3597 text, a zone
 * file): its names checked against the type's layout and lowercased exactly as
 * for a record received in a message, so both paths give the same bytes.
 */
export function canonicalUncompressedRdata(type: number, rdata: Buffer): { ok: true; rdata: Buffer } | { ok: false; detail: string } {
  const layout = NAME_LAYOUT.get(type);
  try {
    let out = layout ? new MessageReader(rdata).canonicalRdata(type, layout, 0, rdata.length, false) : rdata;
    if (type === TYPE.IPSECKEY) out = lowerIpseckeyGateway(out);
    return { ok: true, rdata: out };
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

class MessageReader {
  /** Position after the last item read. */
  next = 0;
  private readonly names = new Map<number, Buffer>();
  private readonly scratch = Buffer.allocUnsafe(MAX_NAME_LENGTH + 1);

  constructor(private readonly msg: Buffer) {}

  /**
   * Reads a name starting at `pos`, whose inline part must end before `end`.
   * RFC 1035 §4.1.4 compression: each pointer must point before the previous
   * one (and before itself), so no chain can loop; the uncompressed name must fit
   * in 255 octets (RFC 1035 §2.3.4); label types 01 and 10 are refused (RFC 6891 §5).
   */
  name(pos: number, end: number, pointers: boolean): Buffer {
    const cached = this.names.get(pos);
    if (cached) {
      this.next = pos + this.inlineLength(pos);
      return cached;
    }
    // A name that is only a pointer is the name at its target: reuse it when already read
    // (the same checks as below: backwards, after the header, inside the data).
    const first = this.msg[pos];
    if (pointers && first !== undefined && first >= 0xc0 && pos + 1 < end) {
      const target = ((first & 0x3f) << 8) | this.msg[pos + 1]!;
      const known = target < pos && target >= HEADER_LENGTH ? this.names.get(target) : undefined;
      if (known) {
        this.names.set(pos, known);
        this.next = pos + 2;
        return known;
      }
    }
    const msg = this.msg;
    const out = this.scratch;
    let len = 0;
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
      if (len + 1 + b + 1 > MAX_NAME_LENGTH) throw new WireError(`name longer than ${MAX_NAME_LENGTH} octets`);
      if (p + 1 + b > limit) throw new WireError('label runs past the end of its data');
      out[len] = b;
      msg.copy(out, len + 1, p + 1, p + 1 + b);
      len += 1 + b;
      p += 1 + b;
    }
    const name = Buffer.from(out.subarray(0, len));
    this.names.set(pos, name);
    this.next = next;
    return name;
  }

  /** Length of a name's inline part (up to and including its terminator or first pointer); only for names already read. */
  private inlineLength(pos: number): number {
    const msg = this.msg;
    let p = pos;
    for (;;) {
      const b = msg[p]!;
      if (b === 0) return p + 1 - pos;
      if (b >= 0xc0) return p + 2 - pos;
      p += 1 + b;
    }
  }

  record(pos: number): WireRecord {
    const msg = this.msg;
    const owner = this.name(pos, msg.length, true);
    let p = this.next;
    if (p + 10 > msg.length) throw new WireError('record header runs past the end of the message');
    const type = msg.readUInt16BE(p);
    const cls = msg.readUInt16BE(p + 2);
    const ttl = msg.readUInt32BE(p + 4);
    const rdlength = msg.readUInt16BE(p + 8);
    p += 10;
    const end = p + rdlength;
    // RFC 1035 §3.2.1: RDLENGTH is the length of the RDATA; it may not reach past the message.
    if (end > msg.length) throw new WireError(`RDLENGTH ${rdlength} runs past the end of the message`);
    this.next = end;
    const layout = NAME_LAYOUT.get(type);
    let rdata = layout ? this.canonicalRdata(type, layout, p, end) : msg.subarray(p, end);
    if (type === TYPE.IPSECKEY) rdata = lowerIpseckeyGateway(rdata);
    this.next = end;
    return { owner, type, class: cls, ttl, rdata };
  }

  /** Rebuilds the RDATA of a name-bearing type with its names uncompressed (and lowercased per RFC 4034 §6.2). */
  canonicalRdata(type: number, layout: readonly Field[], start: number, end: number, inMessage = true): Buffer {
    const msg = this.msg;
    const pointers = inMessage && COMPRESSIBLE_RDATA.has(type);
    const lower = lowercasesRdataNames(type);
    const parts: Buffer[] = [];
    let p = start;
    for (const f of layout) {
      if (f === 'n') {
        const name = this.name(p, end, pointers);
        p = this.next;
        if (lower && hasUpper(name, 0, name.length)) {
          const copy = Buffer.from(name);
          lowerInPlace(copy, 0, copy.length);
          parts.push(copy);
        } else parts.push(name);
      } else if (f === 's') {
        if (p >= end) throw new WireError('character-string runs past the end of its RDATA');
        const n = 1 + msg[p]!;
        if (p + n > end) throw new WireError('character-string runs past the end of its RDATA');
        parts.push(msg.subarray(p, p + n));
        p += n;
      } else if (f === 'r') {
        parts.push(msg.subarray(p, end));
        p = end;
      } else {
        if (p + f > end) throw new WireError('RDATA shorter than its fixed fields');
        parts.push(msg.subarray(p, p + f));
        p += f;
      }
    }
    if (p !== end) throw new WireError(`RDATA of type ${type} has ${end - p} bytes past its last field`);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}

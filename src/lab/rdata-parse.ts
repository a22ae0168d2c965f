/**
 * Presentation RDATA → canonical wire RDATA: the inverse of src/dns/rdata.ts.
 *
 * The result is the RDATA exactly as src/dns/message.ts gives it for a record received
 * in a transfer: names uncompressed, and lowercased only for the types of
 * LOWERCASE_RDATA_NAMES (RFC 4034 §6.2 as amended by RFC 6840 §5.1); every other
 * name is kept as written.
 *
 * Tokens come from the master-file tokenizer (src/lab/masterfile.ts). Their text is a
 * "binary" string: one character per byte (code points 0–255), escapes (`\X`,
 * `\DDD`) not yet decoded. A quoted token's text is what stands between its quotes.
 *
 * Every failure is a RdataSyntaxError that names the token at fault (or none, when
 * a field is missing: the caller then points after the last token of the record).
 */
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, lowerInPlace } from '../dns/name.js';
import { rdataToText } from '../dns/rdata.js';
import { canonicalUncompressedRdata } from '../dns/message.js';
import { TYPE, lowercasesRdataNames, typeName, typeNumber } from '../dns/types.js';

export interface Token {
  /** Binary string (one char per byte); for a quoted token, the text between the quotes. */
  text: string;
  quoted: boolean;
  /** 1-based line and column of the token's first character (the opening quote of a quoted token). */
  line: number;
  col: number;
  /** Column just after the token. */
  end: number;
}

export class RdataSyntaxError extends Error {
  override name = 'RdataSyntaxError';
  constructor(
    message: string,
    readonly token?: Token,
  ) {
    super(message);
  }
}

/** RFC 1035 §3.2.1: RDLENGTH is 16 bits. */
const MAX_RDATA_LENGTH = 65535;

/* ------------------------------------------------------------------------------------------ */
/* Output buffer, reused across records (the parser is synchronous).                          */

class Out {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  private slab = Buffer.allocUnsafe(0);
  private slabPos = 0;
  /**
   * A copy of what was written from `start`, which is then forgotten. Small copies
   * are cut from a shared slab (as Buffer.from does from its pool, without its overhead).
   */
  take(start = 0): Buffer {
    const len = this.pos - start;
    this.pos = start;
    if (len > 1024) return Buffer.from(this.buf.subarray(start, start + len));
    if (this.slabPos + len > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(64 * 1024);
      this.slabPos = 0;
    }
    const at = this.slabPos;
    const slab = this.slab;
    const buf = this.buf;
    if (len <= 64) for (let k = 0; k < len; k++) slab[at + k] = buf[start + k]!;
    else buf.copy(slab, at, start, start + len);
    this.slabPos = (at + len + 7) & ~7;
    return this.slab.subarray(at, at + len);
  }
}

const OUT = new Out();

/* ------------------------------------------------------------------------------------------ */
/* Names and strings.                                                                          */

/** A token's text for a message: quoted, non-printable bytes as \\DDD, long text cut short. */
export function show(text: string): string {
  const s = text.length > 80 ? text.slice(0, 77) + '...' : text;
  return `"${s.replace(/[^\x20-\x7e]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`)}"`;
}

/**
 * Decodes the escape at `text[i]` (a backslash). Returns the byte and the index after
 * the escape. `\DDD` needs exactly three digits and a value ≤ 255 (as BIND).
 */
function escapeAt(text: string, i: number, what: string): [number, number] {
  if (i + 1 >= text.length) throw new RdataSyntaxError(`dangling backslash in ${what} ${show(text)}`);
  const c = text.charCodeAt(i + 1);
  if (c >= 0x30 && c <= 0x39) {
    const d2 = text.charCodeAt(i + 2) - 0x30;
    const d3 = text.charCodeAt(i + 3) - 0x30;
    if (!(d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9)) throw new RdataSyntaxError(`bad escape (\\DDD needs three digits) in ${what} ${show(text)}`);
    const v = (c - 0x30) * 100 + d2 * 10 + d3;
    if (v > 255) throw new RdataSyntaxError(`escape \\${text.slice(i + 1, i + 4)} is over 255 in ${what} ${show(text)}`);
    return [v, i + 4];
  }
  if (c > 0xff) throw new RdataSyntaxError(`character outside Latin-1 in ${what} ${show(text)}`);
  return [c, i + 2];
}

/**
 * Writes the wire form of a presentation name (RFC 1035 §5.1) to `out` and returns its
 * length. `@` is the origin; a name without a final dot is relative to the origin.
 */
function writeName(out: Out, text: string, origin: Buffer | undefined): number {
  const start = out.pos;
  if (text === '@' || text === '.') {
    const n = text === '.' ? ROOT_NAME : origin;
    if (n === undefined) throw new RdataSyntaxError('"@" with no origin (give $ORIGIN or an origin)');
    out.bytes(n);
    return n.length;
  }
  if (text.length === 0) throw new RdataSyntaxError('empty name');
  out.ensure(text.length + 2 + (origin ? origin.length : 0));
  const buf = out.buf;
  let p = out.pos;
  let lenPos = p++;
  let len = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    let c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (len === 0) throw new RdataSyntaxError(`empty label in name ${show(text)}`);
      if (len > MAX_LABEL_LENGTH) throw new RdataSyntaxError(`label longer than ${MAX_LABEL_LENGTH} octets in name ${show(text)}`);
      buf[lenPos] = len;
      lenPos = p++;
      len = 0;
      i++;
      continue;
    }
    if (c === 0x5c) {
      [c, i] = escapeAt(text, i, 'name');
    } else {
      if (c > 0xff) throw new RdataSyntaxError(`character outside Latin-1 in name ${show(text)}`);
      i++;
    }
    buf[p++] = c;
    len++;
  }
  if (len === 0) {
    buf[lenPos] = 0; // the name ended in a dot: absolute
  } else {
    if (len > MAX_LABEL_LENGTH) throw new RdataSyntaxError(`label longer than ${MAX_LABEL_LENGTH} octets in name ${show(text)}`);
    buf[lenPos] = len;
    if (origin === undefined) throw new RdataSyntaxError(`relative name ${show(text)} with no origin (give $ORIGIN or an absolute name)`);
    origin.copy(buf, p);
    p += origin.length;
  }
  const total = p - start;
  if (total > MAX_NAME_LENGTH) {
    throw new RdataSyntaxError(`name longer than ${MAX_NAME_LENGTH} octets (${total}): ${show(text)}${len > 0 ? ' with its origin' : ''}`);
  }
  out.pos = p;
  return total;
}

const ROOT_NAME = Buffer.from([0]);

/** A presentation name in wire form (see writeName). Throws RdataSyntaxError. */
export function parseName(text: string, origin: Buffer | undefined): Buffer {
  const start = OUT.pos;
  writeName(OUT, text, origin);
  return OUT.take(start);
}

/** Decodes the escapes of a character-string's text into `out` and returns the number of bytes. */
function writeString(out: Out, text: string, what: string): number {
  const n = text.length;
  out.ensure(n);
  const buf = out.buf;
  let p = out.pos;
  for (let i = 0; i < n; ) {
    let c = text.charCodeAt(i);
    if (c === 0x5c) {
      [c, i] = escapeAt(text, i, what);
    } else {
      if (c > 0xff) throw new RdataSyntaxError(`character outside Latin-1 in ${what} ${show(text)}`);
      i++;
    }
    buf[p++] = c;
  }
  const len = p - out.pos;
  out.pos = p;
  return len;
}

/** The bytes of a string with its escapes decoded. */
function decodeString(text: string, what = 'string'): Buffer {
  const start = OUT.pos;
  writeString(OUT, text, what);
  return OUT.take(start);
}

/* ------------------------------------------------------------------------------------------ */
/* Numbers, TTLs, addresses, encodings.                                                        */

/** A decimal number 0..max, or -1. */
function decimal(text: string, max: number): number {
  const n = text.length;
  if (n === 0 || n > 10) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= max ? v : -2;
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A TTL: a decimal number of seconds, or BIND's units (`1w2d3h4m5s`, any case).
 * Returns the value, -1 when it is not written as a TTL, -2 when it is over 2^32 - 1.
 */
export function ttlValue(text: string): number {
  const plain = decimal(text, 0xffffffff);
  if (plain !== -1) return plain;
  if (!/^(?:[0-9]+[smhdwSMHDW])+$/.test(text)) return -1;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)([smhdwSMHDW])/g)) total += Number(m[1]) * TTL_UNITS[m[2]!.toLowerCase()]!;
  return total <= 0xffffffff ? total : -2;
}

function parseIpv4(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(4);
  return writeIpv4(text, out, 0) ? out : undefined;
}

/** Writes a dotted-quad IPv4 address at `buf[at]`; false when `text` is not one. */
function writeIpv4(text: string, buf: Uint8Array, at: number): boolean {
  const n = text.length;
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || v > 255 || part > 3) return false;
      buf[at + part++] = v;
      v = 0;
      digits = 0;
    } else {
      const d = c - 0x30;
      if (d < 0 || d > 9 || ++digits > 3) return false;
      v = v * 10 + d;
    }
  }
  return part === 4;
}

/** RFC 4291 §2.2 text forms, including `::` and a dotted IPv4 tail. */
export function parseIpv6(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(16);
  return writeIpv6(text, out, 0) ? out : undefined;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Writes an IPv6 address at `buf[at]`; false when `text` is not one. */
function writeIpv6(text: string, buf: Uint8Array, at: number): boolean {
  const n = text.length;
  const g = new Array<number>(8);
  let count = 0;
  let gap = -1; // group index where `::` stands
  let i = 0;
  if (n >= 2 && text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
    if (i === n) {
      buf.fill(0, at, at + 16);
      return true;
    }
  }
  for (;;) {
    // One group: hex digits, or a dotted IPv4 tail.
    const start = i;
    let v = 0;
    while (i < n) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) break;
      v = v * 16 + d;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 0x2e) {
      if (count > 6) return false;
      const tmp = new Uint8Array(4);
      if (!writeIpv4(text.slice(start), tmp, 0)) return false;
      g[count++] = (tmp[0]! << 8) | tmp[1]!;
      g[count++] = (tmp[2]! << 8) | tmp[3]!;
      break;
    }
    if (i === start || i - start > 4 || count >= 8) return false;
    g[count++] = v;
    if (i === n) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) return false;
  }
  if (gap < 0 ? count !== 8 : count > 7) return false;
  const zeros = 8 - count;
  let o = at;
  for (let k = 0; k < count; k++) {
    if (k === gap) for (let z = 0; z < zeros; z++, o += 2) buf[o] = buf[o + 1] = 0;
    buf[o++] = g[k]! >> 8;
    buf[o++] = g[k]! & 0xff;
  }
  if (gap === count) for (let z = 0; z < zeros; z++, o += 2) buf[o] = buf[o + 1] = 0;
  return true;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function parseBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}
function parseHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

const B32 = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  B32['0123456789abcdefghijklmnopqrstuv'.charCodeAt(i)] = i;
  B32['0123456789ABCDEFGHIJKLMNOPQRSTUV'.charCodeAt(i)] = i;
}

/** RFC 4648 §7 base32hex without padding, either case (RFC 5155 §3.3). */
export function parseBase32hex(text: string): Buffer | undefined {
  const n = text.length;
  // Lengths that a whole number of octets gives: 8k + {0, 2, 4, 5, 7}.
  if (![0, 2, 4, 5, 7].includes(n % 8)) return undefined;
  const out = Buffer.allocUnsafe(Math.floor((n * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B32[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

/** Type tokens as written (`A`, `a`, `TYPE1`) → number, to spare typeNumber's upper-casing on every record. */
const TYPE_CACHE = new Map<string, number>();

/** typeNumber, remembered for the spellings seen. */
export function typeOf(text: string): number | undefined {
  let t = TYPE_CACHE.get(text);
  if (t === undefined) {
    t = typeNumber(text);
    if (t !== undefined && TYPE_CACHE.size < 4096) TYPE_CACHE.set(text, t);
  }
  return t;
}

/** DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers"), as BIND and ldns accept them. */
const DNSSEC_ALGORITHMS: Record<string, number> = {
  RSAMD5: 1,
  DH: 2,
  DSA: 3,
  RSASHA1: 5,
  'DSA-NSEC3-SHA1': 6,
  'RSASHA1-NSEC3-SHA1': 7,
  RSASHA256: 8,
  RSASHA512: 10,
  'ECC-GOST': 12,
  ECDSAP256SHA256: 13,
  ECDSAP384SHA384: 14,
  ED25519: 15,
  ED448: 16,
  INDIRECT: 252,
  PRIVATEDNS: 253,
  PRIVATEOID: 254,
};

/** RFC 4398 §2.1 certificate types. */
const CERT_TYPES: Record<string, number> = {
  PKIX: 1,
  SPKI: 2,
  PGP: 3,
  IPKIX: 4,
  ISPKI: 5,
  IPGP: 6,
  ACPKIX: 7,
  IACPKIX: 8,
  URI: 253,
  OID: 254,
};

/* ------------------------------------------------------------------------------------------ */
/* The parser of one record's RDATA tokens.                                                    */

class P {
  i = 0;
  end = 0;
  type = 0;
  lower = false;
  toks: readonly Token[] = [];
  origin: Buffer | undefined;
  constructor(readonly out: Out) {}
  /** Set up for one record (one P serves every record: the parser is synchronous). */
  reset(toks: readonly Token[], start: number, end: number, type: number, origin: Buffer | undefined): this {
    this.toks = toks;
    this.i = start;
    this.end = end;
    this.type = type;
    this.origin = origin;
    this.lower = lowercasesRdataNames(type);
    return this;
  }
  get tn(): string {
    return typeName(this.type);
  }
  get more(): boolean {
    return this.i < this.end;
  }
  peek(): Token | undefined {
    return this.i < this.end ? this.toks[this.i] : undefined;
  }
  next(what: string): Token {
    const t = this.peek();
    if (t === undefined) throw new RdataSyntaxError(`missing ${what} in ${this.tn} RDATA`);
    this.i++;
    return t;
  }
  fail(t: Token, msg: string): never {
    throw new RdataSyntaxError(`${msg} in ${this.tn} RDATA`, t);
  }
  /** Runs `f`, giving its RdataSyntaxError the token `t` when it names none. */
  at<R>(t: Token, f: () => R): R {
    try {
      return f();
    } catch (e) {
      if (e instanceof RdataSyntaxError && e.token === undefined) throw new RdataSyntaxError(`${e.message} in ${this.tn} RDATA`, t);
      throw e;
    }
  }
  done(): void {
    const t = this.peek();
    if (t !== undefined) this.fail(t, `unexpected ${t.quoted ? 'quoted string ' : ''}${show(t.text)} after the last field`);
  }
  num(what: string, max: number): number {
    const t = this.next(what);
    const v = decimal(t.text, max);
    if (v === -1) this.fail(t, `bad ${what} ${show(t.text)}`);
    if (v === -2) this.fail(t, `${what} ${t.text} is over ${max}`);
    return v;
  }
  u8(what: string): void {
    this.out.u8(this.num(what, 0xff));
  }
  u16(what: string): void {
    this.out.u16(this.num(what, 0xffff));
  }
  u32(what: string): void {
    this.out.u32(this.num(what, 0xffffffff));
  }
  /** A 32-bit field that BIND also reads with TTL units (SOA timers, original TTL). */
  ttl(what: string): void {
    const t = this.next(what);
    const v = ttlValue(t.text);
    if (v === -1) this.fail(t, `bad ${what} ${show(t.text)}`);
    if (v === -2) this.fail(t, `${what} ${t.text} is over 4294967295`);
    this.out.u32(v);
  }
  mnemonic(what: string, table: Record<string, number>, max: number): number {
    const t = this.next(what);
    const v = decimal(t.text, max);
    if (v >= 0) return v;
    const m = table[t.text.toUpperCase()];
    if (m !== undefined && Object.hasOwn(table, t.text.toUpperCase())) return m;
    if (v === -2) this.fail(t, `${what} ${t.text} is over ${max}`);
    return this.fail(t, `bad ${what} ${show(t.text)}`);
  }
  alg(): void {
    this.out.u8(this.mnemonic('algorithm', DNSSEC_ALGORITHMS, 0xff));
  }
  name(what: string): void {
    const t = this.next(what);
    const start = this.out.pos;
    const len = this.at(t, () => writeName(this.out, t.text, this.origin));
    if (this.lower) lowerInPlace(this.out.buf, start, start + len);
  }
  /** RFC 1035 §3.3 <character-string>: a length octet and up to 255 octets. */
  string(what: string): void {
    const t = this.next(what);
    const at = this.out.pos;
    this.out.u8(0);
    const len = this.at(t, () => writeString(this.out, t.text, what));
    if (len > 255) this.fail(t, `${what} of ${len} octets (at most 255)`);
    this.out.buf[at] = len;
  }
  /** The remaining tokens joined (base64 and hex may be split by spaces). */
  rest(what: string, required: boolean): { text: string; first: Token | undefined } {
    const first = this.peek();
    if (first === undefined) {
      if (required) this.next(what);
      return { text: '', first };
    }
    let text = '';
    while (this.more) text += this.toks[this.i++]!.text;
    return { text, first };
  }
  restHex(what: string, required = true): void {
    const { text, first } = this.rest(what, required);
    const b = parseHex(text);
    if (!b) this.fail(first!, `bad hex in ${what}`);
    this.out.bytes(b);
  }
  restBase64(what: string, required = true): void {
    const { text, first } = this.rest(what, required);
    const b = parseBase64(text);
    if (!b) this.fail(first!, `bad base64 in ${what}`);
    this.out.bytes(b);
  }
  ipv4(): void {
    const t = this.next('IPv4 address');
    this.out.ensure(4);
    if (!writeIpv4(t.text, this.out.buf, this.out.pos)) this.fail(t, `bad IPv4 address ${show(t.text)}`);
    this.out.pos += 4;
  }
  ipv6(): void {
    const t = this.next('IPv6 address');
    this.out.ensure(16);
    if (!writeIpv6(t.text, this.out.buf, this.out.pos)) this.fail(t, `bad IPv6 address ${show(t.text)}`);
    this.out.pos += 16;
  }
  /** A salt: `-` for none, else hex, with its length octet (RFC 5155 §3.3). */
  salt(): void {
    const t = this.next('salt');
    if (t.text === '-') return this.out.u8(0);
    const b = parseHex(t.text);
    if (!b || b.length === 0) this.fail(t, `bad salt ${show(t.text)}`);
    if (b.length > 255) this.fail(t, `salt of ${b.length} octets (at most 255)`);
    this.out.u8(b.length);
    this.out.bytes(b);
  }
  /** RFC 4034 §4.1.2 type bitmap from the remaining tokens (mnemonics or TYPEnnn). */
  bitmap(): void {
    const types: number[] = [];
    while (this.more) {
      const t = this.next('type');
      const v = typeOf(t.text);
      if (v === undefined) this.fail(t, `unknown type ${show(t.text)} in the type bitmap`);
      types.push(v);
    }
    writeBitmap(this.out, types);
  }
}

/** Writes the window blocks of a type bitmap (RFC 4034 §4.1.2) for a set of types. */
function writeBitmap(out: Out, types: number[]): void {
  // Listed in order as a rule; sort only when not.
  for (let k = 1; k < types.length; k++) {
    if (types[k]! < types[k - 1]!) {
      types.sort((a, b) => a - b);
      break;
    }
  }
  let i = 0;
  const n = types.length;
  while (i < n) {
    const window = types[i]! >> 8;
    let j = i;
    while (j < n && types[j]! >> 8 === window) j++;
    const len = ((types[j - 1]! & 0xff) >> 3) + 1;
    out.ensure(2 + len);
    const buf = out.buf;
    let at = out.pos;
    buf[at++] = window;
    buf[at++] = len;
    buf.fill(0, at, at + len);
    for (let k = i; k < j; k++) {
      const low = types[k]! & 0xff;
      buf[at + (low >> 3)]! |= 0x80 >> (low & 7);
    }
    out.pos = at + len;
    i = j;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* RRSIG times, LOC, SVCB.                                                                     */

/** RFC 4034 §3.2: YYYYMMDDHHmmSS (UTC) or a plain number of seconds; serial arithmetic mod 2^32. */
function sigTime(p: P, what: string): void {
  const t = p.next(what);
  const s = t.text;
  if (/^[0-9]{14}$/.test(s)) {
    const y = Number(s.slice(0, 4));
    const mo = Number(s.slice(4, 6));
    const d = Number(s.slice(6, 8));
    const h = Number(s.slice(8, 10));
    const mi = Number(s.slice(10, 12));
    const se = Number(s.slice(12, 14));
    const ms = Date.UTC(y, mo - 1, d, h, mi, se);
    const back = new Date(ms);
    if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59 || back.getUTCDate() !== d || back.getUTCFullYear() !== y) {
      p.fail(t, `bad ${what} ${show(s)}`);
    }
    const secs = ms / 1000;
    return p.out.u32(((secs % 2 ** 32) + 2 ** 32) % 2 ** 32);
  }
  const v = decimal(s, 0xffffffff);
  if (v < 0) p.fail(t, `bad ${what} ${show(s)} (YYYYMMDDHHmmSS or seconds)`);
  p.out.u32(v);
}

/** A decimal with at most `frac` fraction digits, scaled to an integer; NaN when malformed. */
function scaled(text: string, frac: number, signed: boolean): number {
  const m = /^(-?)([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!m || (m[1] && !signed) || (m[2] === '' && !m[3])) return NaN;
  const f = m[3] ?? '';
  if (f.length > frac) return NaN;
  const v = Number(m[2] || '0') * 10 ** frac + Number(f.padEnd(frac, '0') || '0');
  return m[1] ? -v : v;
}

function locAngle(p: P, pos: string, neg: string, maxDeg: number): number {
  const hemi = (t: Token | undefined): number => {
    if (t === undefined) return 0;
    const u = t.text.toUpperCase();
    return u === pos ? 1 : u === neg ? -1 : 0;
  };
  const what = maxDeg === 90 ? 'latitude' : 'longitude';
  const dt = p.next(`${what} degrees`);
  const deg = decimal(dt.text, maxDeg);
  if (deg < 0) p.fail(dt, `bad ${what} degrees ${show(dt.text)}`);
  let min = 0;
  let ms = 0;
  let h = hemi(p.peek());
  if (h === 0) {
    const mt = p.next(`${what} minutes or ${pos}/${neg}`);
    min = decimal(mt.text, 59);
    if (min < 0) p.fail(mt, `bad ${what} minutes ${show(mt.text)}`);
    h = hemi(p.peek());
    if (h === 0) {
      const st = p.next(`${what} seconds or ${pos}/${neg}`);
      ms = scaled(st.text, 3, false);
      if (!(ms < 60_000)) p.fail(st, `bad ${what} seconds ${show(st.text)}`);
      h = hemi(p.peek());
    }
  }
  const ht = p.next(`${pos} or ${neg}`);
  if (h === 0) p.fail(ht, `expected ${pos} or ${neg}, found ${show(ht.text)}`);
  const total = (deg * 3600 + min * 60) * 1000 + ms;
  if (total > maxDeg * 3_600_000) p.fail(dt, `${what} beyond ${maxDeg} degrees`);
  return 2 ** 31 + h * total;
}

/** RFC 1876 precision: centimetres as mantissa and power of ten (BIND's precsize_aton). */
function locSize(p: P, what: string, dflt: number): number {
  const t = p.peek();
  if (t === undefined) return dflt;
  p.i++;
  const text = t.text.endsWith('m') || t.text.endsWith('M') ? t.text.slice(0, -1) : t.text;
  const cm = scaled(text, 2, false);
  if (!(cm <= 9_000_000_000)) p.fail(t, `bad ${what} ${show(t.text)} (0 to 90000000.00m)`);
  let e = 0;
  while (e < 9 && cm >= 10 ** (e + 1)) e++;
  const m = Math.min(9, Math.floor(cm / 10 ** e));
  return (m << 4) | e;
}

function loc(p: P): void {
  const lat = locAngle(p, 'N', 'S', 90);
  const lon = locAngle(p, 'E', 'W', 180);
  const at = p.next('altitude');
  const atext = at.text.endsWith('m') || at.text.endsWith('M') ? at.text.slice(0, -1) : at.text;
  const alt = scaled(atext, 2, true);
  if (!(alt >= -10_000_000 && alt <= 0xffffffff - 10_000_000)) p.fail(at, `bad altitude ${show(at.text)} (-100000.00 to 42849672.95m)`);
  const size = locSize(p, 'size', 0x12);
  const hp = locSize(p, 'horizontal precision', 0x16);
  const vp = locSize(p, 'vertical precision', 0x13);
  const o = p.out;
  o.u8(0);
  o.u8(size);
  o.u8(hp);
  o.u8(vp);
  o.u32(lat);
  o.u32(lon);
  o.u32(alt + 10_000_000);
}

/** RFC 9460 §14.3.2 SvcParamKeys. */
const SVC_KEYS: Record<string, number> = {
  mandatory: 0,
  alpn: 1,
  'no-default-alpn': 2,
  port: 3,
  ipv4hint: 4,
  ech: 5,
  ipv6hint: 6,
  dohpath: 7,
  ohttp: 8,
};

function svcKeyNumber(text: string): number | undefined {
  const k = SVC_KEYS[text];
  if (k !== undefined && Object.hasOwn(SVC_KEYS, text)) return k;
  const m = /^key([0-9]{1,5})$/.exec(text);
  if (m && (m[1] === '0' || !m[1]!.startsWith('0')) && Number(m[1]) <= 65535) return Number(m[1]);
  return undefined;
}

/** RFC 9460 Appendix A.1: a value-list is split at commas not escaped by a backslash; `\,` and `\\` stand for themselves. */
function valueList(bytes: Buffer): Buffer[] {
  const items: Buffer[] = [];
  let cur: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c && i + 1 < bytes.length) cur.push(bytes[++i]!);
    else if (b === 0x2c) {
      items.push(Buffer.from(cur));
      cur = [];
    } else cur.push(b);
  }
  items.push(Buffer.from(cur));
  return items;
}

function svcb(p: P): void {
  p.u16('SvcPriority');
  // Lowercased like src/dns/message.ts does (types.ts LOWERCASE_ALSO).
  p.name('TargetName');
  const params: { key: number; value: Buffer; tok: Token }[] = [];
  while (p.more) {
    const t = p.next('SvcParam');
    if (t.quoted) p.fail(t, `expected key=value, found a quoted string`);
    const eq = t.text.indexOf('=');
    const keyText = eq < 0 ? t.text : t.text.slice(0, eq);
    const key = svcKeyNumber(keyText);
    if (key === undefined) p.fail(t, `unknown SvcParamKey ${show(keyText)}`);
    let raw: string | undefined;
    if (eq >= 0) {
      raw = t.text.slice(eq + 1);
      if (raw.startsWith('"')) {
        if (raw.length < 2 || !raw.endsWith('"')) p.fail(t, `unterminated quoted value of ${keyText}`);
        raw = raw.slice(1, -1);
      }
    }
    const value = raw === undefined ? Buffer.alloc(0) : p.at(t, () => decodeString(raw!, `value of ${keyText}`));
    params.push({ key, value: svcValue(p, t, key, keyText, raw !== undefined, value), tok: t });
  }
  params.sort((a, b) => a.key - b.key);
  for (let i = 0; i < params.length; i++) {
    const { key, value, tok } = params[i]!;
    if (i > 0 && params[i - 1]!.key === key) p.fail(tok, `SvcParamKey ${keyName(key)} given twice`);
    if (value.length > 65535) p.fail(tok, `value of ${keyName(key)} longer than 65535 octets`);
    p.out.u16(key);
    p.out.u16(value.length);
    p.out.bytes(value);
  }
  // A mandatory key that is absent (RFC 9460 §8) is not refused: it changes no byte, and
  // src/dns/rdata.ts prints such RDATA from a transfer, so zonelog's own text must read back.
}

function keyName(k: number): string {
  return Object.keys(SVC_KEYS)[k] ?? `key${k}`;
}

function svcValue(p: P, t: Token, key: number, keyText: string, hasValue: boolean, value: Buffer): Buffer {
  const needValue = () => {
    if (!hasValue || value.length === 0) p.fail(t, `${keyText} needs a value`);
  };
  switch (key) {
    case 0: {
      needValue();
      const keys: number[] = [];
      for (const item of valueList(value)) {
        const k = svcKeyNumber(item.toString('latin1'));
        if (k === undefined) p.fail(t, `unknown key ${show(item.toString('latin1'))} in mandatory`);
        if (k === 0) p.fail(t, 'mandatory lists itself');
        if (keys.includes(k)) p.fail(t, `key ${keyName(k)} twice in mandatory`);
        keys.push(k);
      }
      keys.sort((a, b) => a - b);
      const out = Buffer.allocUnsafe(keys.length * 2);
      keys.forEach((k, i) => out.writeUInt16BE(k, i * 2));
      return out;
    }
    case 1: {
      needValue();
      const parts: Buffer[] = [];
      for (const id of valueList(value)) {
        if (id.length === 0) p.fail(t, 'empty alpn id');
        if (id.length > 255) p.fail(t, 'alpn id longer than 255 octets');
        parts.push(Buffer.from([id.length]), id);
      }
      return Buffer.concat(parts);
    }
    case 2:
    case 8:
      if (value.length !== 0) p.fail(t, `${keyText} takes no value`);
      return value;
    case 3: {
      needValue();
      const v = decimal(value.toString('latin1'), 0xffff);
      if (v < 0) p.fail(t, `bad port ${show(value.toString('latin1'))}`);
      return Buffer.from([v >> 8, v & 0xff]);
    }
    case 4:
    case 6: {
      needValue();
      const parts: Buffer[] = [];
      for (const item of valueList(value)) {
        const s = item.toString('latin1');
        const a = key === 4 ? parseIpv4(s) : parseIpv6(s);
        if (!a) p.fail(t, `bad ${key === 4 ? 'IPv4' : 'IPv6'} address ${show(s)} in ${keyText}`);
        parts.push(a);
      }
      return Buffer.concat(parts);
    }
    case 5: {
      const b = parseBase64(value.toString('latin1'));
      if (!b) p.fail(t, 'bad base64 in ech');
      return b;
    }
    default:
      return value;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* The types.                                                                                  */

function ipseckey(p: P): void {
  p.u8('precedence');
  const gt = p.peek();
  const gwType = p.num('gateway type', 0xff);
  p.out.u8(gwType);
  p.alg();
  const t = p.next('gateway');
  switch (gwType) {
    case 0:
      if (t.text !== '.') p.fail(t, 'gateway type 0 needs "." as its gateway');
      break;
    case 1: {
      const b = parseIpv4(t.text);
      if (!b) p.fail(t, `bad IPv4 address ${show(t.text)}`);
      p.out.bytes(b);
      break;
    }
    case 2: {
      const b = parseIpv6(t.text);
      if (!b) p.fail(t, `bad IPv6 address ${show(t.text)}`);
      p.out.bytes(b);
      break;
    }
    case 3: {
      const start = p.out.pos;
      const len = p.at(t, () => writeName(p.out, t.text, p.origin));
      // Lowercased like src/dns/message.ts does (types.ts LOWERCASE_ALSO).
      lowerInPlace(p.out.buf, start, start + len);
      break;
    }
    default:
      p.fail(gt!, `gateway type ${gwType} has no presentation format (use \\#)`);
  }
  p.restBase64('public key', false);
}

function caa(p: P): void {
  p.u8('flags');
  const t = p.next('tag');
  if (!/^[A-Za-z0-9]{1,15}$/.test(t.text)) p.fail(t, `bad CAA tag ${show(t.text)} (1 to 15 letters and digits)`);
  p.out.u8(t.text.length);
  for (let i = 0; i < t.text.length; i++) p.out.u8(t.text.charCodeAt(i));
  const v = p.next('value');
  p.at(v, () => writeString(p.out, v.text, 'value'));
}

function eui(n: number) {
  const re = new RegExp(`^[0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){${n - 1}}$`);
  return (p: P): void => {
    const t = p.next('address');
    if (!re.test(t.text)) p.fail(t, `bad EUI-${n * 8} address ${show(t.text)}`);
    p.out.bytes(Buffer.from(t.text.replace(/-/g, ''), 'hex'));
  };
}

const nameOnly = (p: P) => p.name('domain name');
const prefName = (what: string) => (p: P) => {
  p.u16('preference');
  p.name(what);
};
const ds = (p: P) => {
  p.u16('key tag');
  p.alg();
  p.u8('digest type');
  p.restHex('digest');
};
const dnskey = (required: boolean) => (p: P) => {
  p.u16('flags');
  p.u8('protocol');
  p.alg();
  p.restBase64('public key', required);
};
const rrsig = (required: boolean) => (p: P) => {
  const t = p.next('type covered');
  const covered = typeNumber(t.text);
  if (covered === undefined) p.fail(t, `unknown type covered ${show(t.text)}`);
  p.out.u16(covered);
  p.alg();
  p.u8('labels');
  p.ttl('original TTL');
  sigTime(p, 'signature expiration');
  sigTime(p, 'signature inception');
  p.u16('key tag');
  p.name("signer's name");
  p.restBase64('signature', required);
};
const strings = (p: P) => {
  p.string('character-string');
  while (p.more) p.string('character-string');
};
const tlsa = (p: P) => {
  p.u8('certificate usage');
  p.u8('selector');
  p.u8('matching type');
  p.restHex('certificate association data');
};

/*
 * Types that src/dns/rdata.ts prints in RFC 3597 form, read here in the presentation that
 * BIND's dig and named-compilezone (and, for some, kdig and ldns) print, so that their
 * listings of zones holding such records can be read too.
 */

/** RFC 3123: `[!]afi:address/prefix`, the address without its trailing zero octets. */
function apl(p: P): void {
  while (p.more) {
    const t = p.next('APL item');
    const m = /^(!?)([0-9]{1,5}):([^/]+)\/([0-9]{1,3})$/.exec(t.text);
    if (!m) p.fail(t, `bad APL item ${show(t.text)} ([!]afi:address/prefix)`);
    const afi = Number(m[2]);
    const prefix = Number(m[4]);
    let addr: Buffer | undefined;
    if (afi === 1) addr = parseIpv4(m[3]!);
    else if (afi === 2) addr = parseIpv6(m[3]!);
    else p.fail(t, `APL address family ${afi} has no presentation format (use \\#)`);
    if (!addr) p.fail(t, `bad address ${show(m[3]!)} in APL item`);
    if (prefix > addr.length * 8) p.fail(t, `APL prefix /${prefix} is too long`);
    let len = addr.length;
    while (len > 0 && addr[len - 1] === 0) len--;
    p.out.u16(afi);
    p.out.u8(prefix);
    p.out.u8((m[1] ? 0x80 : 0) | len);
    p.out.bytes(addr.subarray(0, len));
  }
}

/** RFC 8005: `pk-algorithm HIT public-key [rendezvous-server ...]`. */
function hip(p: P): void {
  const alg = p.num('PK algorithm', 0xff);
  const ht = p.next('HIT');
  const hit = parseHex(ht.text);
  if (!hit || hit.length === 0 || hit.length > 255) p.fail(ht, `bad HIT ${show(ht.text)}`);
  const kt = p.next('public key');
  const key = parseBase64(kt.text);
  if (!key || key.length === 0) p.fail(kt, 'bad base64 in public key');
  if (key.length > 0xffff) p.fail(kt, 'public key longer than 65535 octets');
  p.out.u8(hit.length);
  p.out.u8(alg);
  p.out.u16(key.length);
  p.out.bytes(hit);
  p.out.bytes(key);
  while (p.more) {
    const t = p.next('rendezvous server');
    p.at(t, () => writeName(p.out, t.text, p.origin));
  }
}

/** RFC 8777: `precedence D-bit type relay`. */
function amtrelay(p: P): void {
  p.u8('precedence');
  const dt = p.next('discovery optional bit');
  if (dt.text !== '0' && dt.text !== '1') p.fail(dt, `bad discovery optional bit ${show(dt.text)} (0 or 1)`);
  const tt = p.peek();
  const type = p.num('relay type', 0x7f);
  p.out.u8((dt.text === '1' ? 0x80 : 0) | type);
  switch (type) {
    case 0: {
      const t = p.peek();
      if (t !== undefined && t.text === '.') p.i++;
      return;
    }
    case 1:
      return p.ipv4();
    case 2:
      return p.ipv6();
    case 3: {
      const t = p.next('relay');
      p.at(t, () => writeName(p.out, t.text, p.origin));
      return;
    }
    default:
      p.fail(tt!, `relay type ${type} has no presentation format (use \\#)`);
  }
}

/** RFC 2874: `prefix-length address-suffix [prefix-name]`. */
function a6(p: P): void {
  const plen = p.num('prefix length', 128);
  const octets = Math.ceil((128 - plen) / 8);
  p.out.u8(plen);
  if (octets > 0) {
    const t = p.next('address suffix');
    const a = parseIpv6(t.text);
    if (!a) p.fail(t, `bad IPv6 address ${show(t.text)}`);
    p.out.bytes(a.subarray(16 - octets));
  }
  if (plen > 0) {
    // Not lowercased: src/dns/message.ts leaves A6 as received (it has no layout for it).
    const t = p.next('prefix name');
    p.at(t, () => writeName(p.out, t.text, p.origin));
  }
}

/** RFC 1035 §3.4.2: `address protocol port...` (numbers; tcp and udp by name). */
function wks(p: P): void {
  p.ipv4();
  const pt = p.next('protocol');
  const proto = pt.text.toLowerCase() === 'tcp' ? 6 : pt.text.toLowerCase() === 'udp' ? 17 : decimal(pt.text, 255);
  if (proto < 0) p.fail(pt, `bad protocol ${show(pt.text)}`);
  p.out.u8(proto);
  const ports: number[] = [];
  while (p.more) ports.push(p.num('port', 0xffff));
  if (ports.length === 0) return;
  const bits = new Uint8Array((Math.max(...ports) >> 3) + 1);
  for (const port of ports) bits[port >> 3]! |= 0x80 >> (port & 7);
  p.out.bytes(bits);
}

/** RFC 2535 §5.2: `next-domain type...`, a bitmap of types below 128 from bit 0. */
function nxt(p: P): void {
  p.name('next domain name');
  const types: number[] = [];
  while (p.more) {
    const t = p.next('type');
    const v = typeNumber(t.text);
    if (v === undefined || v > 127) p.fail(t, `bad type ${show(t.text)} in the NXT bitmap (below 128)`);
    types.push(v);
  }
  if (types.length === 0) return;
  const bits = new Uint8Array((Math.max(...types) >> 3) + 1);
  for (const v of types) bits[v >> 3]! |= 0x80 >> (v & 7);
  p.out.bytes(bits);
}

/** RFC 1706: `0x` and hex digits, dots allowed between them. */
function nsap(p: P): void {
  const t = p.next('NSAP address');
  const m = /^0[xX]([0-9a-fA-F.]+)$/.exec(t.text);
  const b = m ? parseHex(m[1]!.replace(/\./g, '')) : undefined;
  if (!b || b.length === 0) p.fail(t, `bad NSAP address ${show(t.text)}`);
  p.out.bytes(b);
}

/** RFC 6742 64-bit locators and node IDs: four groups of 1 to 4 hex digits. */
function locator64(p: P): void {
  p.u16('preference');
  const t = p.next('locator');
  const m = /^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$/.exec(t.text);
  if (!m) p.fail(t, `bad 64-bit locator ${show(t.text)}`);
  for (let i = 1; i <= 4; i++) p.out.u16(parseInt(m[i]!, 16));
}

/** ATM address (ATM Forum AF-DANS-0152): `+digits` (E.164) or hex (NSAP). */
function atma(p: P): void {
  const t = p.next('ATM address');
  if (t.text.startsWith('+')) {
    if (!/^\+[0-9]+$/.test(t.text)) p.fail(t, `bad E.164 ATM address ${show(t.text)}`);
    p.out.u8(1);
    for (let i = 1; i < t.text.length; i++) p.out.u8(t.text.charCodeAt(i));
    return;
  }
  const b = parseHex(t.text.replace(/\./g, ''));
  if (!b || b.length === 0) p.fail(t, `bad ATM address ${show(t.text)}`);
  p.out.u8(0);
  p.out.bytes(b);
}

/** draft-durand-doa-over-dns: `enterprise type location "media-type" data|-`. */
function doa(p: P): void {
  p.u32('enterprise');
  p.u32('type');
  p.u8('location');
  p.string('media type');
  const t = p.peek();
  if (t !== undefined && t.text === '-' && p.i + 1 === p.end) {
    p.i++;
    return;
  }
  p.restBase64('data', false);
}

const twoNames = (a: string, b: string) => (p: P) => {
  p.name(a);
  p.name(b);
};

/** Parsers that consume all their tokens themselves (a trailing hex/base64/bitmap/string list). */
const PARSERS = new Map<number, (p: P) => void>([
  [TYPE.A, (p) => p.ipv4()],
  [TYPE.AAAA, (p) => p.ipv6()],
  ...[TYPE.NS, TYPE.MD, TYPE.MF, TYPE.CNAME, TYPE.MB, TYPE.MG, TYPE.MR, TYPE.PTR, TYPE.DNAME].map((t) => [t, nameOnly] as const),
  [
    TYPE.SOA,
    (p) => {
      p.name('MNAME');
      p.name('RNAME');
      p.u32('serial');
      p.ttl('refresh');
      p.ttl('retry');
      p.ttl('expire');
      p.ttl('minimum');
    },
  ],
  [
    TYPE.MINFO,
    (p) => {
      p.name('RMAILBX');
      p.name('EMAILBX');
    },
  ],
  [
    TYPE.RP,
    (p) => {
      p.name('mailbox');
      p.name('TXT owner');
    },
  ],
  [TYPE.MX, prefName('exchange')],
  [TYPE.AFSDB, prefName('hostname')],
  [TYPE.RT, prefName('intermediate host')],
  [TYPE.KX, prefName('exchanger')],
  [
    TYPE.PX,
    (p) => {
      p.u16('preference');
      p.name('MAP822');
      p.name('MAPX400');
    },
  ],
  [TYPE.TXT, strings],
  [TYPE.SPF, strings],
  [
    TYPE.HINFO,
    (p) => {
      p.string('CPU');
      p.string('OS');
    },
  ],
  [
    TYPE.SRV,
    (p) => {
      p.u16('priority');
      p.u16('weight');
      p.u16('port');
      p.name('target');
    },
  ],
  [
    TYPE.NAPTR,
    (p) => {
      p.u16('order');
      p.u16('preference');
      p.string('flags');
      p.string('services');
      p.string('regexp');
      p.name('replacement');
    },
  ],
  [TYPE.CAA, caa],
  [
    TYPE.SSHFP,
    (p) => {
      p.u8('algorithm');
      p.u8('fingerprint type');
      p.restHex('fingerprint');
    },
  ],
  [TYPE.TLSA, tlsa],
  [TYPE.SMIMEA, tlsa],
  [TYPE.OPENPGPKEY, (p) => p.restBase64('public key')],
  ...[TYPE.DS, TYPE.CDS, TYPE.TA, TYPE.DLV].map((t) => [t, ds] as const),
  [TYPE.DNSKEY, dnskey(true)],
  [TYPE.CDNSKEY, dnskey(true)],
  [TYPE.KEY, dnskey(false)],
  [TYPE.RRSIG, rrsig(true)],
  [TYPE.SIG, rrsig(false)],
  [
    TYPE.NSEC,
    (p) => {
      p.name('next domain name');
      p.bitmap();
    },
  ],
  [
    TYPE.NSEC3,
    (p) => {
      p.u8('hash algorithm');
      p.u8('flags');
      p.u16('iterations');
      p.salt();
      const t = p.next('next hashed owner name');
      const h = parseBase32hex(t.text);
      if (!h || h.length === 0) return p.fail(t, `bad base32hex next hashed owner name ${show(t.text)}`);
      if (h.length > 255) p.fail(t, 'next hashed owner name longer than 255 octets');
      p.out.u8(h.length);
      p.out.bytes(h);
      p.bitmap();
    },
  ],
  [
    TYPE.NSEC3PARAM,
    (p) => {
      p.u8('hash algorithm');
      p.u8('flags');
      p.u16('iterations');
      p.salt();
    },
  ],
  [
    TYPE.ZONEMD,
    (p) => {
      p.u32('serial');
      p.u8('scheme');
      p.u8('hash algorithm');
      p.restHex('digest');
    },
  ],
  [TYPE.SVCB, svcb],
  [TYPE.HTTPS, svcb],
  [TYPE.LOC, loc],
  [
    TYPE.URI,
    (p) => {
      p.u16('priority');
      p.u16('weight');
      const t = p.next('target');
      p.at(t, () => writeString(p.out, t.text, 'target'));
    },
  ],
  [
    TYPE.CSYNC,
    (p) => {
      p.u32('SOA serial');
      p.u16('flags');
      p.bitmap();
    },
  ],
  [
    TYPE.CERT,
    (p) => {
      p.out.u16(p.mnemonic('certificate type', CERT_TYPES, 0xffff));
      p.u16('key tag');
      p.alg();
      p.restBase64('certificate');
    },
  ],
  [TYPE.IPSECKEY, ipseckey],
  [TYPE.DHCID, (p) => p.restBase64('digest')],
  [TYPE.EUI48, eui(6)],
  [TYPE.EUI64, eui(8)],
  // Printed by rdata.ts in RFC 3597 form; read in the forms BIND prints.
  ...[TYPE.NINFO, TYPE.AVC, TYPE.RESINFO, TYPE.WALLET].map((t) => [t, strings] as const),
  [TYPE.X25, (p) => p.string('PSDN address')],
  [
    TYPE.ISDN,
    (p) => {
      p.string('ISDN address');
      if (p.more) p.string('subaddress');
    },
  ],
  [
    TYPE.GPOS,
    (p) => {
      p.string('longitude');
      p.string('latitude');
      p.string('altitude');
    },
  ],
  [
    TYPE.L32,
    (p) => {
      p.u16('preference');
      p.ipv4();
    },
  ],
  [TYPE.L64, locator64],
  [TYPE.NID, locator64],
  [
    TYPE.LP,
    (p) => {
      p.u16('preference');
      p.name('FQDN');
    },
  ],
  [TYPE.TALINK, twoNames('previous name', 'next name')],
  [TYPE.APL, apl],
  [TYPE.HIP, hip],
  [TYPE.AMTRELAY, amtrelay],
  [TYPE.A6, a6],
  [TYPE.WKS, wks],
  [TYPE.NXT, nxt],
  [TYPE.NSAP, nsap],
  [TYPE.EID, (p) => p.restHex('endpoint identifier')],
  [TYPE.NIMLOC, (p) => p.restHex('nimrod locator')],
  [TYPE.ATMA, atma],
  [TYPE.DOA, doa],
  [
    TYPE.SINK,
    (p) => {
      p.u8('meaning');
      p.u8('coding');
      p.u8('subcoding');
      p.restBase64('data', false);
    },
  ],
  [TYPE.RKEY, dnskey(true)],
]);

const THE_P = new P(OUT);

/** RFC 3597 §5: `\# <length> <hex...>`. */
function generic(p: P): Buffer {
  p.next('\\#');
  const lt = p.peek();
  const len = p.num('RDATA length', MAX_RDATA_LENGTH);
  const start = p.out.pos;
  p.restHex('RDATA hex', len > 0);
  const got = p.out.pos - start;
  const raw = p.out.take(start);
  if (got !== len) p.fail(lt!, `\\# length ${len} does not match the ${got} octets of hex`);
  const canonical = canonicalUncompressedRdata(p.type, raw);
  if (!canonical.ok) p.fail(lt!, `RDATA in \\# form is not valid for ${p.tn}: ${canonical.detail}`);
  const rdata = canonical.ok ? canonical.rdata : raw;
  if (PARSERS.has(p.type)) {
    const r = rdataToText(p.type, rdata);
    if (!r.ok) p.fail(lt!, `RDATA in \\# form is not valid: ${r.detail}`);
  }
  return rdata;
}

/**
 * The canonical wire RDATA of a record of `type` written as `tokens[start..end)`.
 * Relative names are completed with `origin`. Throws RdataSyntaxError.
 */
export function parseRdata(type: number, tokens: readonly Token[], start: number, origin: Buffer | undefined, end = tokens.length): Buffer {
  const out = OUT;
  out.pos = 0;
  const p: P = THE_P.reset(tokens, start, end, type, origin);
  const first = p.peek();
  if (first !== undefined && !first.quoted && first.text === '\\#') return generic(p);
  const parse = PARSERS.get(type);
  if (!parse) {
    if (first === undefined) throw new RdataSyntaxError(`missing RDATA: type ${p.tn} is read only in RFC 3597 form (\\# LENGTH HEX)`);
    p.fail(first, `type ${p.tn} is read only in RFC 3597 form (\\# LENGTH HEX)`);
  }
  parse(p);
  p.done();
  if (out.pos > MAX_RDATA_LENGTH) throw new RdataSyntaxError(`RDATA of ${out.pos} octets (at most ${MAX_RDATA_LENGTH})`, first);
  return out.take(0);
}

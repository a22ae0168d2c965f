/**
 * RDATA presentation format, from canonical wire RDATA (names uncompressed).
 *
 * Every parser here must consume exactly the RDATA it is given. RDATA that breaks
 * its type's wire format is malformed; RDATA that is well formed on the wire but
 * has no standard presentation (an empty TXT, a CAA tag outside [A-Za-z0-9], an
 * unknown LOC version, an empty key or digest) is written in the generic form of
 * RFC 3597 §5 so that nothing is lost.
 */
import { NameError, nameLength, nameToText } from './name.js';
import { TYPE, typeName } from './types.js';

export type RdataText = { ok: true; text: string } | { ok: false; detail: string };

class Malformed extends Error {}
class NoPresentation extends Error {}

/** RFC 3597 §5: `\# <length> <hex>`. */
export function genericRdata(rdata: Uint8Array): string {
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${Buffer.from(rdata).toString('hex')}`;
}

export function rdataToText(type: number, rdata: Buffer): RdataText {
  const render = RENDERERS.get(type);
  if (!render) return { ok: true, text: genericRdata(rdata) };
  const r = new Cursor(rdata);
  try {
    const text = render(r);
    if (r.pos !== rdata.length) throw new Malformed(`${rdata.length - r.pos} bytes past the last field`);
    return { ok: true, text };
  } catch (e) {
    if (e instanceof NoPresentation) return { ok: true, text: genericRdata(rdata) };
    if (e instanceof Malformed) return { ok: false, detail: `${typeName(type)} RDATA: ${e.message}` };
    if (e instanceof NameError) return { ok: false, detail: `${typeName(type)} RDATA: ${e.message}` };
    throw e;
  }
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Malformed('RDATA shorter than its fields');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Buffer {
    return this.bytes(this.left);
  }
  /** An uncompressed name (RFC 3597 §4: no pointers outside the well-known types, which arrive here already expanded). */
  name(): string {
    const len = nameLength(this.buf, this.pos);
    const text = nameToText(this.buf, this.pos);
    this.pos += len;
    return text;
  }
  /** RFC 1035 §3.3 <character-string>. */
  string(): string {
    const n = this.u8();
    return quote(this.bytes(n));
  }
}

/*
 * RFC 1035 §5.1 quoted strings: `"` and `\` escaped with a backslash, bytes outside
 * printable ASCII as \DDD, space kept as is inside the quotes.
 */
const STRING_ESCAPE: string[] = (() => {
  const t: string[] = [];
  for (let b = 0; b < 256; b++) {
    if (b === 0x22 || b === 0x5c) t.push('\\' + String.fromCharCode(b));
    else if (b < 0x20 || b >= 0x7f) t.push('\\' + String(b).padStart(3, '0'));
    else t.push(String.fromCharCode(b));
  }
  return t;
})();

function quote(bytes: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) s += STRING_ESCAPE[bytes[i]!];
  return s + '"';
}

function hex(b: Uint8Array): string {
  if (b.length === 0) throw new NoPresentation();
  return Buffer.from(b).toString('hex').toUpperCase();
}

function base64(b: Uint8Array): string {
  if (b.length === 0) throw new NoPresentation();
  return Buffer.from(b).toString('base64');
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/** RFC 4648 §7 base32hex, lowercase, no padding (RFC 5155 §3.3). */
export function base32hex(b: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < b.length; i++) {
    acc = (acc << 8) | b[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32HEX[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32HEX[(acc << (5 - bits)) & 31];
  return out;
}

export function ipv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 §4: lowercase, leading zeros dropped, the longest run (≥ 2) of zero groups as `::`, first one on a tie. */
export function ipv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const part = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart < 0) return part(0, 8);
  return `${part(0, bestStart)}::${part(bestStart + bestLen, 8)}`;
}

/** RFC 4034 §4.1.2 / RFC 3845: window blocks, strictly increasing, 1–32 octets each, last octet non-zero. */
function typeBitmap(r: Cursor): string {
  const types: string[] = [];
  let lastWindow = -1;
  while (r.left > 0) {
    const window = r.u8();
    const len = r.u8();
    if (window <= lastWindow) throw new Malformed('type bitmap windows out of order');
    if (len < 1 || len > 32) throw new Malformed(`type bitmap window of ${len} octets`);
    lastWindow = window;
    const bits = r.bytes(len);
    if (bits[len - 1] === 0) throw new Malformed('type bitmap window with a trailing zero octet');
    for (let i = 0; i < len; i++) {
      const byte = bits[i]!;
      for (let j = 0; j < 8; j++) if (byte & (0x80 >> j)) types.push(typeName(window * 256 + i * 8 + j));
    }
  }
  return types.join(' ');
}

/** RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC. */
function timestamp(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function ds(r: Cursor): string {
  return `${r.u16()} ${r.u8()} ${r.u8()} ${hex(r.rest())}`;
}
function dnskey(r: Cursor): string {
  return `${r.u16()} ${r.u8()} ${r.u8()} ${base64(r.rest())}`;
}
function rrsig(r: Cursor): string {
  const covered = typeName(r.u16());
  const alg = r.u8();
  const labels = r.u8();
  const ttl = r.u32();
  const exp = timestamp(r.u32());
  const inc = timestamp(r.u32());
  const tag = r.u16();
  const signer = r.name();
  return `${covered} ${alg} ${labels} ${ttl} ${exp} ${inc} ${tag} ${signer} ${base64(r.rest())}`;
}
function fixed(n: number, f: (b: Buffer) => string) {
  return (r: Cursor): string => {
    if (r.left !== n) throw new Malformed(`${r.left} octets where ${n} belong`);
    return f(r.rest());
  };
}
function strings(r: Cursor): string {
  if (r.left === 0) throw new NoPresentation();
  const out: string[] = [];
  while (r.left > 0) out.push(r.string());
  return out.join(' ');
}
function tlsa(r: Cursor): string {
  return `${r.u8()} ${r.u8()} ${r.u8()} ${hex(r.rest())}`;
}
function eui(n: number) {
  return fixed(n, (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('-'));
}

/** RFC 1876 §3: precision as mantissa and power of ten in centimetres. */
function locSize(byte: number): string {
  const m = byte >> 4;
  const e = byte & 0xf;
  // A mantissa of 0 with a non-zero exponent has no text that reads back to the same byte.
  if (m > 9 || e > 9 || (m === 0 && e !== 0)) throw new NoPresentation();
  const cm = m * 10 ** e;
  return cm % 100 === 0 ? `${cm / 100}m` : `${(cm / 100).toFixed(2)}m`;
}
function locAngle(v: number, pos: string, neg: string, maxDeg: number): string {
  let x = v - 2 ** 31;
  const hemi = x < 0 ? neg : pos;
  x = Math.abs(x);
  const deg = Math.floor(x / 3_600_000);
  if (deg > maxDeg || (deg === maxDeg && x % 3_600_000 !== 0)) throw new NoPresentation();
  const min = Math.floor((x % 3_600_000) / 60_000);
  const ms = x % 60_000;
  return `${deg} ${min} ${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')} ${hemi}`;
}
function loc(r: Cursor): string {
  if (r.left !== 16) throw new Malformed(`LOC of ${r.left} octets`);
  if (r.u8() !== 0) throw new NoPresentation();
  const size = locSize(r.u8());
  const hp = locSize(r.u8());
  const vp = locSize(r.u8());
  const lat = locAngle(r.u32(), 'N', 'S', 90);
  const lon = locAngle(r.u32(), 'E', 'W', 180);
  const altCm = r.u32() - 10_000_000;
  const alt = `${altCm < 0 ? '-' : ''}${Math.floor(Math.abs(altCm) / 100)}.${String(Math.abs(altCm) % 100).padStart(2, '0')}m`;
  return `${lat} ${lon} ${alt} ${size} ${hp} ${vp}`;
}

/** RFC 9460 §7: SvcParamKeys. */
const SVC_KEYS = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint', 'dohpath', 'ohttp'];
function svcKey(k: number): string {
  return SVC_KEYS[k] ?? `key${k}`;
}
/** RFC 9460 Appendix A.1: items of a value-list escape `,` and `\`, then the whole is a character-string. */
function valueList(items: Buffer[]): string {
  const escaped = items.map((it) => {
    const out: number[] = [];
    for (const b of it) {
      if (b === 0x2c || b === 0x5c) out.push(0x5c);
      out.push(b);
    }
    return Buffer.from(out);
  });
  return quote(Buffer.concat(escaped.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from(','), b]))));
}
function svcParam(key: number, v: Cursor): string {
  switch (key) {
    case 0: {
      if (v.left === 0 || v.left % 2) throw new Malformed('mandatory list of odd length');
      const keys: string[] = [];
      let last = -1;
      while (v.left) {
        const k = v.u16();
        // RFC 9460 §8: sorted, no repeats, never "mandatory" itself; otherwise the text would not read back the same.
        if (k <= last || k === 0) throw new NoPresentation();
        last = k;
        keys.push(svcKey(k));
      }
      return `mandatory=${keys.join(',')}`;
    }
    case 1: {
      const ids: Buffer[] = [];
      while (v.left) {
        const n = v.u8();
        if (n === 0) throw new Malformed('empty alpn id');
        ids.push(v.bytes(n));
      }
      if (ids.length === 0) throw new Malformed('empty alpn');
      return `alpn=${valueList(ids)}`;
    }
    case 2:
    case 8:
      if (v.left !== 0) throw new Malformed(`${svcKey(key)} with a value`);
      return svcKey(key);
    case 3:
      if (v.left !== 2) throw new Malformed('port of the wrong length');
      return `port=${v.u16()}`;
    case 4:
    case 6: {
      const n = key === 4 ? 4 : 16;
      if (v.left === 0 || v.left % n) throw new Malformed(`${svcKey(key)} of ${v.left} octets`);
      const out: string[] = [];
      while (v.left) out.push(n === 4 ? ipv4(v.bytes(4)) : ipv6(v.bytes(16)));
      return `${svcKey(key)}=${out.join(',')}`;
    }
    case 5:
      return `ech=${base64(v.rest())}`;
    default:
      return v.left === 0 ? svcKey(key) : `${svcKey(key)}=${quote(v.rest())}`;
  }
}
function svcb(r: Cursor): string {
  const out = [String(r.u16()), r.name()];
  let last = -1;
  while (r.left > 0) {
    const key = r.u16();
    // RFC 9460 §2.2: keys in strictly increasing order, else the RR is malformed for a
    // client; the archive keeps it, in RFC 3597 form, since its text could not read back the same.
    if (key <= last) throw new NoPresentation();
    last = key;
    const value = new Cursor(r.bytes(r.u16()));
    out.push(svcParam(key, value));
  }
  return out.join(' ');
}

function ipseckey(r: Cursor): string {
  const precedence = r.u8();
  const gwType = r.u8();
  const alg = r.u8();
  let gw: string;
  switch (gwType) {
    case 0:
      gw = '.';
      break;
    case 1:
      gw = ipv4(r.bytes(4));
      break;
    case 2:
      gw = ipv6(r.bytes(16));
      break;
    case 3:
      gw = r.name();
      break;
    default:
      throw new NoPresentation();
  }
  const key = r.rest();
  return `${precedence} ${gwType} ${alg} ${gw}` + (key.length ? ` ${key.toString('base64')}` : '');
}

function caa(r: Cursor): string {
  const flags = r.u8();
  const tag = r.bytes(r.u8());
  // RFC 8659 §4.1: the tag is 1–15 letters and digits.
  if (tag.length === 0 || tag.length > 15 || !/^[A-Za-z0-9]+$/.test(tag.toString('latin1'))) throw new NoPresentation();
  return `${flags} ${tag.toString('latin1')} ${quote(r.rest())}`;
}

function nsec3(r: Cursor): string {
  const head = `${r.u8()} ${r.u8()} ${r.u16()}`;
  const salt = r.bytes(r.u8());
  const hashLen = r.u8();
  if (hashLen === 0) throw new Malformed('empty next hashed owner name');
  const next = base32hex(r.bytes(hashLen));
  const types = typeBitmap(r);
  return `${head} ${salt.length ? hex(salt) : '-'} ${next}${types ? ' ' + types : ''}`;
}

const RENDERERS = new Map<number, (r: Cursor) => string>([
  [TYPE.A, fixed(4, ipv4)],
  [TYPE.AAAA, fixed(16, ipv6)],
  ...[TYPE.NS, TYPE.MD, TYPE.MF, TYPE.CNAME, TYPE.MB, TYPE.MG, TYPE.MR, TYPE.PTR, TYPE.DNAME].map((t) => [t, (r: Cursor) => r.name()] as const),
  [TYPE.SOA, (r) => `${r.name()} ${r.name()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()}`],
  [TYPE.MINFO, (r) => `${r.name()} ${r.name()}`],
  [TYPE.RP, (r) => `${r.name()} ${r.name()}`],
  ...[TYPE.MX, TYPE.AFSDB, TYPE.RT, TYPE.KX].map((t) => [t, (r: Cursor) => `${r.u16()} ${r.name()}`] as const),
  [TYPE.PX, (r) => `${r.u16()} ${r.name()} ${r.name()}`],
  [TYPE.TXT, strings],
  [TYPE.SPF, strings],
  [TYPE.HINFO, (r) => `${r.string()} ${r.string()}`],
  [TYPE.SRV, (r) => `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`],
  [TYPE.NAPTR, (r) => `${r.u16()} ${r.u16()} ${r.string()} ${r.string()} ${r.string()} ${r.name()}`],
  [TYPE.CAA, caa],
  [TYPE.SSHFP, (r) => `${r.u8()} ${r.u8()} ${hex(r.rest())}`],
  [TYPE.TLSA, tlsa],
  [TYPE.SMIMEA, tlsa],
  [TYPE.OPENPGPKEY, (r) => base64(r.rest())],
  ...[TYPE.DS, TYPE.CDS, TYPE.TA, TYPE.DLV].map((t) => [t, ds] as const),
  ...[TYPE.DNSKEY, TYPE.CDNSKEY, TYPE.KEY].map((t) => [t, dnskey] as const),
  [TYPE.RRSIG, rrsig],
  [TYPE.SIG, rrsig],
  [
    TYPE.NSEC,
    (r) => {
      const next = r.name();
      const types = typeBitmap(r);
      return types ? `${next} ${types}` : next;
    },
  ],
  [TYPE.NSEC3, nsec3],
  [
    TYPE.NSEC3PARAM,
    (r) => {
      const head = `${r.u8()} ${r.u8()} ${r.u16()}`;
      const salt = r.bytes(r.u8());
      return `${head} ${salt.length ? hex(salt) : '-'}`;
    },
  ],
  [TYPE.ZONEMD, (r) => `${r.u32()} ${r.u8()} ${r.u8()} ${hex(r.rest())}`],
  [TYPE.SVCB, svcb],
  [TYPE.HTTPS, svcb],
  [TYPE.LOC, loc],
  [TYPE.URI, (r) => `${r.u16()} ${r.u16()} ${quote(r.rest())}`],
  [
    TYPE.CSYNC,
    (r) => {
      const head = `${r.u32()} ${r.u16()}`;
      const types = typeBitmap(r);
      return types ? `${head} ${types}` : head;
    },
  ],
  [TYPE.CERT, (r) => `${r.u16()} ${r.u16()} ${r.u8()} ${base64(r.rest())}`],
  [TYPE.IPSECKEY, ipseckey],
  [TYPE.DHCID, (r) => base64(r.rest())],
  [TYPE.EUI48, eui(6)],
  [TYPE.EUI64, eui(8)],
]);

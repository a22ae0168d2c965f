/**
 * Presentation format written straight into a byte buffer, for the types that make
 * up nearly all of a TLD zone: A, AAAA, DS (and CDS, TA, DLV) and the types whose
 * RDATA is one name (NS, CNAME, PTR, DNAME, …). The text is byte for byte what
 * rdata.ts `rdataToText` gives; RDATA that would make it take any other branch
 * (malformed, or written in RFC 3597 form) has no fast path here.
 */
import { wholeNameLength, writeNameText } from './name.js';
import { TYPE } from './types.js';

const ONE_NAME: ReadonlySet<number> = new Set([TYPE.NS, TYPE.MD, TYPE.MF, TYPE.CNAME, TYPE.MB, TYPE.MG, TYPE.MR, TYPE.PTR, TYPE.DNAME]);
const DS_LIKE: ReadonlySet<number> = new Set([TYPE.DS, TYPE.CDS, TYPE.TA, TYPE.DLV]);

const KIND_NAME = 1;
const KIND_A = 2;
const KIND_AAAA = 3;
const KIND_DS = 4;
const KIND = new Uint8Array(65536);
for (const t of ONE_NAME) KIND[t] = KIND_NAME;
for (const t of DS_LIKE) KIND[t] = KIND_DS;
KIND[TYPE.A] = KIND_A;
KIND[TYPE.AAAA] = KIND_AAAA;

/**
 * The most bytes `writeFastRdata` writes for this RDATA, or -1 when it has no fast
 * path (the caller uses `rdataToText`, which also reports malformed RDATA).
 */
export function fastRdataLength(type: number, buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  switch (KIND[type]) {
    case KIND_NAME: {
      const n = wholeNameLength(buf, start, end);
      return n < 0 ? -1 : 4 * n;
    }
    case KIND_A:
      return len === 4 ? 15 : -1;
    case KIND_AAAA:
      return len === 16 ? 39 : -1;
    case KIND_DS:
      // RFC 4034 §5.3: key tag, algorithm, digest type, digest; an empty digest has no presentation (RFC 3597 form).
      return len > 4 ? 14 + 2 * (len - 4) : -1;
    default:
      return -1;
  }
}

/** Writes the presentation of RDATA for which `fastRdataLength` is not -1; returns the position after it. */
export function writeFastRdata(type: number, buf: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  switch (KIND[type]) {
    case KIND_NAME:
      return writeNameText(buf, start, out, at, false);
    case KIND_A:
      at = writeDecimal(out, at, buf[start]!);
      out[at++] = 0x2e;
      at = writeDecimal(out, at, buf[start + 1]!);
      out[at++] = 0x2e;
      at = writeDecimal(out, at, buf[start + 2]!);
      out[at++] = 0x2e;
      return writeDecimal(out, at, buf[start + 3]!);
    case KIND_AAAA:
      return writeIpv6(buf, start, out, at);
    case KIND_DS: {
      at = writeDecimal(out, at, (buf[start]! << 8) | buf[start + 1]!);
      out[at++] = 0x20;
      at = writeDecimal(out, at, buf[start + 2]!);
      out[at++] = 0x20;
      at = writeDecimal(out, at, buf[start + 3]!);
      out[at++] = 0x20;
      for (let i = start + 4; i < end; i++) {
        const b = buf[i]!;
        out[at++] = HEX_UPPER[b >> 4]!;
        out[at++] = HEX_UPPER[b & 15]!;
      }
      return at;
    }
    default:
      throw new Error(`no fast presentation for type ${type}`);
  }
}

const HEX_UPPER = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
const HEX_LOWER = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** The decimal digits of an unsigned 32-bit number. */
export function writeDecimal(out: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    out[at] = 0x30 + v;
    return at + 1;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  let p = at + digits;
  for (let x = v; p > at; x = Math.floor(x / 10)) out[--p] = 0x30 + (x % 10);
  return at + digits;
}

/** rdata.ts `ipv6`: RFC 5952 §4, lowercase, leading zeros dropped, the longest run (≥ 2) of zero groups as `::`, the first on a tie. */
function writeIpv6(b: Uint8Array, start: number, out: Uint8Array, at: number): number {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (b[start + 2 * i] !== 0 || b[start + 2 * i + 1] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && b[start + 2 * j] === 0 && b[start + 2 * j + 1] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const groups = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (i > from) out[at++] = 0x3a;
      const g = (b[start + 2 * i]! << 8) | b[start + 2 * i + 1]!;
      if (g >= 0x1000) out[at++] = HEX_LOWER[g >> 12]!;
      if (g >= 0x100) out[at++] = HEX_LOWER[(g >> 8) & 15]!;
      if (g >= 0x10) out[at++] = HEX_LOWER[(g >> 4) & 15]!;
      out[at++] = HEX_LOWER[g & 15]!;
    }
  };
  if (bestStart < 0) {
    groups(0, 8);
    return at;
  }
  groups(0, bestStart);
  out[at++] = 0x3a;
  out[at++] = 0x3a;
  groups(bestStart + bestLen, 8);
  return at;
}

/** RR types, classes and rcodes by number (IANA DNS parameters registry). */

export const TYPE = {
  A: 1,
  NS: 2,
  MD: 3,
  MF: 4,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  PTR: 12,
  HINFO: 13,
  MINFO: 14,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  X25: 19,
  ISDN: 20,
  RT: 21,
  NSAP: 22,
  'NSAP-PTR': 23,
  SIG: 24,
  KEY: 25,
  PX: 26,
  GPOS: 27,
  AAAA: 28,
  LOC: 29,
  NXT: 30,
  EID: 31,
  NIMLOC: 32,
  SRV: 33,
  ATMA: 34,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  A6: 38,
  DNAME: 39,
  SINK: 40,
  OPT: 41,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  NINFO: 56,
  RKEY: 57,
  TALINK: 58,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  DSYNC: 66,
  SPF: 99,
  NID: 104,
  L32: 105,
  L64: 106,
  LP: 107,
  EUI48: 108,
  EUI64: 109,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  URI: 256,
  CAA: 257,
  AVC: 258,
  DOA: 259,
  AMTRELAY: 260,
  RESINFO: 261,
  WALLET: 262,
  TA: 32768,
  DLV: 32769,
} as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));

/** The mnemonic of a type, or RFC 3597 §5 `TYPEnnn` for one without a mnemonic here. */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

/** The number of a type written as a mnemonic or as `TYPEnnn`; undefined if neither. */
export function typeNumber(text: string): number | undefined {
  const upper = text.toUpperCase();
  const known = (TYPE as Record<string, number>)[upper];
  if (known !== undefined) return known;
  const m = /^TYPE([0-9]{1,5})$/.exec(upper);
  if (m && Number(m[1]) <= 65535) return Number(m[1]);
  return undefined;
}

export const CLASS_IN = 1;
export const CLASS_CH = 3;

export function className(cls: number): string {
  switch (cls) {
    case 1:
      return 'IN';
    case 3:
      return 'CH';
    case 4:
      return 'HS';
    case 254:
      return 'NONE';
    case 255:
      return 'ANY';
    default:
      return `CLASS${cls}`;
  }
}

/** RFC 1035 §4.1.1, RFC 2136 §2.2. */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
} as const;

const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));

export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

/**
 * RFC 4034 §6.2 item 3 as amended by RFC 6840 §5.1 (NSEC removed, HINFO holds no
 * names): the types whose RDATA names are lowercased in canonical form. A6 is on
 * that list too but historic (RFC 6563): it is kept in RFC 3597 form, bytes as sent.
 */
const LOWERCASE_RDATA_NAMES: ReadonlySet<number> = new Set([
  TYPE.NS,
  TYPE.MD,
  TYPE.MF,
  TYPE.CNAME,
  TYPE.SOA,
  TYPE.MB,
  TYPE.MG,
  TYPE.MR,
  TYPE.PTR,
  TYPE.MINFO,
  TYPE.MX,
  TYPE.RP,
  TYPE.AFSDB,
  TYPE.RT,
  TYPE.SIG,
  TYPE.PX,
  TYPE.NXT,
  TYPE.NAPTR,
  TYPE.KX,
  TYPE.SRV,
  TYPE.DNAME,
  TYPE.RRSIG,
]);

/**
 * Names that the archive lowercases beyond that list: the SVCB/HTTPS target and the
 * IPSECKEY gateway. Names compare case-insensitively (RFC 4343) and servers disagree
 * here (NSD lowercases them, BIND and Knot keep them as written), so the text of a
 * zone would otherwise depend on which server sent it (docs/architecture.md §5.4: it must not).
 */
const LOWERCASE_ALSO: ReadonlySet<number> = new Set([TYPE.SVCB, TYPE.HTTPS, TYPE.IPSECKEY]);

/** Whether the names inside this type's RDATA are lowercased in the archive. */
export function lowercasesRdataNames(type: number): boolean {
  return LOWERCASE_RDATA_NAMES.has(type) || LOWERCASE_ALSO.has(type);
}

/**
 * RFC 3597 §4: compression pointers inside RDATA are followed only for the
 * well-known types of RFC 1035 (MUST) and RP, AFSDB, RT, SIG, PX, NXT, NAPTR,
 * SRV (SHOULD). A pointer in the RDATA of any other type makes the message malformed.
 */
export const COMPRESSIBLE_RDATA: ReadonlySet<number> = new Set([
  TYPE.NS,
  TYPE.MD,
  TYPE.MF,
  TYPE.CNAME,
  TYPE.SOA,
  TYPE.MB,
  TYPE.MG,
  TYPE.MR,
  TYPE.PTR,
  TYPE.MINFO,
  TYPE.MX,
  TYPE.RP,
  TYPE.AFSDB,
  TYPE.RT,
  TYPE.SIG,
  TYPE.PX,
  TYPE.NXT,
  TYPE.NAPTR,
  TYPE.SRV,
]);

/** Records that change at every re-signing; left out of the archive unless --dnssec (docs/architecture.md §5.3). */
export const SIGNATURE_CHURN: ReadonlySet<number> = new Set([TYPE.RRSIG, TYPE.NSEC, TYPE.NSEC3]);

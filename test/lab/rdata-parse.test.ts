import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { recordLine } from '../../src/zone/canonical.js';
import { parseRdataText, parseZoneText } from '../../src/lab/masterfile.js';
import type { WireRecord } from '../../src/dns/message.js';
import { fromLabels, lowerName, textToName } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata.js';
import { parseBase32hex, parseIpv6 } from '../../src/lab/rdata-parse.js';
import { TYPE, lowercasesRdataNames, typeName } from '../../src/dns/types.js';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const name = (t: string) => textToName(t);

/** Wire RDATA of presentation text, or the error thrown as an exception. */
function wire(type: number, text: string, origin?: Buffer): Buffer {
  const r = parseRdataText(type, text, origin);
  if (!r.ok) throw new Error(r.error);
  return r.rdata;
}
function err(type: number, text: string): string {
  const r = parseRdataText(type, text);
  return r.ok ? `unexpectedly ok: ${r.rdata.toString('hex')}` : r.error;
}
function render(type: number, rdata: Buffer): string {
  const r = rdataToText(type, rdata);
  if (!r.ok) throw new Error(r.detail);
  return r.text;
}

describe('presentation RDATA → wire', () => {
  it('types rdata.ts prints as \\#, in the forms BIND prints them', () => {
    expect(wire(TYPE.APL, '1:192.168.32.0/21 !1:192.168.38.32/30 2:ff00::/8 1:0.0.0.0/0')).toEqual(
      hex('0001 15 03 c0a820 0001 1e 84 c0a82620 0002 08 01 ff 0001 00 00'),
    );
    expect(wire(TYPE.APL, '')).toEqual(Buffer.alloc(0));
    expect(wire(TYPE.A6, '64 ::1 Prefix.Example.')).toEqual(Buffer.concat([hex('40 0000000000000001'), name('Prefix.Example.')]));
    expect(wire(TYPE.A6, '0 2001:db8::1')).toEqual(hex('00 20010db8000000000000000000000001'));
    expect(wire(TYPE.A6, '128 Example.')).toEqual(Buffer.concat([hex('80'), name('Example.')]));
    expect(wire(TYPE.WKS, '192.0.2.1 tcp 25 80')).toEqual(hex('c0000201 06 00000040 00000000 000080'));
    expect(wire(TYPE.NXT, 'Medium.foo.tld. A MX SIG NXT')).toEqual(Buffer.concat([name('medium.foo.tld.'), hex('40010082')]));
    expect(wire(TYPE.L64, '10 2001:db8:1140:1000')).toEqual(hex('000a 20010db811401000'));
    expect(wire(TYPE.NID, '10 14:4fff:ff20:ee64')).toEqual(hex('000a 00144fffff20ee64'));
    expect(wire(TYPE.AMTRELAY, '10 1 3 amtrelays.example.com.')).toEqual(Buffer.concat([hex('0a 83'), name('amtrelays.example.com.')]));
    expect(wire(TYPE.AMTRELAY, '10 0 0 .')).toEqual(hex('0a 00'));
    expect(wire(TYPE.NSAP, '0x47.0005.80.ffff00')).toEqual(hex('47000580ffff00'));
    expect(wire(TYPE.HIP, '2 200100107B1A74DF365639CC39F1D578 AQI= rvs.Example.com.')).toEqual(
      Buffer.concat([hex('10 02 0002 200100107b1a74df365639cc39f1d578 0102'), name('rvs.Example.com.')]),
    );
    expect(wire(TYPE.DOA, '0 1 2 "image/gif" -')).toEqual(hex('00000000 00000001 02 09 696d6167652f676966'));
    expect(wire(TYPE.ATMA, '+17554123')).toEqual(hex('01 3137353534313233'));
    expect(wire(TYPE.NINFO, '"a" b')).toEqual(hex('0161 0162'));
  });

  it('addresses', () => {
    expect(wire(TYPE.A, '192.0.2.1')).toEqual(hex('c0000201'));
    expect(wire(TYPE.AAAA, '2001:db8::1')).toEqual(hex('20010db8000000000000000000000001'));
    expect(wire(TYPE.AAAA, '::')).toEqual(Buffer.alloc(16));
    expect(wire(TYPE.AAAA, '::1')).toEqual(hex('00000000000000000000000000000001'));
    expect(wire(TYPE.AAAA, '1::')).toEqual(hex('00010000000000000000000000000000'));
    expect(wire(TYPE.AAAA, '::ffff:192.0.2.1')).toEqual(hex('00000000000000000000ffffc0000201'));
    expect(wire(TYPE.AAAA, '1:2:3:4:5:6:7:8')).toEqual(hex('00010002000300040005000600070008'));
    expect(wire(TYPE.AAAA, '1:2:3:4:5:6:1.2.3.4')).toEqual(hex('00010002000300040005000601020304'));
    expect(wire(TYPE.AAAA, '2001:DB8:0:0:1::1')).toEqual(hex('20010db8000000000001000000000001'));
    for (const bad of ['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1::2:', '12345::', 'g::', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3', '', '1:::2']) {
      expect(parseIpv6(bad), bad).toBeUndefined();
    }
    expect(err(TYPE.A, '192.0.2.256')).toMatch(/^<rdata>:1:1: bad IPv4 address "192.0.2.256" in A RDATA$/);
    expect(err(TYPE.A, '1.2.3')).toMatch(/bad IPv4 address/);
    expect(err(TYPE.A, '1.2.3.4 5')).toMatch(/unexpected "5" after the last field/);
  });

  it('names: relative, @, escapes; lowercased only for the RFC 4034 §6.2 types and SVCB, HTTPS, IPSECKEY', () => {
    const origin = name('Example.');
    expect(wire(TYPE.NS, 'NS1', origin)).toEqual(name('ns1.example.'));
    expect(wire(TYPE.NS, '@', origin)).toEqual(name('example.'));
    expect(wire(TYPE.CNAME, 'A\\.B.C.')).toEqual(Buffer.from([3, 0x61, 0x2e, 0x62, 1, 0x63, 0]));
    expect(wire(TYPE.PTR, '\\065\\032b.')).toEqual(Buffer.from([3, 0x61, 0x20, 0x62, 0]));
    // NSEC keeps the case as written (RFC 6840 §5.1); SVCB targets are lowercased (types.ts LOWERCASE_ALSO).
    expect(wire(TYPE.NSEC, 'Host.Example. A')).toEqual(Buffer.concat([name('Host.Example.'), hex('000140')]));
    expect(wire(TYPE.SVCB, '1 Svc.Example.')).toEqual(Buffer.concat([hex('0001'), name('svc.example.')]));
    expect(wire(TYPE.HTTPS, '1 Svc.Example.')).toEqual(Buffer.concat([hex('0001'), name('svc.example.')]));
    expect(wire(TYPE.SOA, 'NS.Example. Host\\.Master.Example. 1 2 3 4 5')).toEqual(
      Buffer.concat([name('ns.example.'), name('host\\.master.example.'), hex('00000001 00000002 00000003 00000004 00000005')]),
    );
    expect(wire(TYPE.SOA, 'a. b. 2024010101 2h 1h 1w 5m')).toEqual(
      Buffer.concat([name('a.'), name('b.'), hex('78a3f175 00001c20 00000e10 00093a80 0000012c')]),
    );
    expect(err(TYPE.NS, 'foo')).toMatch(/relative name "foo" with no origin/);
    expect(err(TYPE.NS, 'a..b.')).toMatch(/empty label/);
    expect(err(TYPE.NS, 'a\\256.')).toMatch(/over 255/);
    expect(err(TYPE.NS, 'a\\25.')).toMatch(/bad escape/);
    expect(err(TYPE.NS, `${'a'.repeat(64)}.`)).toMatch(/label longer than 63 octets/);
    expect(err(TYPE.NS, `${`${'a'.repeat(63)}.`.repeat(4)}`)).toMatch(/name longer than 255 octets/);
    expect(wire(TYPE.NS, `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}.`)).toHaveLength(255);
  });

  it('character-strings, TXT, HINFO, NAPTR, CAA, URI', () => {
    expect(wire(TYPE.TXT, '"a b" c "" "\\"\\\\" \\065\\255')).toEqual(hex('03612062 0163 00 02225c 0241ff'));
    expect(wire(TYPE.TXT, '"semi;colon (paren)"')).toEqual(Buffer.concat([Buffer.from([18]), Buffer.from('semi;colon (paren)')]));
    expect(err(TYPE.TXT, `"${'x'.repeat(256)}"`)).toMatch(/character-string of 256 octets \(at most 255\)/);
    expect(err(TYPE.TXT, '')).toMatch(/missing character-string in TXT RDATA/);
    expect(wire(TYPE.HINFO, '"PC" Unix')).toEqual(hex('025043 04556e6978'));
    expect(err(TYPE.HINFO, '"PC"')).toMatch(/missing OS in HINFO RDATA/);
    expect(wire(TYPE.NAPTR, '100 10 "S" "SIP+D2U" "" _sip._udp.Example.')).toEqual(
      Buffer.concat([hex('0064 000a 0153 07'), Buffer.from('SIP+D2U'), hex('00'), name('_sip._udp.example.')]),
    );
    expect(wire(TYPE.CAA, '0 issue "letsencrypt.org; x=y"')).toEqual(Buffer.concat([hex('0005'), Buffer.from('issueletsencrypt.org; x=y')]));
    expect(wire(TYPE.CAA, '128 iodef mailto:a@b')).toEqual(Buffer.concat([hex('8005'), Buffer.from('iodefmailto:a@b')]));
    expect(err(TYPE.CAA, '0 is-sue "x"')).toMatch(/bad CAA tag/);
    const long = 'x'.repeat(300);
    expect(wire(TYPE.URI, `10 1 "${long}"`)).toEqual(Buffer.concat([hex('000a0001'), Buffer.from(long)]));
  });

  it('DNSSEC types: split base64 and hex, mnemonics, times, salts, bitmaps', () => {
    expect(wire(TYPE.DS, '20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D084 58E880409BBC683457104237C7F8EC8D')).toEqual(
      hex('4f66 08 02 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d'),
    );
    expect(wire(TYPE.DS, '20326 RSASHA256 2 00ff')).toEqual(hex('4f66 08 02 00ff'));
    expect(wire(TYPE.DNSKEY, '257 3 8 AQ I=')).toEqual(hex('0101 03 08 0102'));
    expect(wire(TYPE.DNSKEY, '257 3 ECDSAP256SHA256 (\n AQ ; one\n I= ; two\n)')).toEqual(hex('0101 03 0d 0102'));
    expect(err(TYPE.DNSKEY, '257 3 8 AQ=I')).toMatch(/^<rdata>:1:9: bad base64 in public key in DNSKEY RDATA$/);
    expect(err(TYPE.DNSKEY, '257 3 8')).toMatch(/missing public key in DNSKEY RDATA/);
    expect(err(TYPE.DS, '1 8 2 abc')).toMatch(/bad hex in digest/);
    const rrsig = Buffer.concat([hex('0006 08 00 00015180 5c4e4600 5c3cb200 4f66'), name('.'), hex('0102')]);
    expect(wire(TYPE.RRSIG, 'SOA 8 0 86400 20190128000000 20190114160000 20326 . AQI=')).toEqual(rrsig);
    expect(wire(TYPE.RRSIG, 'SOA 8 0 1d 1548633600 1547481600 20326 . AQ I=')).toEqual(rrsig);
    expect(wire(TYPE.RRSIG, 'TYPE6 RSASHA256 0 86400 20190128000000 20190114160000 20326 . AQI=')).toEqual(rrsig);
    expect(err(TYPE.RRSIG, 'SOA 8 0 86400 20191328000000 20190114160000 20326 . AQI=')).toMatch(/bad signature expiration "20191328000000"/);
    expect(wire(TYPE.NSEC, 'aaa. NS SOA RRSIG NSEC DNSKEY CAA')).toEqual(Buffer.concat([name('aaa.'), hex('0007 2200 0000 0003 80'), hex('0101 40')]));
    expect(wire(TYPE.NSEC, 'a. TYPE1 TYPE65535 A')).toEqual(Buffer.concat([name('a.'), hex('0001 40'), hex('ff20'), Buffer.alloc(31), hex('01')]));
    expect(wire(TYPE.NSEC, 'a.')).toEqual(name('a.'));
    expect(err(TYPE.NSEC, 'a. A FOO')).toMatch(/unknown type "FOO" in the type bitmap/);
    expect(wire(TYPE.NSEC3, '1 1 12 AABBCCDD 2T7EFN3U5HVRIJEOHK51OJF6LAFVUN18 A RRSIG')).toEqual(
      hex('01 01 000c 04 aabbccdd 14 174ee7dc7e2c7fb94dd88d0a1c4de6aa9fff5c28 0006 4000 0000 0002'),
    );
    expect(wire(TYPE.NSEC3, '1 0 0 - 00')).toEqual(hex('01 00 0000 00 01 00'));
    expect(wire(TYPE.NSEC3PARAM, '1 0 0 -')).toEqual(hex('01 00 0000 00'));
    expect(err(TYPE.NSEC3PARAM, '1 0 0 xyz')).toMatch(/bad salt/);
    expect(parseBase32hex('0')).toBeUndefined();
    expect(wire(TYPE.ZONEMD, '2018031500 1 1 01020304 05060708 090a0b0c')).toEqual(hex('7848b78c 01 01 0102030405060708090a0b0c'));
    expect(wire(TYPE.CDS, '0 0 0 00')).toEqual(hex('0000 00 00 00'));
    expect(wire(TYPE.CDNSKEY, '0 3 0 AA==')).toEqual(hex('0000 03 00 00'));
  });

  it('SVCB and HTTPS (RFC 9460 appendix D vectors and value-list escaping)', () => {
    expect(wire(TYPE.HTTPS, '0 foo.example.com.')).toEqual(Buffer.concat([hex('0000'), name('foo.example.com.')]));
    expect(wire(TYPE.SVCB, '1 .')).toEqual(hex('0001 00'));
    expect(wire(TYPE.SVCB, '16 foo.example.com. port=53')).toEqual(Buffer.concat([hex('0010'), name('foo.example.com.'), hex('0003 0002 0035')]));
    expect(wire(TYPE.SVCB, '1 foo.example.com. key667=hello')).toEqual(Buffer.concat([hex('0001'), name('foo.example.com.'), hex('029b 0005 68656c6c6f')]));
    expect(wire(TYPE.SVCB, '1 foo.example.com. key667="hello\\210qoo"')).toEqual(
      Buffer.concat([hex('0001'), name('foo.example.com.'), hex('029b 0009 68656c6c6fd271 6f6f')]),
    );
    expect(wire(TYPE.SVCB, '1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"')).toEqual(
      Buffer.concat([hex('0001'), name('foo.example.com.'), hex('0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001')]),
    );
    expect(wire(TYPE.SVCB, '1 example.com. ipv6hint="2001:db8:122:344::192.0.2.33"')).toEqual(
      Buffer.concat([hex('0001'), name('example.com.'), hex('0006 0010 20010db801220344 00000000 c0000221')]),
    );
    // Appendix D.2, figure 9: keys out of order in the text are sorted.
    const d9 = Buffer.concat([
      hex('0010'),
      name('foo.example.org.'),
      hex('0000 0004 0001 0004'),
      hex('0001 0009 02 6832 05 68332d3139'),
      hex('0004 0004 c0000201'),
    ]);
    expect(wire(TYPE.SVCB, '16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn\n ipv4hint=192.0.2.1)')).toEqual(d9);
    // Figure 10: alpn "f\\oo,bar" and "h2", written with both escape levels.
    const d10 = Buffer.concat([hex('0010'), name('foo.example.org.'), hex('0001 000c 08 665c6f6f2c626172 02 6832')]);
    expect(wire(TYPE.SVCB, '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"')).toEqual(d10);
    expect(wire(TYPE.SVCB, '16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2')).toEqual(d10);
    expect(wire(TYPE.HTTPS, '1 . alpn="h3" no-default-alpn ohttp dohpath="/q{?dns}" ech=AEX+DQ==')).toEqual(
      Buffer.concat([
        hex('0001 00'),
        hex('0001 0003 026833'),
        hex('0002 0000'),
        hex('0005 0004 0045fe0d'),
        hex('0007 0008'),
        Buffer.from('/q{?dns}'),
        hex('0008 0000'),
      ]),
    );
    expect(err(TYPE.SVCB, '1 . alpn=h2 alpn=h3')).toMatch(/SvcParamKey alpn given twice/);
    expect(wire(TYPE.SVCB, '1 . mandatory=port')).toEqual(hex('0001 00 0000 0002 0003'));
    expect(err(TYPE.SVCB, '1 . mandatory=port,port')).toMatch(/key port twice in mandatory/);
    expect(err(TYPE.SVCB, '1 . mandatory=mandatory')).toMatch(/mandatory lists itself/);
    expect(err(TYPE.SVCB, '1 . foo=bar')).toMatch(/unknown SvcParamKey "foo"/);
    expect(err(TYPE.SVCB, '1 . port=99999')).toMatch(/bad port/);
    expect(err(TYPE.SVCB, '1 . no-default-alpn=x')).toMatch(/takes no value/);
    expect(err(TYPE.SVCB, '1 . ipv6hint=2001:db8::g')).toMatch(/bad IPv6 address/);
  });

  it('LOC with optional fields and defaults (RFC 1876)', () => {
    const rfc = hex('00 33 16 13 89 17 2d d0 70 be 15 f0 00 98 8d 20');
    expect(wire(TYPE.LOC, '42 21 54 N 71 06 18 W -24m 30m')).toEqual(rfc);
    expect(wire(TYPE.LOC, '42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m')).toEqual(rfc);
    // Degrees only, default size 1m, hp 10000m, vp 10m.
    expect(wire(TYPE.LOC, '0 N 0 E 0')).toEqual(hex('00 12 16 13 80000000 80000000 00989680'));
    expect(wire(TYPE.LOC, '90 S 180 W 42849672.95m 90000000m 0.01 0m')).toEqual(hex('00 99 10 00 6cb02700 59604e00 ffffffff'));
    expect(wire(TYPE.LOC, '1 2 3.5 n 4 5 6.007 e -100000.00')).toEqual(
      hex(
        '00 12 16 13 803ebe6c 80f7bc47 00000000'.replace('803ebe6c', (2 ** 31 + 3723500).toString(16)).replace('80f7bc47', (2 ** 31 + 14706007).toString(16)),
      ),
    );
    expect(err(TYPE.LOC, '91 N 0 E 0')).toMatch(/bad latitude degrees "91"/);
    expect(err(TYPE.LOC, '90 1 N 0 E 0')).toMatch(/latitude beyond 90 degrees/);
    expect(err(TYPE.LOC, '1 60 N 0 E 0')).toMatch(/bad latitude minutes "60"/);
    expect(err(TYPE.LOC, '1 2 3 X 0 E 0')).toMatch(/expected N or S, found "X"/);
    expect(err(TYPE.LOC, '1 N 0 E 0 90000001m')).toMatch(/bad size/);
    expect(err(TYPE.LOC, '1 N 0 E')).toMatch(/missing altitude/);
  });

  it('CERT, IPSECKEY, EUI, CSYNC, DHCID, OPENPGPKEY, SSHFP, TLSA', () => {
    expect(wire(TYPE.CERT, 'PGP 0 0 Zm9vYmFy')).toEqual(hex('0003 0000 00 666f6f626172'));
    expect(wire(TYPE.CERT, '1 12345 RSASHA256 AQI=')).toEqual(hex('0001 3039 08 0102'));
    expect(wire(TYPE.IPSECKEY, '10 1 2 192.0.2.1 AQI=')).toEqual(hex('0a 01 02 c0000201 0102'));
    expect(wire(TYPE.IPSECKEY, '10 3 0 Gw.Example.')).toEqual(Buffer.concat([hex('0a 03 00'), name('gw.example.')]));
    expect(wire(TYPE.IPSECKEY, '10 0 2 . AQI=')).toEqual(hex('0a 00 02 0102'));
    expect(wire(TYPE.EUI48, '00-00-5E-00-53-2a')).toEqual(hex('00005e00532a'));
    expect(wire(TYPE.EUI64, '00-00-5e-ef-10-00-00-2a')).toEqual(hex('00005eef1000002a'));
    expect(err(TYPE.EUI48, '00:00:5e:00:53:2a')).toMatch(/bad EUI-48 address/);
    expect(wire(TYPE.CSYNC, '66 3 A NS AAAA')).toEqual(hex('00000042 0003 0004 6000 0008'));
    expect(wire(TYPE.DHCID, 'AAIBY2/AuCccgoJbsaxcQc9TUapptP69l OjxfNuVAA2kjEA=')).toEqual(
      Buffer.from('AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=', 'base64'),
    );
    expect(wire(TYPE.SSHFP, '4 2 1234 56')).toEqual(hex('04 02 123456'));
    expect(wire(TYPE.TLSA, '3 1 1 0c72 ac70')).toEqual(hex('03 01 01 0c72ac70'));
    expect(wire(TYPE.OPENPGPKEY, 'AQI=')).toEqual(hex('0102'));
  });

  it('RFC 3597 \\# for any type, canonicalized like a transfer', () => {
    expect(wire(65280, '\\# 4 0A000001')).toEqual(hex('0a000001'));
    expect(wire(65280, '\\# 0')).toEqual(Buffer.alloc(0));
    expect(wire(TYPE.A, '\\# 4 c0 00 02 01')).toEqual(hex('c0000201'));
    // Names in known name-bearing types are checked and lowercased exactly as message.ts does.
    expect(wire(TYPE.NS, '\\# 5 03 41 42 43 00')).toEqual(hex('03616263 00'));
    expect(wire(TYPE.NSEC, '\\# 5 03414243 00')).toEqual(hex('03414243 00'));
    expect(wire(TYPE.TXT, '\\# 0')).toEqual(Buffer.alloc(0));
    expect(err(65280, '\\# 3 0102')).toMatch(/length 3 does not match the 2 octets/);
    expect(err(TYPE.NS, '\\# 2 c00c')).toMatch(/not valid for NS/);
    expect(err(TYPE.A, '\\# 3 010203')).toMatch(/not valid/);
    expect(err(TYPE.NULL, '01')).toMatch(/^<rdata>:1:1: type NULL is read only in RFC 3597 form/);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Round trip: random valid wire RDATA → rdata.ts text → parsed → the same bytes → the same text. */

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 65535 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength }).map((b) => Buffer.from(b));
const be16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const be32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};

/** Labels that stress the escaping: dots, backslashes, quotes, spaces, `;()@$`, bytes ≥ 0x80, upper case. */
const label = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/).map((s) => Buffer.from(s, 'latin1')) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(0x2e, 0x5c, 0x22, 0x20, 0x3b, 0x28, 0x29, 0x40, 0x24, 0x00, 0xff, 0x41, 0x7a, 0x09), { minLength: 1, maxLength: 6 })
      .map((a) => Buffer.from(a)),
  },
  { weight: 1, arbitrary: bytes(1, 63) },
);
const wireName = fc
  .oneof({ weight: 5, arbitrary: fc.array(label, { maxLength: 5 }) }, { weight: 1, arbitrary: fc.array(bytes(50, 63), { minLength: 3, maxLength: 4 }) })
  .filter((ls) => ls.reduce((n, l) => n + 1 + l.length, 1) <= 255)
  .map((ls) => fromLabels(ls));

const charString = bytes(0, 255).map((b) => Buffer.concat([Buffer.from([b.length]), b]));

/** An independent RFC 4034 §4.1.2 encoder for the generator. */
function bitmap(types: number[]): Buffer {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  for (let w = 0; w < 256; w++) {
    const inW = sorted.filter((t) => t >> 8 === w).map((t) => t & 255);
    if (inW.length === 0) continue;
    const bits = Buffer.alloc((Math.max(...inW) >> 3) + 1);
    for (const t of inW) bits[t >> 3]! |= 0x80 >> (t & 7);
    parts.push(Buffer.from([w, bits.length]), bits);
  }
  return Buffer.concat(parts);
}
const types = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), u16), { maxLength: 12 }).map(bitmap);

const cat = (...parts: fc.Arbitrary<Buffer>[]) => fc.tuple(...parts).map((ps) => Buffer.concat(ps));
const num = (a: fc.Arbitrary<number>, f: (v: number) => Buffer) => a.map(f);
const U8 = num(u8, (v) => Buffer.from([v]));
const U16 = num(u16, be16);
const U32 = num(u32, be32);

const ipv6 = fc.oneof(
  bytes(16, 16),
  fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((g) => Buffer.concat(g.map(be16))),
);
const locSize = fc.oneof(
  fc.constant(0),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 9 })).map(([m, e]) => (m << 4) | e),
);
const locAngle = (max: number) => fc.integer({ min: -max * 3_600_000, max: max * 3_600_000 }).map((v) => be32(2 ** 31 + v));

const svcParams = fc
  .record({
    alpn: fc.option(fc.array(bytes(1, 12), { minLength: 1, maxLength: 4 })),
    ndalpn: fc.boolean(),
    port: fc.option(u16),
    v4: fc.option(fc.array(bytes(4, 4), { minLength: 1, maxLength: 3 })),
    ech: fc.option(bytes(1, 40)),
    v6: fc.option(fc.array(ipv6, { minLength: 1, maxLength: 3 })),
    doh: fc.option(bytes(0, 20)),
    ohttp: fc.boolean(),
    other: fc.uniqueArray(fc.tuple(fc.integer({ min: 9, max: 65535 }), bytes(0, 12)), { maxLength: 3, selector: (x) => x[0] }),
    mandatory: fc.boolean(),
  })
  .map((r) => {
    const ps: [number, Buffer][] = [];
    if (r.alpn) ps.push([1, Buffer.concat(r.alpn.flatMap((id) => [Buffer.from([id.length]), id]))]);
    if (r.ndalpn) ps.push([2, Buffer.alloc(0)]);
    if (r.port !== null) ps.push([3, be16(r.port)]);
    if (r.v4) ps.push([4, Buffer.concat(r.v4)]);
    if (r.ech) ps.push([5, r.ech]);
    if (r.v6) ps.push([6, Buffer.concat(r.v6)]);
    if (r.doh) ps.push([7, r.doh]);
    if (r.ohttp) ps.push([8, Buffer.alloc(0)]);
    for (const [k, v] of r.other) ps.push([k, v]);
    ps.sort((a, b) => a[0] - b[0]);
    if (r.mandatory && ps.length > 0) ps.unshift([0, Buffer.concat(ps.slice(0, 2).map(([k]) => be16(k)))]);
    return Buffer.concat(ps.flatMap(([k, v]) => [be16(k), be16(v.length), v]));
  });

/** [type, arbitrary of valid wire RDATA] — names lowercased where message.ts lowercases them. */
function rdataFor(type: number): fc.Arbitrary<Buffer> {
  const n = lowercasesRdataNames(type) ? wireName.map((x) => lowerName(x)) : wireName;
  switch (type) {
    case TYPE.A:
      return bytes(4, 4);
    case TYPE.AAAA:
      return ipv6;
    case TYPE.NS:
    case TYPE.MD:
    case TYPE.MF:
    case TYPE.CNAME:
    case TYPE.MB:
    case TYPE.MG:
    case TYPE.MR:
    case TYPE.PTR:
    case TYPE.DNAME:
      return n;
    case TYPE.SOA:
      return cat(n, n, U32, U32, U32, U32, U32);
    case TYPE.MINFO:
    case TYPE.RP:
      return cat(n, n);
    case TYPE.MX:
    case TYPE.AFSDB:
    case TYPE.RT:
    case TYPE.KX:
      return cat(U16, n);
    case TYPE.PX:
      return cat(U16, n, n);
    case TYPE.TXT:
    case TYPE.SPF:
      return fc.array(charString, { minLength: 0, maxLength: 4 }).map((a) => Buffer.concat(a));
    case TYPE.HINFO:
      return cat(charString, charString);
    case TYPE.SRV:
      return cat(U16, U16, U16, n);
    case TYPE.NAPTR:
      return cat(U16, U16, charString, charString, charString, n);
    case TYPE.CAA:
      return fc
        .tuple(
          U8,
          fc.oneof(
            fc.stringMatching(/^[a-zA-Z0-9]{1,15}$/).map((s) => Buffer.from(s)),
            bytes(0, 16),
          ),
          bytes(0, 300),
        )
        .map(([f, tag, v]) => Buffer.concat([f, Buffer.from([tag.length]), tag, v]));
    case TYPE.SSHFP:
      return cat(U8, U8, bytes(0, 64));
    case TYPE.TLSA:
    case TYPE.SMIMEA:
      return cat(U8, U8, U8, bytes(0, 64));
    case TYPE.OPENPGPKEY:
    case TYPE.DHCID:
      return bytes(0, 300);
    case TYPE.DS:
    case TYPE.CDS:
    case TYPE.TA:
    case TYPE.DLV:
      return cat(U16, U8, U8, bytes(0, 64));
    case TYPE.DNSKEY:
    case TYPE.CDNSKEY:
    case TYPE.KEY:
      return cat(U16, U8, U8, bytes(0, 300));
    case TYPE.RRSIG:
    case TYPE.SIG:
      return cat(U16, U8, U8, U32, U32, U32, U16, n, bytes(0, 300));
    case TYPE.NSEC:
      return cat(n, types);
    case TYPE.NSEC3:
      return cat(
        U8,
        U8,
        U16,
        bytes(0, 255).map((s) => Buffer.concat([Buffer.from([s.length]), s])),
        bytes(1, 255).map((h) => Buffer.concat([Buffer.from([h.length]), h])),
        types,
      );
    case TYPE.NSEC3PARAM:
      return cat(
        U8,
        U8,
        U16,
        bytes(0, 255).map((s) => Buffer.concat([Buffer.from([s.length]), s])),
      );
    case TYPE.ZONEMD:
      return cat(U32, U8, U8, bytes(0, 64));
    case TYPE.SVCB:
    case TYPE.HTTPS:
      return cat(U16, n, svcParams);
    case TYPE.LOC:
      return cat(
        fc.constantFrom(Buffer.from([0]), Buffer.from([0]), Buffer.from([0]), Buffer.from([1])),
        num(locSize, (v) => Buffer.from([v])),
        num(locSize, (v) => Buffer.from([v])),
        num(locSize, (v) => Buffer.from([v])),
        locAngle(90),
        locAngle(180),
        U32,
      );
    case TYPE.URI:
      return cat(U16, U16, bytes(0, 300));
    case TYPE.CSYNC:
      return cat(U32, U16, types);
    case TYPE.CERT:
      return cat(U16, U16, U8, bytes(0, 200));
    case TYPE.IPSECKEY:
      return fc.oneof(
        cat(U8, fc.constant(Buffer.from([0])), U8, bytes(0, 40)),
        cat(U8, fc.constant(Buffer.from([1])), U8, bytes(4, 4), bytes(0, 40)),
        cat(U8, fc.constant(Buffer.from([2])), U8, ipv6, bytes(0, 40)),
        cat(U8, fc.constant(Buffer.from([3])), U8, n, bytes(0, 40)),
        cat(U8, fc.constant(Buffer.from([7])), U8, bytes(0, 40)),
      );
    case TYPE.EUI48:
      return bytes(6, 6);
    case TYPE.EUI64:
      return bytes(8, 8);
    case TYPE.NXT:
      return cat(n, bytes(0, 10));
    default:
      return bytes(0, 40);
  }
}

const PRESENTED_TYPES = [
  TYPE.A,
  TYPE.AAAA,
  TYPE.NS,
  TYPE.MD,
  TYPE.MF,
  TYPE.CNAME,
  TYPE.MB,
  TYPE.MG,
  TYPE.MR,
  TYPE.PTR,
  TYPE.DNAME,
  TYPE.SOA,
  TYPE.MINFO,
  TYPE.RP,
  TYPE.MX,
  TYPE.AFSDB,
  TYPE.RT,
  TYPE.KX,
  TYPE.PX,
  TYPE.TXT,
  TYPE.SPF,
  TYPE.HINFO,
  TYPE.SRV,
  TYPE.NAPTR,
  TYPE.CAA,
  TYPE.SSHFP,
  TYPE.TLSA,
  TYPE.SMIMEA,
  TYPE.OPENPGPKEY,
  TYPE.DS,
  TYPE.CDS,
  TYPE.TA,
  TYPE.DLV,
  TYPE.DNSKEY,
  TYPE.CDNSKEY,
  TYPE.KEY,
  TYPE.RRSIG,
  TYPE.SIG,
  TYPE.NSEC,
  TYPE.NSEC3,
  TYPE.NSEC3PARAM,
  TYPE.ZONEMD,
  TYPE.SVCB,
  TYPE.HTTPS,
  TYPE.LOC,
  TYPE.URI,
  TYPE.CSYNC,
  TYPE.CERT,
  TYPE.IPSECKEY,
  TYPE.DHCID,
  TYPE.EUI48,
  TYPE.EUI64,
];
/** Types read only as `\#`: unknown numbers, and known types without a presentation here. */
const GENERIC_TYPES = [TYPE.NULL, TYPE.WKS, TYPE.NXT, TYPE.APL, TYPE.HIP, TYPE.WALLET, TYPE.DSYNC, 65280, 65534, 4321];

const anyType = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PRESENTED_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...GENERIC_TYPES) });
const anyRdata = anyType.chain((type) => rdataFor(type).map((rdata) => ({ type, rdata })));
const record: fc.Arbitrary<WireRecord> = fc
  .record({
    owner: wireName,
    cls: fc.oneof(
      { weight: 8, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.constantFrom(3, 4, 254, 255) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
    ),
    ttl: fc.oneof(u32, fc.constantFrom(0, 300, 86400, 0xffffffff)),
    rd: anyRdata,
  })
  .map((r) => ({ owner: r.owner, type: r.rd.type, class: r.cls, ttl: r.ttl, rdata: r.rd.rdata }));

function line(rec: WireRecord): string {
  return recordLine(rec.owner, rec.ttl, rec.class, rec.type, render(rec.type, rec.rdata));
}

describe('round trip: wire → rdata.ts text → parser → wire', () => {
  it('every presented type, one record at a time', () => {
    fc.assert(
      fc.property(record, (rec) => {
        const text = line(rec);
        const r = parseZoneText(text + '\n', { file: 'rt' });
        if (!r.ok) throw new Error(`${r.error}\n${JSON.stringify(text)}`);
        expect(r.records).toHaveLength(1);
        const got = r.records[0]!;
        expect(got.owner.toString('hex')).toBe(rec.owner.toString('hex'));
        expect([got.type, got.class, got.ttl]).toEqual([rec.type, rec.class, rec.ttl]);
        expect(got.rdata.toString('hex'), text).toBe(rec.rdata.toString('hex'));
        expect(line(got)).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('each type on its own, so that none is starved', () => {
    for (const type of [...PRESENTED_TYPES, ...GENERIC_TYPES]) {
      fc.assert(
        fc.property(rdataFor(type), (rdata) => {
          const text = render(type, rdata);
          const r = parseRdataText(type, text);
          if (!r.ok) throw new Error(`${typeName(type)} ${JSON.stringify(text)}: ${r.error}`);
          expect(r.rdata.toString('hex'), `${typeName(type)} ${text}`).toBe(rdata.toString('hex'));
          expect(render(type, r.rdata)).toBe(text);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('a whole zone text of random records, parsed in one piece', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), (recs) => {
        const text = recs.map(line).join('\n') + '\n';
        const r = parseZoneText(text);
        if (!r.ok) throw new Error(r.error);
        expect(r.records.map(line)).toEqual(recs.map(line));
        expect(r.records.map((x) => x.rdata.toString('hex'))).toEqual(recs.map((x) => x.rdata.toString('hex')));
      }),
      { numRuns: 200 },
    );
  });
});

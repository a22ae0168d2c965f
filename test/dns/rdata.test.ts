import { describe, expect, it } from 'vitest';
import { base32hex, genericRdata, ipv6, rdataToText } from '../../src/dns/rdata.js';
import { textToName } from '../../src/dns/name.js';
import { TYPE } from '../../src/dns/types.js';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const text = (type: number, rdata: Buffer) => {
  const r = rdataToText(type, rdata);
  if (!r.ok) throw new Error(r.detail);
  return r.text;
};
const bad = (type: number, rdata: Buffer) => {
  const r = rdataToText(type, rdata);
  return r.ok ? `unexpectedly ok: ${r.text}` : r.detail;
};

describe('RDATA presentation', () => {
  it('addresses', () => {
    expect(text(TYPE.A, hex('c0000201'))).toBe('192.0.2.1');
    expect(text(TYPE.AAAA, hex('20010db8000000000000000000000001'))).toBe('2001:db8::1');
    expect(ipv6(hex('00000000000000000000000000000000'))).toBe('::');
    expect(ipv6(hex('20010db8000000010000000000000001'))).toBe('2001:db8:0:1::1');
    expect(ipv6(hex('20010db8000000010001000100010001'))).toBe('2001:db8:0:1:1:1:1:1');
    expect(ipv6(hex('20010000000000010000000000000000'))).toBe('2001:0:0:1::');
  });

  it('names and strings', () => {
    expect(text(TYPE.NS, textToName('a.root-servers.net.'))).toBe('a.root-servers.net.');
    expect(text(TYPE.MX, Buffer.concat([hex('000a'), textToName('mail.example.')]))).toBe('10 mail.example.');
    expect(text(TYPE.TXT, Buffer.from([3, 0x22, 0x5c, 0x07, 0, 2, 0x20, 0xff]))).toBe('"\\"\\\\\\007" "" " \\255"');
    expect(text(TYPE.HINFO, Buffer.from([3, 0x50, 0x43, 0x31, 4, 0x55, 0x6e, 0x69, 0x78]))).toBe('"PC1" "Unix"');
  });

  it('DNSSEC types', () => {
    expect(text(TYPE.DS, hex('4f66 08 02 e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766'))).toBe(
      '20326 8 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766',
    );
    expect(text(TYPE.DNSKEY, hex('0101 03 08 0102'))).toBe('257 3 8 AQI=');
    const rrsig = Buffer.concat([hex('0006 08 00 00015180 5c4e4600 5c3cb200 4f66'), textToName('.'), hex('0102')]);
    expect(text(TYPE.RRSIG, rrsig)).toBe('SOA 8 0 86400 20190128000000 20190114160000 20326 . AQI=');
    expect(text(TYPE.NSEC, Buffer.concat([textToName('aaa.'), hex('0007 2200 0000 0003 80'), hex('0101 40')]))).toBe('aaa. NS SOA RRSIG NSEC DNSKEY CAA');
    expect(text(TYPE.NSEC3, hex('01 01 000c 04 aabbccdd 14 174ee7dc7e2c7fb94dd88d0a1c4de6aa9fff5c28 0006 4000 0000 0002'))).toBe(
      '1 1 12 AABBCCDD 2t7efn3u5hvrijeohk51ojf6lafvun18 A RRSIG',
    );
    expect(text(TYPE.NSEC3PARAM, hex('01 00 0000 00'))).toBe('1 0 0 -');
    expect(text(TYPE.ZONEMD, hex('7848b78c 01 01 0102030405060708090a0b0c'))).toBe('2018031500 1 1 0102030405060708090A0B0C');
    expect(base32hex(hex('00'))).toBe('00');
  });

  it('SVCB and HTTPS (RFC 9460 appendix D)', () => {
    const rd = Buffer.concat([
      hex('0010'),
      textToName('foo.example.org.'),
      hex('0000 0004 0001 0004'), // mandatory=alpn,ipv4hint
      hex('0001 000c 08 665c6f6f2c626172 02 6832'), // alpn: "f\oo,bar", "h2"
      hex('0002 0000'), // no-default-alpn
      hex('0003 0002 0035'), // port=53
      hex('0004 0008 c0000201 c6336401'), // ipv4hint
      hex('0006 0010 20010db8000000000000000000000001'), // ipv6hint
      hex('fde8 0003 61 22 62'), // key65000="a\"b"
    ]);
    expect(text(TYPE.SVCB, rd)).toBe(
      '16 foo.example.org. mandatory=alpn,ipv4hint alpn="f\\\\\\\\oo\\\\,bar,h2" no-default-alpn port=53 ipv4hint=192.0.2.1,198.51.100.1 ipv6hint=2001:db8::1 key65000="a\\"b"',
    );
    // keys out of order, or a mandatory list that would not read back: kept in RFC 3597 form
    const unsorted = Buffer.concat([hex('0001'), textToName('.'), hex('0003 0002 0035 0001 0003 026832')]);
    expect(text(TYPE.HTTPS, unsorted)).toBe(genericRdata(unsorted));
    const mandatory = Buffer.concat([hex('0001'), textToName('.'), hex('0000 0004 0003 0001')]);
    expect(text(TYPE.HTTPS, mandatory)).toBe(genericRdata(mandatory));
    // LOC size with mantissa 0 and exponent 5
    const loc = hex('00 05 16 13 80000000 80000000 00989680');
    expect(text(TYPE.LOC, loc)).toBe(genericRdata(loc));
  });

  it('LOC, CAA, URI, EUI, IPSECKEY, CSYNC, CERT', () => {
    // RFC 1876 example: 42 21 54 N 71 06 18 W -24m 30m
    expect(text(TYPE.LOC, hex('00 33 16 13 89 17 2d d0 70 be 15 f0 00 98 8d 20'))).toBe('42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m');
    expect(text(TYPE.CAA, Buffer.concat([hex('00 05'), Buffer.from('issueletsencrypt.org')]))).toBe('0 issue "letsencrypt.org"');
    expect(text(TYPE.CAA, Buffer.concat([hex('00 01'), Buffer.from('-x')]))).toBe(genericRdata(Buffer.concat([hex('00 01'), Buffer.from('-x')])));
    expect(text(TYPE.URI, Buffer.concat([hex('000a 0001'), Buffer.from('ftp://ftp1.example.com/public')]))).toBe('10 1 "ftp://ftp1.example.com/public"');
    expect(text(TYPE.EUI48, hex('00005e0053 2a'))).toBe('00-00-5e-00-53-2a');
    expect(text(TYPE.IPSECKEY, hex('0a 01 02 c0000201 0102'))).toBe('10 1 2 192.0.2.1 AQI=');
    expect(text(TYPE.IPSECKEY, Buffer.concat([hex('0a 03 00'), textToName('gw.example.')]))).toBe('10 3 0 gw.example.');
    expect(text(TYPE.CSYNC, hex('00000042 0003 0004 6000 0008'))).toBe('66 3 A NS AAAA');
    expect(text(TYPE.CERT, hex('0001 3039 08 0102'))).toBe('1 12345 8 AQI=');
  });

  it('unknown types and unrepresentable values use RFC 3597 form', () => {
    expect(text(65280, hex('0a000001'))).toBe('\\# 4 0a000001');
    expect(text(65280, Buffer.alloc(0))).toBe('\\# 0');
    expect(text(TYPE.TXT, Buffer.alloc(0))).toBe('\\# 0');
    expect(text(TYPE.DS, hex('0001 08 02'))).toBe('\\# 4 00010802');
  });

  it('RDATA that breaks its type is malformed', () => {
    expect(bad(TYPE.A, hex('0102030405'))).toMatch(/A RDATA/);
    expect(bad(TYPE.AAAA, hex('01'))).toMatch(/AAAA RDATA/);
    expect(bad(TYPE.NS, Buffer.concat([textToName('a.'), hex('00')]))).toMatch(/past the last field/);
    expect(bad(TYPE.TXT, hex('0561'))).toMatch(/shorter/);
    expect(bad(TYPE.NSEC, Buffer.concat([textToName('a.'), hex('0000')]))).toMatch(/window of 0/);
    expect(bad(TYPE.NSEC, Buffer.concat([textToName('a.'), hex('0101 40 0001 40')]))).toMatch(/out of order/);
    expect(bad(TYPE.SVCB, Buffer.concat([hex('0001'), hex('c00c')]))).toMatch(/label type|past the end/);
  });
});

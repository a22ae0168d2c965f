import { describe, expect, it } from 'vitest';
import { canonicalUncompressedRdata, decodeMessage } from '../src/message.js';
import { encodeMessage } from '../src/encode.js';
import { textToName } from '../src/name.js';
import { TYPE } from '../src/types.js';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('strict decoder', () => {
  it('decodes every section and rebuilds RDATA uncompressed', () => {
    const msg = encodeMessage({
      id: 7,
      questions: [{ name: textToName('example.'), type: TYPE.AXFR, class: 1 }],
      answers: [{ owner: textToName('Example.'), type: TYPE.NS, class: 1, ttl: 60, rdata: textToName('NS1.Example.') }],
      authority: [{ owner: textToName('example.'), type: TYPE.A, class: 1, ttl: 60, rdata: hex('c0000201') }],
    });
    const d = decodeMessage(msg);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.message.header).toMatchObject({ id: 7, qr: true, aa: true, qdcount: 1, ancount: 1, nscount: 1 });
    expect(d.message.answers[0]!.owner).toEqual(textToName('Example.'));
    expect(d.message.answers[0]!.rdata).toEqual(textToName('ns1.example.'));
    expect(d.message.authority).toHaveLength(1);
  });

  it('refuses a compression pointer into the header', () => {
    // header, then one answer whose owner is a pointer to offset 4
    const msg = Buffer.concat([hex('0007 8400 0000 0001 0000 0000'), hex('c004 0001 0001 00000000 0004 c0000201')]);
    const d = decodeMessage(msg);
    expect(d).toEqual({ ok: false, detail: expect.stringMatching(/pointer to 4/) });
  });

  it('refuses bytes after the last record', () => {
    const msg = Buffer.concat([encodeMessage({ id: 1 }), hex('00')]);
    expect(decodeMessage(msg)).toEqual({ ok: false, detail: '1 bytes after the last record' });
  });
});

describe('uncompressed RDATA in canonical form', () => {
  it('lowercases RFC 4034 §6.2 names, SVCB targets and IPSECKEY gateways, and nothing else', () => {
    const lower = (type: number, rdata: Buffer) => {
      const r = canonicalUncompressedRdata(type, rdata);
      if (!r.ok) throw new Error(r.detail);
      return r.rdata;
    };
    expect(lower(TYPE.MX, Buffer.concat([hex('000a'), textToName('Mail.Example.')]))).toEqual(Buffer.concat([hex('000a'), textToName('mail.example.')]));
    expect(lower(TYPE.HTTPS, Buffer.concat([hex('0001'), textToName('Svc.Example.'), hex('0003 0002 01bb')]))).toEqual(Buffer.concat([hex('0001'), textToName('svc.example.'), hex('0003 0002 01bb')]));
    expect(lower(TYPE.IPSECKEY, Buffer.concat([hex('0a 03 02'), textToName('GW.Example.'), hex('0102')]))).toEqual(Buffer.concat([hex('0a 03 02'), textToName('gw.example.'), hex('0102')]));
    const nsec = Buffer.concat([textToName('Next.Example.'), hex('000140')]);
    expect(lower(TYPE.NSEC, nsec)).toEqual(nsec);
    const txt = Buffer.from([2, 0x41, 0x42]);
    expect(lower(TYPE.TXT, txt)).toEqual(txt);
  });

  it('holds names to their layout and refuses pointers', () => {
    expect(canonicalUncompressedRdata(TYPE.NS, hex('c00c'))).toMatchObject({ ok: false });
    expect(canonicalUncompressedRdata(TYPE.SOA, Buffer.concat([textToName('a.'), textToName('b.'), hex('00')]))).toMatchObject({ ok: false });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalUncompressedRdata, decodeMessage, type WireRecord } from '../../src/dns/message.js';
import { canonicalUncompressedRdata as referenceCanonical, decodeMessage as referenceDecode } from '../support/reference-decoder.js';
import { encodeMessage } from '../../src/lab/encode.js';
import { textToName } from '../../src/dns/name.js';
import { TYPE } from '../../src/dns/types.js';

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
    expect(lower(TYPE.HTTPS, Buffer.concat([hex('0001'), textToName('Svc.Example.'), hex('0003 0002 01bb')]))).toEqual(
      Buffer.concat([hex('0001'), textToName('svc.example.'), hex('0003 0002 01bb')]),
    );
    expect(lower(TYPE.IPSECKEY, Buffer.concat([hex('0a 03 02'), textToName('GW.Example.'), hex('0102')]))).toEqual(
      Buffer.concat([hex('0a 03 02'), textToName('gw.example.'), hex('0102')]),
    );
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

/** A message whose owners, and names in the RDATA of NS, CNAME, SOA and MX, are compressed (RFC 1035 §4.1.4) against every earlier name. */
function compressed(id: number, rrs: WireRecord[]): Buffer {
  const parts: number[] = [id >> 8, id & 255, 0x84, 0, 0, 1, rrs.length >> 8, rrs.length & 255, 0, 0, 0, 0];
  const seen = new Map<string, number>();
  const name = (n: Buffer) => {
    for (let i = 0; n[i]! !== 0; i += 1 + n[i]!) {
      const at = seen.get(n.subarray(i).toString('hex'));
      if (at !== undefined) {
        parts.push(0xc0 | (at >> 8), at & 255);
        return;
      }
      if (parts.length < 0x3fff) seen.set(n.subarray(i).toString('hex'), parts.length);
      parts.push(...n.subarray(i, i + 1 + n[i]!));
    }
    parts.push(0);
  };
  name(textToName('example.'));
  parts.push(0, TYPE.AXFR, 0, 1);
  for (const r of rrs) {
    name(r.owner);
    parts.push(r.type >> 8, r.type & 255, 0, 1, 0, 0, 0, 60, 0, 0);
    const lenAt = parts.length - 2;
    const start = parts.length;
    if (r.type === TYPE.NS || r.type === TYPE.CNAME) name(r.rdata);
    else if (r.type === TYPE.MX) {
      parts.push(...r.rdata.subarray(0, 2));
      name(r.rdata.subarray(2));
    } else if (r.type === TYPE.SOA) {
      const first = r.rdata.subarray(0, r.rdata.indexOf(0) + 1);
      name(first);
      const rest = r.rdata.subarray(first.length);
      const second = rest.subarray(0, rest.indexOf(0) + 1);
      name(second);
      parts.push(...rest.subarray(second.length));
    } else parts.push(...r.rdata);
    const len = parts.length - start;
    parts[lenAt] = len >> 8;
    parts[lenAt + 1] = len & 255;
  }
  return Buffer.from(parts);
}

describe('the decoder against its reference (git 78b8cfa)', () => {
  const names = ['Example.', 'ns1.Example.', 'a.b.example.', '.', 'x.NS1.example.'].map((t) => textToName(t));
  const types = [
    TYPE.A,
    TYPE.NS,
    TYPE.CNAME,
    TYPE.SOA,
    TYPE.MX,
    TYPE.TXT,
    TYPE.SRV,
    TYPE.NAPTR,
    TYPE.RRSIG,
    TYPE.NSEC,
    TYPE.SVCB,
    TYPE.IPSECKEY,
    TYPE.DS,
    TYPE.AAAA,
    TYPE.PX,
    TYPE.RP,
  ];
  const rdataFor = (type: number, pick: number[]): Buffer => {
    const n = (i: number) => names[pick[i % pick.length]! % names.length]!;
    switch (type) {
      case TYPE.NS:
      case TYPE.CNAME:
        return n(0);
      case TYPE.SOA:
        return Buffer.concat([n(0), n(1), Buffer.alloc(20, 7)]);
      case TYPE.MX:
        return Buffer.concat([hex('000a'), n(0)]);
      case TYPE.SRV:
        return Buffer.concat([hex('000100020003'), n(1)]);
      case TYPE.NAPTR:
        return Buffer.concat([hex('00010002'), hex('0141'), hex('00'), hex('0142'), n(0)]);
      case TYPE.RRSIG:
        return Buffer.concat([Buffer.alloc(18, 1), n(2), hex('abcdef')]);
      case TYPE.NSEC:
        return Buffer.concat([n(1), hex('000140')]);
      case TYPE.SVCB:
        return Buffer.concat([hex('0001'), n(3), hex('00030002 01bb')]);
      case TYPE.IPSECKEY:
        return Buffer.concat([hex('0a0302'), n(4), hex('0102')]);
      case TYPE.PX:
      case TYPE.RP:
        return Buffer.concat(type === TYPE.PX ? [hex('0001'), n(0), n(1)] : [n(0), n(1)]);
      case TYPE.AAAA:
        return Buffer.alloc(16, 0x20);
      default:
        return Buffer.from(pick.slice(0, 6));
    }
  };
  const message = fc
    .record({
      id: fc.integer({ min: 0, max: 0xffff }),
      recs: fc.array(fc.record({ o: fc.nat(), t: fc.constantFrom(...types), pick: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 6 }) }), {
        maxLength: 8,
      }),
      split: fc.nat({ max: 8 }),
    })
    .map(({ id, recs, split }) => {
      const rrs: WireRecord[] = recs.map((r) => ({ owner: names[r.o % names.length]!, type: r.t, class: 1, ttl: 60, rdata: rdataFor(r.t, r.pick) }));
      const cut = Math.min(split, rrs.length);
      return split % 2 === 0
        ? encodeMessage({ id, questions: [{ name: names[0]!, type: TYPE.AXFR, class: 1 }], answers: rrs.slice(0, cut), additional: rrs.slice(cut) })
        : compressed(id, rrs);
    });
  /** Up to 6 bytes of the message overwritten, maybe cut short or lengthened: mostly hostile. */
  const mutated = fc
    .tuple(message, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }), fc.integer({ min: -4, max: 2 }))
    .map(([m, edits, cut]) => {
      let b = Buffer.from(m);
      for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
      if (cut < 0) b = b.subarray(0, Math.max(0, b.length + cut));
      else if (cut > 0) b = Buffer.concat([b, Buffer.alloc(cut, 0xc0)]);
      return b;
    });

  it('reads compressed owners and RDATA names', () => {
    const rrs: WireRecord[] = [
      { owner: textToName('Example.'), type: TYPE.NS, class: 1, ttl: 60, rdata: textToName('NS1.Example.') },
      { owner: textToName('ns1.EXAMPLE.'), type: TYPE.A, class: 1, ttl: 60, rdata: hex('c0000201') },
      { owner: textToName('ns1.Example.'), type: TYPE.MX, class: 1, ttl: 60, rdata: Buffer.concat([hex('000a'), textToName('x.NS1.example.')]) },
    ];
    const msg = compressed(9, rrs);
    expect(msg.length).toBeLessThan(
      encodeMessage({ id: 9, questions: [{ name: textToName('example.'), type: TYPE.AXFR, class: 1 }], answers: rrs }).length - 20,
    );
    const d = decodeMessage(msg);
    expect(d).toEqual(referenceDecode(msg));
    if (!d.ok) throw new Error(d.detail);
    expect(d.message.answers.map((r) => [r.owner, r.rdata])).toEqual([
      [textToName('Example.'), textToName('ns1.example.')],
      [textToName('ns1.EXAMPLE.'), hex('c0000201')],
      [textToName('ns1.Example.'), Buffer.concat([hex('000a'), textToName('x.ns1.example.')])],
    ]);
  });

  it('grows its storage from a short message to a nearly full one and back, with the same results', () => {
    // The decoder starts with room for 16 records and 1 KiB of names and RDATA; these need far more.
    const many = (n: number, salt: number): WireRecord[] =>
      Array.from({ length: n }, (_, i) => ({
        owner: textToName(`host-${salt}-${i}.Example.`),
        type: i % 3 === 0 ? TYPE.NS : TYPE.A,
        class: 1,
        ttl: 60,
        rdata: i % 3 === 0 ? textToName(`NS${i % 7}.Example.`) : Buffer.from([192, 0, 2, i & 255]),
      }));
    const sizes: Buffer[] = [];
    for (const [n, salt] of [
      [1, 0],
      [1800, 1],
      [3, 2],
      [2000, 3],
      [1, 4],
    ] as const) {
      const msg = compressed(n, many(n, salt));
      sizes.push(msg);
      const d = decodeMessage(msg);
      expect(d).toEqual(referenceDecode(msg));
      expect(d.ok && d.message.answers.length).toBe(n);
    }
    expect(Math.max(...sizes.map((m) => m.length))).toBeGreaterThan(40_000);
  });

  it('gives the same records, or the same failure, for random and damaged messages (property)', () => {
    fc.assert(
      fc.property(fc.oneof(message, mutated, mutated), (msg) => {
        expect(decodeMessage(msg)).toEqual(referenceDecode(msg));
      }),
      { numRuns: 20000 },
    );
  });

  it('gives the same canonical form of uncompressed RDATA (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (type, raw, pick, fromLayout) => {
          const rdata = fromLayout ? rdataFor(type, pick) : Buffer.from(raw);
          expect(canonicalUncompressedRdata(type, rdata)).toEqual(referenceCanonical(type, rdata));
        },
      ),
      { numRuns: 5000 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fastRdataLength, writeDecimal, writeFastRdata } from '../../src/dns/rdata-bytes.js';
import { rdataToText } from '../../src/dns/rdata.js';
import { fromLabels, lowerName, nameToText, writeNameText } from '../../src/dns/name.js';
import { TYPE } from '../../src/dns/types.js';

const FAST_TYPES = [
  TYPE.A,
  TYPE.AAAA,
  TYPE.NS,
  TYPE.CNAME,
  TYPE.PTR,
  TYPE.DNAME,
  TYPE.MD,
  TYPE.MF,
  TYPE.MB,
  TYPE.MG,
  TYPE.MR,
  TYPE.DS,
  TYPE.CDS,
  TYPE.TA,
  TYPE.DLV,
];
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0, 1, 0x2e, 0x41, 0x5c, 0x22, 0x20, 0x40, 0x3b));
const label = fc.array(byte, { minLength: 1, maxLength: 63 }).map((a) => Buffer.from(a));
const name = fc
  .array(label, { maxLength: 5 })
  .filter((ls) => ls.reduce((n, l) => n + 1 + l.length, 1) <= 255)
  .map((ls) => fromLabels(ls));
const zeroRuns = fc.array(fc.constantFrom(0, 0, 0, 1, 0x10, 0xab, 0xff), { minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
const rdata = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  name,
  name.map((n) => Buffer.concat([n, Buffer.from([0])])),
  zeroRuns,
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ minLength: 3, maxLength: 6 }).map((a) => Buffer.from(a)),
);

describe('presentation written as bytes', () => {
  it('is the text of rdataToText whenever it applies, and applies to all well-formed RDATA of its types (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FAST_TYPES), rdata, fc.nat({ max: 3 }), (type, rd, pad) => {
        // The RDATA sits inside a larger buffer, as it does in the decoder's.
        const buf = Buffer.concat([Buffer.alloc(pad, 0x41), rd, Buffer.alloc(pad, 0)]);
        const max = fastRdataLength(type, buf, pad, pad + rd.length);
        const generic = rdataToText(type, rd);
        if (max < 0) {
          // No fast path: the RDATA is malformed or written in RFC 3597 form.
          expect(!generic.ok || generic.text.startsWith('\\# ')).toBe(true);
          return;
        }
        const out = Buffer.alloc(max + 8, 0xee);
        const end = writeFastRdata(type, buf, pad, pad + rd.length, out, 4);
        expect(end - 4).toBeLessThanOrEqual(max);
        expect(generic).toEqual({ ok: true, text: out.toString('latin1', 4, end) });
      }),
      { numRuns: 20000 },
    );
  });

  it('writes names as nameToText does, lowercased on request (property)', () => {
    fc.assert(
      fc.property(name, (n) => {
        const out = Buffer.alloc(4 * n.length);
        expect(out.toString('latin1', 0, writeNameText(n, 0, out, 0, false))).toBe(nameToText(n));
        expect(out.toString('latin1', 0, writeNameText(n, 0, out, 0, true))).toBe(nameToText(lowerName(n)));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes decimals', () => {
    for (const v of [0, 9, 10, 99, 100, 65535, 86400, 4294967295]) {
      const out = Buffer.alloc(12);
      expect(out.toString('latin1', 0, writeDecimal(out, 0, v))).toBe(String(v));
    }
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import { buildQuery } from '../../src/dns/query.js';
import { fromLabels, nameToText, textToName } from '../../src/dns/name.js';
import { TYPE, typeName } from '../../src/dns/types.js';

describe('queries', () => {
  it('are the bytes dns-packet writes, for plain names (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(
        fc.array(label, { maxLength: 4 }),
        fc.constantFrom(TYPE.AXFR, TYPE.A, TYPE.NS, TYPE.SOA, TYPE.AAAA),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(0, 0x0100),
        (labels, type, id, flags) => {
          const name = fromLabels(labels.map((l) => Buffer.from(l)));
          const text = nameToText(name);
          const expected = dnsPacket.encode({
            type: 'query',
            id,
            flags,
            questions: [{ type: typeName(type) as dnsPacket.RecordType, class: 'IN', name: text === '.' ? '.' : text.slice(0, -1) }],
          });
          expect(buildQuery(name, type, id, flags)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keep every byte of a name that dns-packet would split or re-encode', () => {
    const name = textToName('a\\.b.\\200x.example.');
    const q = buildQuery(name, TYPE.AXFR, 7);
    expect(q.subarray(12, 12 + name.length)).toEqual(name);
    expect(q.readUInt16BE(12 + name.length)).toBe(TYPE.AXFR);
    expect(q.readUInt16BE(4)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CanonicalZone } from '../../src/zone/canonical.js';
import { encodeMessage } from '../../src/lab/encode.js';
import { decodeMessage, type WireRecord } from '../../src/dns/message.js';
import { fromLabels, nameKey, textToName } from '../../src/dns/name.js';
import { TYPE } from '../../src/dns/types.js';
import { CanonicalZone as ReferenceZone } from '../support/reference-canonical.js';

const ZONE = textToName('Example.');

function soa(serial: number): WireRecord {
  const rdata = Buffer.concat([textToName('ns1.example.'), textToName('hostmaster.example.'), Buffer.alloc(20)]);
  rdata.writeUInt32BE(serial, rdata.length - 20);
  return { owner: ZONE, type: TYPE.SOA, class: 1, ttl: 3600, rdata };
}

const labelBytes = fc.array(fc.constantFrom(0x61, 0x41, 0x62, 0x42, 0x2e, 0x00, 0x01, 0xc8, 0x2a, 0x5c), { minLength: 1, maxLength: 3 });
const owner = fc
  .array(
    labelBytes.map((a) => Buffer.from(a)),
    { maxLength: 3 },
  )
  .map((ls) => fromLabels([...ls, Buffer.from('Example')]));
const target = fc
  .array(
    labelBytes.map((a) => Buffer.from(a)),
    { minLength: 1, maxLength: 3 },
  )
  .map((ls) => fromLabels(ls));

const record: fc.Arbitrary<WireRecord> = fc.oneof(
  fc
    .record({ owner, ttl: fc.constantFrom(60, 3600), rdata: fc.uint8Array({ minLength: 4, maxLength: 4 }) })
    .map((r) => ({ ...r, type: TYPE.A, class: 1, rdata: Buffer.from(r.rdata) })),
  fc
    .record({ owner, ttl: fc.constantFrom(60, 3600), rdata: fc.uint8Array({ minLength: 16, maxLength: 16 }) })
    .map((r) => ({ ...r, type: TYPE.AAAA, class: 1, rdata: Buffer.from(r.rdata) })),
  fc.record({ owner, ttl: fc.constant(3600), t: target }).map((r) => ({ owner: r.owner, ttl: r.ttl, type: TYPE.NS, class: 1, rdata: r.t })),
  fc
    .record({ owner, pref: fc.integer({ min: 0, max: 3 }), t: target })
    .map((r) => ({ owner: r.owner, ttl: 300, type: TYPE.MX, class: 1, rdata: Buffer.concat([Buffer.from([0, r.pref]), r.t]) })),
  fc
    .record({ owner, strings: fc.array(fc.uint8Array({ maxLength: 6 }), { minLength: 1, maxLength: 3 }) })
    .map((r) => ({ owner: r.owner, ttl: 300, type: TYPE.TXT, class: 1, rdata: Buffer.concat(r.strings.map((s) => Buffer.from([s.length, ...s]))) })),
  fc
    .record({ owner, data: fc.uint8Array({ minLength: 0, maxLength: 6 }) })
    .map((r) => ({ owner: r.owner, ttl: 300, type: 65280, class: 1, rdata: Buffer.from(r.data) })),
  fc.record({ owner, tag: fc.integer({ min: 0, max: 65535 }), digest: fc.uint8Array({ minLength: 1, maxLength: 8 }) }).map((r) => {
    const rdata = Buffer.concat([Buffer.from([r.tag >> 8, r.tag & 255, 8, 2]), Buffer.from(r.digest)]);
    return { owner: r.owner, ttl: 86400, type: TYPE.DS, class: 1, rdata };
  }),
);

/** Decodes messages the way the transfer does and renders the zone. */
function render(messages: Buffer[]): string {
  const zone = new CanonicalZone(ZONE, {});
  let first = true;
  for (const m of messages) {
    const d = decodeMessage(m);
    if (!d.ok) throw new Error(d.detail);
    for (const rec of d.message.answers) {
      if (first) {
        zone.setSoa(rec);
        first = false;
      } else expect(zone.add(rec)).toBe('kept');
    }
  }
  return [...zone.chunks()].join('');
}

function split(records: WireRecord[], sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < records.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    out.push(encodeMessage({ id: 1, answers: records.slice(at, at + n) }));
    at += n;
  }
  return out;
}

describe('canonical zone text', () => {
  it('is independent of record order and message split (property)', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        (records, splitA, splitB, seed) => {
          const shuffled = shuffle(records, seed);
          const a = render(split([soa(7), ...records], splitA));
          const b = render(split([soa(7), ...shuffled, ...records.slice(0, 3)], splitB));
          expect(b).toBe(a);
          // lines are unique, sorted by their records' canonical keys, and the SOA leads
          const lines = a.trimEnd().split('\n');
          expect(lines[0]).toMatch(/^example\.\t3600\tIN\tSOA\t/);
          expect(new Set(lines).size).toBe(lines.length);
          expect(a.endsWith('\n')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('orders by owner, then type number, then RDATA bytes', () => {
    const at = (t: string) => textToName(t);
    const recs: WireRecord[] = [
      { owner: at('b.example.'), type: TYPE.A, class: 1, ttl: 1, rdata: Buffer.from([10, 0, 0, 2]) },
      { owner: at('B.example.'), type: TYPE.A, class: 1, ttl: 1, rdata: Buffer.from([10, 0, 0, 1]) },
      { owner: at('a.b.example.'), type: TYPE.NS, class: 1, ttl: 1, rdata: at('x.') },
      { owner: at('b.example.'), type: TYPE.NS, class: 1, ttl: 1, rdata: at('ns.') },
      { owner: at('example.'), type: TYPE.NS, class: 1, ttl: 1, rdata: at('ns.') },
      { owner: at('*.example.'), type: TYPE.TXT, class: 1, ttl: 1, rdata: Buffer.from([1, 0x41]) },
    ];
    const text = render([encodeMessage({ id: 1, answers: [soa(1), ...recs] })]);
    expect(
      text
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split('\t').slice(0, 4).join(' ') + ' ' + l.split('\t')[4]),
    ).toEqual([
      'example. 1 IN NS ns.',
      '*.example. 1 IN TXT "A"',
      'b.example. 1 IN A 10.0.0.1',
      'b.example. 1 IN A 10.0.0.2',
      'b.example. 1 IN NS ns.',
      'a.b.example. 1 IN NS x.',
    ]);
  });

  it('leaves RRSIG, NSEC and NSEC3 out unless asked, and counts them', () => {
    const nsec: WireRecord = {
      owner: textToName('example.'),
      type: TYPE.NSEC,
      class: 1,
      ttl: 1,
      rdata: Buffer.concat([textToName('a.example.'), Buffer.from([0, 1, 0x40])]),
    };
    const plain = new CanonicalZone(ZONE, {});
    plain.setSoa(soa(1));
    expect(plain.add(nsec)).toBe('omitted');
    expect(plain.counts.omitted).toEqual({ NSEC: 1 });
    expect([...plain.chunks()].join('').split('\n')).toHaveLength(2);
    const kept = new CanonicalZone(ZONE, { dnssec: true });
    kept.setSoa(soa(1));
    expect(kept.add(nsec)).toBe('kept');
    expect([...kept.chunks()].join('')).toContain('example.\t1\tIN\tNSEC\ta.example. A\n');
  });

  it('spills to disk past the memory budget and gives the same bytes', () => {
    const records: WireRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      records.push({
        owner: fromLabels([Buffer.from(`n${(i * 7919) % 5000}`), Buffer.from('example')]),
        type: TYPE.A,
        class: 1,
        ttl: 60,
        rdata: Buffer.from([10, 0, i >> 8, i & 255]),
      });
    }
    const build = (budget?: number) => {
      const z = new CanonicalZone(ZONE, { memoryBudget: budget });
      z.setSoa(soa(3));
      for (const r of records) z.add(r);
      for (const r of records.slice(0, 100)) z.add(r);
      const text = [...z.chunks()].join('');
      return { text, runs: z.spilledRuns, written: z.written };
    };
    const mem = build();
    const disk = build(20_000);
    expect(mem.runs).toBe(0);
    expect(disk.runs).toBeGreaterThan(5);
    expect(disk.text).toBe(mem.text);
    expect(disk.written).toBe(5001);
  });

  it('sort keys sort names the way RFC 4034 §6.1 does, for owner names with escapes', () => {
    const names = ['z.example.', '\\200.z.example.', '*.z.example.', '\\001.z.example.'].map((t) => textToName(t));
    names.sort((a, b) => Buffer.compare(nameKey(a), nameKey(b)));
    expect(names.map((n) => n.toString('latin1'))).toEqual(
      ['z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'].map((t) => textToName(t).toString('latin1')),
    );
  });
});

function shuffle<T>(a: T[], seed: number): T[] {
  const out = [...a];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('canonical zone text against its reference (git 78b8cfa)', () => {
  const byte = fc.constantFrom(0x61, 0x41, 0x62, 0x5a, 0x2e, 0x00, 0x01, 0x02, 0x20, 0x28, 0x40, 0xc8, 0x7f, 0x2a, 0x5c, 0x22, 0x30);
  const label = fc.array(byte, { minLength: 1, maxLength: 4 }).map((a) => Buffer.from(a));
  const name = fc.array(label, { maxLength: 3 });
  const ipv6Bytes = fc.array(fc.constantFrom(0, 0, 0, 1, 0xab, 0xff), { minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
  const anyBytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
  const rdataOf: fc.Arbitrary<{ type: number; rdata: Buffer }> = fc.oneof(
    fc.record({
      type: fc.constant(TYPE.A),
      rdata: fc.oneof(
        anyBytes(4).filter((b) => b.length === 4),
        anyBytes(6),
      ),
    }),
    fc.record({ type: fc.constant(TYPE.AAAA), rdata: fc.oneof(ipv6Bytes, ipv6Bytes, anyBytes(17)) }),
    fc.record({
      type: fc.constantFrom(TYPE.NS, TYPE.CNAME, TYPE.PTR, TYPE.DNAME),
      rdata: fc.oneof(
        name.map((ls) => fromLabels(ls)),
        anyBytes(8),
      ),
    }),
    fc.record({ type: fc.constantFrom(TYPE.DS, TYPE.CDS), rdata: anyBytes(12) }),
    fc.record({ type: fc.constantFrom(TYPE.TXT, TYPE.MX, TYPE.RRSIG, TYPE.NSEC, TYPE.SOA, TYPE.DNSKEY, 65280), rdata: anyBytes(30) }),
  );
  const record = (zone: Buffer) =>
    fc
      .record({
        owner: name.map((ls) => fromLabels([...ls, ...labelsOf(zone)])),
        other: fc.nat({ max: 9 }),
        ttl: fc.constantFrom(0, 5, 60, 100, 3600, 4294967295),
        rd: rdataOf,
        cls: fc.constantFrom(1, 1, 1, 1, 3),
      })
      .map(
        (r): WireRecord => ({
          owner: r.other === 0 ? textToName('elsewhere.') : r.owner,
          type: r.rd.type,
          class: r.cls,
          ttl: r.ttl,
          rdata: r.rd.rdata,
        }),
      );
  const zones = [textToName('Example.'), textToName('.'), textToName('a.B.c.')];

  it('gives the same admissions, counts and bytes, in memory and spilled (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones).chain((z) => fc.tuple(fc.constant(z), fc.array(record(z), { maxLength: 60 }))),
        fc.boolean(),
        fc.constantFrom(undefined, 300, 2000),
        ([zone, records], dnssec, budget) => {
          const recs = [...records, ...records.slice(0, 5)];
          const now = new CanonicalZone(zone, { dnssec, memoryBudget: budget });
          const ref = new ReferenceZone(zone, { dnssec });
          const soaRec: WireRecord = { ...soa(9), owner: zone };
          expect(now.setSoa(soaRec)).toEqual(ref.setSoa(soaRec));
          for (const r of recs) expect(now.add(r)).toEqual(ref.add(r));
          expect(now.counts).toEqual(ref.counts);
          const text = [...now.chunks()].join('');
          expect(text).toBe([...ref.chunks()].join(''));
          expect(now.written).toBe(ref.written);
          now.dispose();
          ref.dispose();
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('gives the same bytes for a record made by hand whose owner is longer than a name may be', () => {
    const long = fromLabels([Buffer.alloc(60, 0x41), Buffer.alloc(60, 0x42), Buffer.alloc(60, 0x43), Buffer.alloc(60, 0x44)]);
    const owner = Buffer.concat([long.subarray(0, -1), long.subarray(0, -1), ZONE]);
    expect(owner.length).toBeGreaterThan(255);
    const recs: WireRecord[] = [
      { owner: textToName('a.example.'), type: TYPE.A, class: 1, ttl: 1, rdata: Buffer.from([1, 2, 3, 4]) },
      { owner, type: TYPE.A, class: 1, ttl: 1, rdata: Buffer.from([1, 2, 3, 5]) },
      { owner, type: TYPE.TXT, class: 1, ttl: 1, rdata: Buffer.from([1, 0x41]) },
    ];
    const now = new CanonicalZone(ZONE, {});
    const ref = new ReferenceZone(ZONE, {});
    for (const z of [now, ref]) {
      z.setSoa(soa(1));
      for (const r of recs) expect(z.add(r)).toBe('kept');
    }
    expect([...now.chunks()].join('')).toBe([...ref.chunks()].join(''));
    now.dispose();
  });

  it('gives the same bytes through the byte chunks, spilled or not, for a zone of many owners', () => {
    const records: WireRecord[] = [];
    for (let i = 0; i < 20000; i++) {
      const owner = fromLabels([Buffer.from(`H${(i * 7919) % 6000}`), Buffer.from('example')]);
      records.push({
        owner,
        type: [TYPE.A, TYPE.NS, TYPE.DS, TYPE.AAAA][i % 4]!,
        class: 1,
        ttl: 60 + (i % 3),
        rdata: [
          Buffer.from([10, 0, i >> 8, i & 255]),
          textToName(`NS${i % 50}.Host.`),
          Buffer.from([1, 2, 8, 2, i & 255, 0, 1]),
          Buffer.alloc(16, i % 5 === 0 ? 0 : i & 255),
        ][i % 4]!,
      });
    }
    const ref = new ReferenceZone(ZONE, {});
    ref.setSoa(soa(3));
    for (const r of records) ref.add(r);
    const expected = [...ref.chunks()].join('');
    for (const budget of [undefined, 50_000, 400_000]) {
      const z = new CanonicalZone(ZONE, { memoryBudget: budget });
      z.setSoa(soa(3));
      for (const r of records) z.add(r);
      if (budget === 50_000) expect(z.spilledRuns).toBeGreaterThan(10);
      expect(bytesOf(z)).toBe(expected);
      z.dispose();
    }
  });
});

describe('canonical zone text of records that arrive in order', () => {
  it('goes out as views of the sorter memory, byte-identical to the reference, with duplicates dropped', () => {
    // Owners in canonical order with their records in type order, as Knot sends them; over 1 MiB of text.
    const records: WireRecord[] = [];
    for (let i = 0; i < 40000; i++) {
      const owner = fromLabels([Buffer.from(`h${String(i).padStart(6, '0')}`), Buffer.from('example')]);
      records.push({ owner, type: TYPE.NS, class: 1, ttl: 172800, rdata: textToName(`ns${i % 7}.host.`) });
      records.push({ owner, type: TYPE.DS, class: 1, ttl: 86400, rdata: Buffer.from([1, 2, 8, 2, i & 255, 0, 1, 2, 3]) });
      if (i % 10 === 0) records.push(records[records.length - 1]!);
    }
    const ref = new ReferenceZone(ZONE, {});
    ref.setSoa(soa(3));
    for (const r of records) ref.add(r);
    const expected = [...ref.chunks()].join('');
    expect(expected.length).toBeGreaterThan(2 << 20);
    const z = new CanonicalZone(ZONE, {});
    z.setSoa(soa(3));
    for (const r of records) z.add(r);
    expect(bytesOf(z)).toBe(expected);
    expect(z.written).toBe(80001);
    z.dispose();
  });
});

/** The zone's text through byteChunks, each chunk copied before the next is asked for (they share one buffer). */
function bytesOf(z: CanonicalZone): string {
  const parts: Buffer[] = [];
  for (const c of z.byteChunks()) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('latin1');
}

function labelsOf(name: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; name[i]! !== 0; i += 1 + name[i]!) out.push(name.subarray(i + 1, i + 1 + name[i]!));
  return out;
}

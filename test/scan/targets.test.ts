import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TargetSet, inShard, normalizeAddress, parseShard, selectTargets } from '../../src/scan/targets.js';

const noExclusions = { zones: new Set<string>(), addresses: new Set<string>() };

describe('targets', () => {
  it('merges NS names that share an address for a zone', () => {
    const s = new TargetSet();
    s.add('ba.', '192.0.2.1', 'ns2.ba.');
    s.add('ba.', '192.0.2.1', 'ns1.ba.');
    s.add('ba.', '2001:db8:0:0::1', 'ns1.ba.');
    s.add('ba.', '2001:db8::1', 'ns3.ba.');
    expect(s.list()).toEqual([
      { zone: 'ba.', address: '192.0.2.1', nameServers: ['ns1.ba.', 'ns2.ba.'] },
      { zone: 'ba.', address: '2001:db8:0:0::1', nameServers: ['ns1.ba.', 'ns3.ba.'] },
    ]);
    expect(normalizeAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
  });

  it('shards 1..N cover every target exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom('.', 'ba.', 'com.', 'xn--p1ai.'), fc.ipV4()), { maxLength: 80, selector: ([z, a]) => `${z} ${a}` }),
        fc.integer({ min: 1, max: 9 }),
        (pairs, n) => {
          const all = pairs.map(([zone, address]) => ({ zone, address, nameServers: [] }));
          const seen = new Map<string, number>();
          for (let i = 1; i <= n; i++) {
            for (const t of selectTargets(all, { exclusions: noExclusions, family: 'any', shard: { index: i, count: n } })) {
              const k = `${t.zone} ${t.address}`;
              seen.set(k, (seen.get(k) ?? 0) + 1);
            }
          }
          expect(seen.size).toBe(all.length);
          for (const c of seen.values()) expect(c).toBe(1);
        },
      ),
    );
  });

  it('is deterministic and spreads targets over the shards', () => {
    const t = { zone: 'com.', address: '192.0.2.7', nameServers: [] };
    expect(inShard(t, { index: 1, count: 3 }) || inShard(t, { index: 2, count: 3 }) || inShard(t, { index: 3, count: 3 })).toBe(true);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const x = { zone: `z${i}.`, address: '192.0.2.1', nameServers: [] };
      for (let s = 1; s <= 3; s++) if (inShard(x, { index: s, count: 3 })) counts[s - 1]!++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('applies exclusions and address families', () => {
    const all = [
      { zone: 'a.', address: '192.0.2.1', nameServers: [] },
      { zone: 'b.', address: '192.0.2.2', nameServers: [] },
      { zone: 'a.', address: '2001:db8::1', nameServers: [] },
    ];
    const ex = { zones: new Set(['b.']), addresses: new Set(['2001:db8::1']) };
    expect(selectTargets(all, { exclusions: ex, family: 'any' }).map((t) => t.address)).toEqual(['192.0.2.1']);
    expect(selectTargets(all, { exclusions: noExclusions, family: 'ipv6' }).map((t) => t.address)).toEqual(['2001:db8::1']);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('4/3')).toBeUndefined();
    expect(parseShard('0/3')).toBeUndefined();
    expect(parseShard('x')).toBeUndefined();
  });
});

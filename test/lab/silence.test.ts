import { describe, expect, it } from 'vitest';
import { createWorld, expectedTargets, servingPlan, worldDigest, type World } from '../../src/lab/world.js';

/** Per address (TLD targets only): its behaviours. */
function byAddress(w: World): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, b] of w.behaviours) {
    if (k.startsWith('. ')) continue;
    const a = k.slice(k.indexOf(' ') + 1);
    m.set(a, [...(m.get(a) ?? []), b]);
  }
  return m;
}

const SHAPE = { zones: 1500, addresses: 300, serversPerTld: { min: 6, max: 10 }, seed: 1 };

describe('lab worlds for the scan: silence and latency', () => {
  it('concentrates the silent targets, about 5 % of all, on addresses carrying 40 to 60 targets each', () => {
    const w = createWorld({ ...SHAPE, silentAddresses: {} });
    const all = [...byAddress(w).values()];
    const total = all.reduce((n, l) => n + l.length, 0);
    const silentTargets = all.flat().filter((b) => b === 'silent').length;
    expect(silentTargets / total).toBeGreaterThan(0.04);
    expect(silentTargets / total).toBeLessThan(0.06);
    const silentAddresses = all.filter((l) => l.includes('silent'));
    expect(silentAddresses.length).toBeGreaterThan(3);
    for (const l of silentAddresses) {
      // silence only on the silent addresses, and all of theirs
      expect(l.every((b) => b === 'silent')).toBe(true);
      expect(l.length).toBeGreaterThanOrEqual(40);
      expect(l.length).toBeLessThanOrEqual(60);
    }
    // the lab expects a timeout for each of them
    expect(
      expectedTargets(w)
        .filter((t) => t.behaviour === 'silent')
        .every((t) => t.expected === 'timeout'),
    ).toBe(true);
  });

  it('droppers drop every zone they do not allow and allow at least one; the rest of the world is unchanged', () => {
    const w = createWorld({ ...SHAPE, zones: 300, addresses: 60, droppers: 3 });
    const plain = createWorld({ ...SHAPE, zones: 300, addresses: 60 });
    const changed = new Set<string>();
    for (const [k, b] of plain.behaviours) if (w.behaviours.get(k) !== b) changed.add(k.slice(k.indexOf(' ') + 1));
    expect(changed.size).toBe(3);
    const by = byAddress(w);
    for (const a of changed) {
      const l = by.get(a)!;
      expect(l.some((b) => b === 'refused' || b === 'notauth' || b === 'reset' || b === 'close')).toBe(false);
      expect(l.filter((b) => b === 'silent').length).toBeGreaterThan(0);
      expect(l.some((b) => b !== 'silent')).toBe(true);
    }
  });

  it('gives every address its own latency in the range, deterministic from the seed, and serves it', () => {
    const w = createWorld({ zones: 40, seed: 3, latency: { min: 20, max: 300 } });
    const ms = w.addresses.map((a) => w.latency!.get(a.address)!);
    expect(ms.every((x) => x >= 20 && x <= 300)).toBe(true);
    expect(new Set(ms).size).toBeGreaterThan(5);
    expect(servingPlan(w).every((c) => c.latencyMs === w.latency!.get(c.address))).toBe(true);
    const again = createWorld({ zones: 40, seed: 3, latency: { min: 20, max: 300 } });
    expect([...again.latency!]).toEqual([...w.latency!]);
    // latency changes no behaviour
    expect(worldDigest(again)).toBe(worldDigest(createWorld({ zones: 40, seed: 3 })));
  });
});

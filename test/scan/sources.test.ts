import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/axfr/limits.js';
import { emptyExclusions } from '../../src/scan/config.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { isParkedAddress } from '../../src/lab/below.js';
import type { Report } from '../../src/scan/results.js';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import { DEFAULT_BUDGETS, type Budgets } from '../../src/scan/sources/budget.js';
import { parseSuffixList } from '../../src/scan/sources/psl.js';
import { normalizeAddress } from '../../src/scan/targets.js';
import { labScanOptions, resultsDirs } from '../support/scan.js';

const LIMITS = { ...DEFAULT_LIMITS, connectTimeoutMs: 2000, idleTimeoutMs: 1500, deadlineMs: 6000 };
const out = resultsDirs();

function options(lab: Lab, extra: Partial<ScanOptions> = {}, budgets: Partial<Budgets> = {}): ScanOptions {
  return labScanOptions(lab, out(), {
    limits: LIMITS,
    sources: { suffixes: parseSuffixList(lab.world.suffixList!).suffixes, leakedMaxDelegations: 100, budgets: { ...DEFAULT_BUDGETS, ...budgets } },
    ...extra,
  });
}

const key = (zone: string, address: string) => `${zone} ${normalizeAddress(address)}`;
const designed = (lab: Lab) => [...lab.world.tlds.values()].filter((z) => z.designed);

describe('the sources below the TLDs, against the lab', () => {
  let lab: Lab;
  let report: Report;

  beforeAll(async () => {
    lab = await startLab({ zones: 60, seed: 5, port: 0, below: true, clientLimits: { idleTimeoutMs: LIMITS.idleTimeoutMs, deadlineMs: LIMITS.deadlineMs } });
    report = await scan(options(lab));
  }, 300_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('finds every zone that allows transfer, of every source, and reports the outcome the lab says', () => {
    const byKey = new Map(report.targets.map((t) => [key(t.zone, t.address), t]));
    const wrong: string[] = [];
    for (const e of lab.expected) {
      const t = byKey.get(key(e.zone, e.address));
      if (!t) wrong.push(`${e.zone} ${e.address} missing`);
      else if (t.outcome !== e.expected) wrong.push(`${e.zone} ${e.address} (${e.behaviour}): ${t.outcome}, expected ${e.expected}`);
    }
    expect(wrong).toEqual([]);
    const transferable = new Set(lab.expected.filter((e) => e.expected === 'transferred').map((e) => e.zone));
    const transferred = new Set(report.targets.filter((t) => t.outcome === 'transferred').map((t) => t.zone));
    for (const z of transferable) expect(transferred, z).toContain(z);
    // Each source gave transferable zones.
    const sourceOf = new Map(report.targets.map((t) => [t.zone, t.source]));
    const bySource = new Map<string, string[]>();
    for (const z of transferred) bySource.set(sourceOf.get(z)!, [...(bySource.get(sourceOf.get(z)!) ?? []), z]);
    for (const s of ['root', 'arpa', 'psl', 'leaked']) expect(bySource.get(s)?.length ?? 0, s).toBeGreaterThan(0);
  });

  it("names each designed zone by its source: arpa tree, suffixes, a leaked TLD's children", () => {
    const sourceOf = new Map(report.targets.map((t) => [t.zone, t.source]));
    for (const z of designed(lab)) {
      const want = z.name.endsWith('.arpa.')
        ? 'arpa'
        : !z.parent
          ? 'root'
          : z.parent && lab.world.tlds.get(z.parent)?.designed && !z.parent.endsWith('arpa.')
            ? 'leaked'
            : 'psl';
      expect(sourceOf.get(z.name), z.name).toBe(want);
    }
    expect(sourceOf.get('arpa.')).toBe('arpa');
    expect(sourceOf.get('.')).toBe('root');
  });

  it("finds in-addr.arpa.'s children by NS questions and ip6.arpa.'s from its transfer", () => {
    const parents = (report.discovery.sources as { arpa: { parents: Record<string, { via: string; children: number }> } }).arpa.parents;
    expect(parents['in-addr.arpa.']!.via).toBe('ns-queries');
    expect(parents['in-addr.arpa.']!.children).toBe(4);
    expect(parents['ip6.arpa.']!.via).toMatch(/^transfer from /);
    expect(parents['ip6.arpa.']!.children).toBe(3);
  });

  it('takes a suffix only where it is a zone cut', () => {
    const zones = new Set(report.targets.map((t) => t.zone));
    const list = parseSuffixList(lab.world.suffixList!);
    expect(list.wildcards).toBe(1);
    expect(list.exceptions).toBe(1);
    const cuts = new Set(designed(lab).map((z) => z.name));
    for (const s of list.suffixes) expect(zones.has(s), s).toBe(cuts.has(s));
    expect(list.suffixes.some((s) => !cuts.has(s))).toBe(true);
    expect(list.suffixes.some((s) => s.startsWith('private.'))).toBe(false);
  });

  it("contacts nothing outside the sources: every address asked or transferred from is the world's", () => {
    const world = new Set(lab.world.addresses.map((a) => normalizeAddress(a.address)));
    const touched = new Set([...report.targets.map((t) => normalizeAddress(t.address)), ...(report.discovery.addressesAsked as string[])]);
    expect(touched.size).toBeGreaterThan(50);
    const outside = [...touched].filter((a) => !world.has(a) && !isParkedAddress(a));
    expect(outside).toEqual([]);
    // Targets the lab does not list are the leaked zones' own delegations, on parked addresses.
    const expected = new Set(lab.expected.map((e) => key(e.zone, e.address)));
    const extra = report.targets.filter((t) => !expected.has(key(t.zone, t.address)));
    for (const t of extra) expect(isParkedAddress(t.address), `${t.zone} ${t.address}`).toBe(true);
  });

  it('the report says what each source gave', () => {
    const s = report.sources as { run: { targets: number }; sources: Record<string, { zones: number; targets: number; cutZones: number }> };
    expect(s.run.targets).toBe(report.targets.length);
    for (const name of ['root', 'arpa', 'psl', 'leaked']) expect(s.sources[name]!.zones, name).toBeGreaterThan(0);
    const total = Object.values(s.sources).reduce((n, x) => n + x.targets, 0);
    expect(total).toBe(report.targets.length);
    for (const x of Object.values(s.sources)) expect(x.cutZones).toBe(0);
  });

  it('a budget cuts whole zones, says which, and 0 turns a source off', async () => {
    const r = await scan(options(lab, {}, { psl: 10, leaked: 0, arpa: 0 }));
    const s = r.sources as { sources: Record<string, { zones: number; targets: number; cutZones: number; cut: string[] }> };
    const psl = s.sources.psl!;
    expect(psl.targets).toBeLessThanOrEqual(10);
    expect(psl.cutZones).toBeGreaterThan(0);
    const zones = new Set(r.targets.map((t) => t.zone));
    for (const z of psl.cut) expect(zones.has(z), z).toBe(false);
    expect(r.targets.filter((t) => t.source === 'psl').length).toBe(psl.targets);
    expect(r.targets.some((t) => t.source === 'leaked' || t.source === 'arpa')).toBe(false);
    expect(s.sources.arpa).toBeUndefined();
  }, 120_000);

  it('the exclusion list applies to every source', async () => {
    const ex = emptyExclusions();
    const gov = designed(lab).find((z) => z.name.startsWith('gov.'))!.name;
    const star = designed(lab).find((z) => z.name.startsWith('star.'))!.name;
    ex.zones.add(gov);
    ex.zones.add('193.in-addr.arpa.');
    // A TLD excluded: no question about the suffixes below it either.
    const com = designed(lab).find((z) => z.name.startsWith('com.'))!;
    ex.zones.add(com.parent!);
    ex.addresses.add('127.1.4.3');
    ex.addresses.add('127.1.2.1');
    const r = await scan(options(lab, { exclusions: ex }));
    const zones = new Set(r.targets.map((t) => t.zone));
    expect(zones.has(gov)).toBe(false);
    expect(zones.has('193.in-addr.arpa.')).toBe(false);
    expect(zones.has(star)).toBe(true);
    expect(zones.has(com.name)).toBe(false);
    expect(zones.has(com.parent!)).toBe(false);
    expect((r.discovery.sources as { psl: { excluded: number } }).psl.excluded).toBe(3);
    const touched = [...r.targets.map((t) => t.address), ...(r.discovery.addressesAsked as string[])];
    expect(touched).not.toContain('127.1.4.3');
    expect(touched).not.toContain('127.1.2.1');
  }, 120_000);

  it("shards 1..3 cover every target of the sources; a leaked zone's children go with the shard that saw the leak", async () => {
    const seen = new Map<string, number>();
    for (let i = 1; i <= 3; i++) {
      const r = await scan(options(lab, { shard: { index: i, count: 3 } }));
      for (const t of r.targets) seen.set(key(t.zone, t.address), (seen.get(key(t.zone, t.address)) ?? 0) + 1);
    }
    for (const t of report.targets) {
      const n = seen.get(key(t.zone, t.address)) ?? 0;
      if (t.source === 'leaked') expect(n, `${t.zone} ${t.address}`).toBeGreaterThanOrEqual(1);
      else expect(n, `${t.zone} ${t.address}`).toBe(1);
    }
    expect([...seen.keys()].sort()).toEqual(report.targets.map((t) => key(t.zone, t.address)).sort());
  }, 300_000);
});

describe('ip6.arpa. that refuses transfer', () => {
  it('is walked nibble by nibble under 2000::/3, finding the registry zones at any depth', async () => {
    const lab = await startLab({
      zones: 10,
      seed: 3,
      port: 0,
      below: { ip6Allows: false },
      clientLimits: { idleTimeoutMs: LIMITS.idleTimeoutMs, deadlineMs: LIMITS.deadlineMs },
    });
    try {
      const r = await scan(options(lab, {}, { psl: 0, leaked: 0 }));
      const parents = (r.discovery.sources as { arpa: { parents: Record<string, { via: string; children: number }> } }).arpa.parents;
      expect(parents['ip6.arpa.']).toEqual({ via: 'ns-queries', children: 3 });
      const zones = new Set(r.targets.map((t) => t.zone));
      for (const z of ['0.a.2.ip6.arpa.', '0.4.2.ip6.arpa.', '2.0.0.2.ip6.arpa.']) expect(zones.has(z), z).toBe(true);
      expect(r.targets.filter((t) => t.zone === '2.0.0.2.ip6.arpa.').some((t) => t.outcome === 'transferred')).toBe(true);
    } finally {
      await lab.stop();
    }
  }, 120_000);
});

describe('isExcludedOrBelow', () => {
  it('holds for an excluded zone and every name below it, not above or beside', async () => {
    const { isExcludedOrBelow } = await import('../../src/scan/sources/source.js');
    const ex = emptyExclusions();
    ex.zones.add('uk.');
    expect(isExcludedOrBelow(ex, 'uk.')).toBe(true);
    expect(isExcludedOrBelow(ex, 'co.uk.')).toBe(true);
    expect(isExcludedOrBelow(ex, 'pvt.k12.uk.')).toBe(true);
    expect(isExcludedOrBelow(ex, 'kuk.')).toBe(false);
    expect(isExcludedOrBelow(ex, 'uk.com.')).toBe(false);
    expect(isExcludedOrBelow(ex, '.')).toBe(false);
  });
});

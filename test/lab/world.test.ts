import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { newestRootZoneFile } from '../support/corpus.js';
import type { WireRecord } from '../../src/dns/message.js';
import { parseZoneText } from '../../src/lab/masterfile.js';
import { isInZone, lowerName, nameToText, textToName } from '../../src/dns/name.js';
import { TYPE } from '../../src/dns/types.js';
import { AXFR_BEHAVIOURS, isLoopback } from '../../src/lab/authserver.js';
import { Rng, hash32, scatter32, syllableLabel } from '../../src/lab/rng.js';
import {
  INFRA_ZONE,
  apportion,
  createWorld,
  expectedRecordCount,
  expectedTargets,
  mutate,
  rootRecords,
  serialAt,
  servingPlan,
  worldDigest,
  zoneAddresses,
  zoneRecords,
  type World,
} from '../../src/lab/world.js';

const key = (r: WireRecord) => `${nameToText(lowerName(r.owner))} ${r.type} ${r.rdata.toString('hex')}`;
const serialOf = (soa: WireRecord) => soa.rdata.readUInt32BE(soa.rdata.length - 20);

describe('rng', () => {
  it('is deterministic, and differs by seed', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xs);
    expect(hash32('a', 'bc')).not.toBe(hash32('ab', 'c'));
    expect(hash32('x', 1)).toBe(hash32('x', 1));
  });

  it('gives unique pronounceable labels and a bijective scatter', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const l = syllableLabel(scatter32(i, 99), 2);
      expect(l).toMatch(/^([bdfghjklmnprstvz][aeio])+$/);
      seen.add(l);
    }
    expect(seen.size).toBe(5000);
  });
});

describe('world', () => {
  const world = createWorld({ seed: 11, zones: 60 });

  it('has a root delegating every TLD, arpa. and lab-net. among them, and a few IDN TLDs', () => {
    expect(world.tlds.has('arpa.')).toBe(true);
    expect(world.tlds.has(INFRA_ZONE)).toBe(true);
    expect(world.tlds.size).toBe(62);
    expect([...world.tlds.keys()].filter((n) => n.startsWith('xn--')).length).toBeGreaterThanOrEqual(3);
    const root = rootRecords(world);
    expect(root[0]!.type).toBe(TYPE.SOA);
    const delegated = new Set(root.filter((r) => r.type === TYPE.NS && r.owner.length > 1).map((r) => nameToText(r.owner)));
    expect([...delegated].sort()).toEqual([...world.tlds.keys()].sort());
    expect(root.filter((r) => r.type === TYPE.NS && r.owner.length === 1)).toHaveLength(13);
  });

  it('puts every server on loopback, away from 127.0.0.1 and 127.0.0.53, with a few targets on ::1', () => {
    const targets = expectedTargets(world);
    for (const t of targets) {
      expect(isLoopback(t.address)).toBe(true);
      expect(['127.0.0.1', '127.0.0.53']).not.toContain(t.address);
    }
    const six = targets.filter((t) => t.address === '::1');
    expect(six.length).toBeGreaterThan(0);
    expect(six.length).toBeLessThan(targets.length / 5);
    // One of them transfers, whatever the shares handed out (seed 11's did not by chance), and the mix stays exact.
    for (const w of [world, createWorld({ zones: 220, seed: 11 })]) {
      const all = expectedTargets(w);
      expect(all.some((t) => t.address === '::1' && t.expected === 'transferred')).toBe(true);
    }
    const mixed = createWorld({ zones: 220, seed: 11, mix: { refused: 90, allow: 10 } });
    const tldPairs = expectedTargets(mixed).filter((t) => t.zone !== '.' && t.behaviour !== 'closed');
    expect(tldPairs.filter((t) => t.behaviour === 'allow').length).toBe(apportion(tldPairs.length, mixed.mix).filter((b) => b === 'allow').length);
  });

  it('shares servers between TLDs, as registry back-ends do', () => {
    const zonesPer = new Map<string, Set<string>>();
    for (const t of expectedTargets(world)) {
      if (!zonesPer.has(t.address)) zonesPer.set(t.address, new Set());
      zonesPer.get(t.address)!.add(t.zone);
    }
    expect(Math.max(...[...zonesPer.values()].map((s) => s.size))).toBeGreaterThanOrEqual(10);
  });

  it('gives each TLD as many server addresses as asked, from other operators when its own has too few', () => {
    const big = createWorld({ zones: 300, addresses: 60, serversPerTld: { min: 6, max: 10 } });
    const counts = [...big.tlds.values()]
      .filter((z) => z.name !== 'arpa.' && z.name !== INFRA_ZONE)
      .map((z) => zoneAddresses(big, z.nsNames).filter((a) => a !== '::1').length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(6);
    expect(Math.max(...counts)).toBeLessThanOrEqual(10);
    // Six is more than many operators have: those TLDs took servers of another.
    const operators = (z: { nsNames: readonly string[] }) => new Set(z.nsNames.map((n) => /backend\d+|\.nic\.[^.]+\.$/.exec(n)?.[0]));
    expect([...big.tlds.values()].some((z) => operators(z).size > 1)).toBe(true);
    // The busiest address carries a small share of the targets, as in the real root zone.
    const load = new Map<string, number>();
    for (const t of expectedTargets(big)) load.set(t.address, (load.get(t.address) ?? 0) + 1);
    expect(Math.max(...load.values()) / expectedTargets(big).length).toBeLessThan(0.05);
    expect(() => createWorld({ zones: 3, serversPerTld: { min: 4, max: 2 } })).toThrow(/serversPerTld/);
  });

  it('names some servers without glue in the root; lab-net. holds their addresses', () => {
    const glueless = [...world.hosts.values()].filter((h) => !h.glue);
    expect(glueless.length).toBeGreaterThan(0);
    const usedGlueless = [...world.tlds.values()].filter((z) => z.nsNames.some((n) => !world.hosts.get(n)!.glue));
    expect(usedGlueless.length).toBeGreaterThan(0);
    const rootOwners = new Set(
      rootRecords(world)
        .filter((r) => r.type === TYPE.A || r.type === TYPE.AAAA)
        .map((r) => nameToText(r.owner)),
    );
    const infra = [...zoneRecords(world, INFRA_ZONE)];
    for (const h of glueless) {
      expect(rootOwners.has(h.name)).toBe(false);
      const a = infra.filter((r) => r.type === TYPE.A && nameToText(r.owner) === h.name).map((r) => Array.from(r.rdata).join('.'));
      expect(a).toEqual(h.v4);
    }
    // Glued servers of a TLD: in the root, and in the TLD's own zone.
    const glued = [...world.hosts.values()].find((h) => h.glue && !h.name.endsWith('.lab-net.'))!;
    expect(rootOwners.has(glued.name)).toBe(true);
  });

  it('generates exactly the records it promises, in-zone, without duplicates, for every variant', () => {
    for (const zone of [...world.tlds.keys()].slice(0, 25)) {
      for (const variant of ['base', 'older', 'different'] as const) {
        const recs = [...zoneRecords(world, zone, variant)];
        expect(recs.length).toBe(expectedRecordCount(world, zone, variant));
        expect(recs[0]!.type).toBe(TYPE.SOA);
        expect(recs.filter((r) => r.type === TYPE.SOA)).toHaveLength(1);
        expect(new Set(recs.map(key)).size).toBe(recs.length);
        const apex = textToName(zone);
        for (const r of recs) expect(isInZone(r.owner, apex)).toBe(true);
      }
    }
  });

  it('has TLD zones with SOA, apex NS, DNSKEY, TXT, and delegations with NS, DS and glue', () => {
    const big = [...world.tlds.values()].find((z) => z.size > 1000 && z.dnssec)!;
    const recs = [...zoneRecords(world, big.name)];
    const types = new Set(recs.map((r) => r.type));
    for (const t of [TYPE.SOA, TYPE.NS, TYPE.DNSKEY, TYPE.TXT, TYPE.DS, TYPE.A, TYPE.AAAA]) expect(types.has(t)).toBe(true);
    const cuts = new Set(recs.filter((r) => r.type === TYPE.NS && nameToText(r.owner) !== big.name).map((r) => nameToText(r.owner)));
    expect(cuts.size).toBeGreaterThan(100);
  });

  it('serves the older and differing variants as promised', () => {
    const z = [...world.tlds.values()].find((s) => s.size > 500)!;
    const base = [...zoneRecords(world, z.name, 'base')];
    const older = [...zoneRecords(world, z.name, 'older')];
    const diff = [...zoneRecords(world, z.name, 'different')];
    expect(serialOf(base[0]!)).toBe(serialAt(z, 0));
    expect(serialOf(older[0]!)).toBe(serialAt(z, -1));
    expect(serialOf(diff[0]!)).toBe(serialOf(base[0]!));
    const b = new Set(base.map(key));
    expect(older.filter((r) => !b.has(key(r))).length).toBeGreaterThan(1);
    expect(diff.filter((r) => !b.has(key(r))).length).toBe(2);
  });

  it('knows the outcome of every target, and serves each (zone, address) once', () => {
    const targets = expectedTargets(world);
    const kinds = new Set(targets.map((t) => t.expected));
    expect(kinds.has('transferred')).toBe(true);
    expect(kinds.has('refused')).toBe(true);
    for (const t of targets.filter((x) => x.expected === 'transferred')) {
      expect(t.serial).toBeTypeOf('number');
      expect(t.records).toBeGreaterThan(0);
    }
    const plan = servingPlan(world);
    for (const a of plan) {
      const names = a.zones.map((z) => nameToText(z.content.apex));
      expect(new Set(names).size).toBe(names.length);
    }
    expect(plan.filter((a) => a.tcpClosed).length).toBe(world.addresses.filter((a) => a.closed).length);
  });

  it('lets most root servers refuse "." and at least one allow it', () => {
    const root = expectedTargets(world).filter((t) => t.zone === '.');
    expect(root).toHaveLength(13);
    expect(root.filter((t) => t.expected === 'transferred')).toHaveLength(2);
    expect(root.filter((t) => t.expected === 'refused')).toHaveLength(11);
    const one = createWorld({ seed: 11, zones: 5, rootAllow: 1, rootServers: 4 });
    expect(
      expectedTargets(one)
        .filter((t) => t.zone === '.')
        .map((t) => t.behaviour)
        .sort(),
    ).toEqual(['allow', 'refused', 'refused', 'refused']);
    const exact = createWorld({ seed: 11, zones: 5, rootServers: 3, rootBehaviours: ['silent', 'notauth', 'allow'] });
    expect(
      expectedTargets(exact)
        .filter((t) => t.zone === '.')
        .map((t) => t.expected),
    ).toEqual(['timeout', 'notauth', 'transferred']);
  });
});

describe('behaviour mix', () => {
  it('shares behaviours out exactly', () => {
    const list = apportion(10, { ...zeroMix(), allow: 1, refused: 1, silent: 2 });
    expect(count(list)).toEqual({ allow: 3, refused: 2, silent: 5 });
    expect(apportion(7, { ...zeroMix(), allow: 1 })).toEqual(Array(7).fill('allow'));
  });

  it('gives a world the exact mix asked for, and closed addresses', () => {
    const w = createWorld({ seed: 3, zones: 40, mix: { allow: 1, refused: 1 }, closedAddresses: 2 });
    const tld = expectedTargets(w).filter((t) => t.zone !== '.');
    const closed = new Set(w.addresses.filter((a) => a.closed).map((a) => a.address));
    expect(closed.size).toBe(2);
    const pairs = new Map<string, string>();
    for (const t of tld) pairs.set(`${t.zone} ${t.address}`, t.behaviour);
    const open = [...pairs].filter(([k]) => !closed.has(k.split(' ')[1]!));
    const c = count(open.map(([, b]) => b));
    expect(Math.abs((c.allow ?? 0) - (c.refused ?? 0))).toBeLessThanOrEqual(1);
    for (const t of tld.filter((x) => closed.has(x.address))) expect(t).toMatchObject({ behaviour: 'closed', expected: 'connection-refused' });
  });

  it('maps every behaviour to its outcome', () => {
    const w = createWorld({ seed: 5, zones: 30, mix: Object.fromEntries(AXFR_BEHAVIOURS.map((b) => [b, 1])), closedAddresses: 1 });
    const byBehaviour = new Map(expectedTargets(w, { idleTimeoutMs: 500, deadlineMs: 2000 }).map((t) => [t.behaviour, t]));
    const want: Record<string, string> = {
      allow: 'transferred',
      refused: 'refused',
      notauth: 'notauth',
      silent: 'timeout',
      close: 'truncated',
      reset: 'reset',
      'older-serial': 'transferred',
      'different-content': 'transferred',
      'one-per-message': 'transferred',
      'one-message': 'transferred',
      'out-of-zone': 'transferred',
      drip: 'timeout',
      closed: 'connection-refused',
    };
    for (const [b, kind] of Object.entries(want)) expect({ b, kind: byBehaviour.get(b as never)?.expected }).toEqual({ b, kind });
    expect(byBehaviour.get('out-of-zone')!.outOfZone).toBe(3);
  });

  it('decides drip by the client limits', () => {
    const w = createWorld({ seed: 5, zones: 10, mix: { drip: 1 }, drip: { intervalMs: 100, steps: 10 } });
    const kinds = (idle: number, deadline: number) =>
      new Set(
        expectedTargets(w, { idleTimeoutMs: idle, deadlineMs: deadline })
          .filter((t) => t.zone !== '.' && t.behaviour !== 'closed')
          .map((t) => t.expected),
      );
    expect(kinds(500, 5000)).toEqual(new Set(['transferred']));
    expect(kinds(500, 800)).toEqual(new Set(['timeout']));
    expect(kinds(50, 5000)).toEqual(new Set(['timeout']));
  });
});

describe('determinism', () => {
  it('gives the same world for the same seed, another for another seed', () => {
    const a = createWorld({ seed: 42, zones: 80 });
    const b = createWorld({ seed: 42, zones: 80 });
    const c = createWorld({ seed: 43, zones: 80 });
    expect(worldDigest(a)).toBe(worldDigest(b));
    expect(worldDigest(a)).not.toBe(worldDigest(c));
    expect(expectedTargets(a)).toEqual(expectedTargets(b));
    const z = [...a.tlds.keys()][5]!;
    expect([...zoneRecords(a, z)].map(key)).toEqual([...zoneRecords(b, z)].map(key));
    expect(servingPlan(a).map((p) => [p.address, p.zones.map((s) => `${s.content.key} ${s.axfr}`)])).toEqual(
      servingPlan(b).map((p) => [p.address, p.zones.map((s) => `${s.content.key} ${s.axfr}`)]),
    );
  });

  it('numbers TLDs when asked', () => {
    const w = createWorld({ seed: 1, zones: 12, names: 'numbered' });
    expect([...w.tlds.keys()].filter((n) => n.startsWith('tld'))).toHaveLength(12);
    expect(w.tlds.has('tld0001.')).toBe(true);
  });

  it('makes zones of the sizes asked, a million records included, lazily', () => {
    const t0 = Date.now();
    const w = createWorld({ seed: 1, zones: 3, sizes: (_z, i) => (i === 0 ? 1_000_000 : 40) });
    const big = [...w.tlds.values()].find((z) => z.index === 0)!;
    expect(expectedRecordCount(w, big.name)).toBe(1_000_000);
    expect(Date.now() - t0).toBeLessThan(500);
    let n = 0;
    for (const r of zoneRecords(w, big.name)) {
      n++;
      if (n === 1) expect(r.type).toBe(TYPE.SOA);
    }
    expect(n).toBe(1_000_000);
  });
});

describe('mutate', () => {
  const before = createWorld({ seed: 9, zones: 50 });
  const after = mutate(before, 1);

  it('is deterministic', () => {
    expect(worldDigest(mutate(before, 1))).toBe(worldDigest(after));
    expect(worldDigest(mutate(before, 2))).not.toBe(worldDigest(after));
    expect(after.epoch).toBe(1);
  });

  it('bumps the root serial and some TLD serials, and delegations come and go', () => {
    expect(after.root.serial).toBe(before.root.serial + 1);
    const changed = [...after.tlds.values()].filter((z) => before.tlds.has(z.name) && z.generation !== before.tlds.get(z.name)!.generation);
    expect(changed.length).toBeGreaterThan(0);
    const z = changed.find((s) => s.size > 300) ?? changed[0]!;
    const oldRecs = [...zoneRecords(before, z.name)];
    const newRecs = [...zoneRecords(after, z.name)];
    expect(serialOf(newRecs[0]!)).toBe(serialAt(z, z.generation));
    const o = new Set(oldRecs.map(key));
    const nw = new Set(newRecs.map(key));
    expect(newRecs.some((r) => !o.has(key(r)))).toBe(true);
    expect(oldRecs.some((r) => !nw.has(key(r)))).toBe(true);
  });

  it('wraps serials around 2^32 (RFC 1982)', () => {
    expect(serialAt({ serial0: 0xfffffffe, serialStep: 3 }, 1)).toBe(1);
    expect(serialAt({ serial0: 5, serialStep: 3 }, -2)).toBe(0xffffffff);
  });

  it('removes one TLD from the root and adds another', () => {
    const gone = [...before.tlds.keys()].filter((n) => !after.tlds.has(n));
    const added = [...after.tlds.keys()].filter((n) => !before.tlds.has(n));
    expect(gone).toHaveLength(1);
    expect(added).toHaveLength(1);
    const rootNs = (w: World) =>
      new Set(
        rootRecords(w)
          .filter((r) => r.type === TYPE.NS)
          .map((r) => nameToText(r.owner)),
      );
    expect(rootNs(after).has(gone[0]!)).toBe(false);
    expect(rootNs(after).has(added[0]!)).toBe(true);
    const newTargets = expectedTargets(after).filter((t) => t.zone === added[0]);
    expect(newTargets.length).toBeGreaterThan(0);
    expect(zoneAddresses(after, after.tlds.get(added[0]!)!.nsNames).every((a) => before.addresses.some((x) => x.address === a))).toBe(true);
  });

  it('makes one server stop allowing transfer and another start', () => {
    const b = before.behaviours;
    const a = after.behaviours;
    const flips = [...a].filter(([k, v]) => b.has(k) && b.get(k) !== v);
    expect(flips.map(([k, v]) => `${b.get(k)}→${v}`).sort()).toEqual(['allow→refused', 'refused→allow']);
  });
});

describe('a real root zone', () => {
  let text: string;
  let world: World;

  beforeAll(async () => {
    text = await readFile(await newestRootZoneFile(), 'latin1');
    world = createWorld({ seed: 1, rootZoneText: text });
  }, 60_000);

  it('keeps the TLDs, their NS names and DS records', () => {
    const parsed = parseZoneText(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const real = parsed.records.filter((r) => r.type === TYPE.NS && r.owner.length > 1);
    const tlds = new Set(real.map((r) => nameToText(lowerName(r.owner))));
    expect(world.tlds.size).toBe(tlds.size);
    expect(world.tlds.get('fr.')!.nsNames.sort()).toEqual(
      real
        .filter((r) => nameToText(lowerName(r.owner)) === 'fr.')
        .map((r) => nameToText(r.rdata))
        .sort(),
    );
    const realDs = parsed.records
      .filter((r) => r.type === TYPE.DS && nameToText(lowerName(r.owner)) === 'fr.')
      .map((r) => r.rdata.toString('hex'))
      .sort();
    const labDs = rootRecords(world)
      .filter((r) => r.type === TYPE.DS && nameToText(r.owner) === 'fr.')
      .map((r) => r.rdata.toString('hex'))
      .sort();
    expect(labDs).toEqual(realDs);
    expect(serialOf(rootRecords(world)[0]!)).toBe(serialOf(parsed.records[0]!));
  });

  it('maps every address to loopback, keeping which TLDs share servers', () => {
    for (const t of expectedTargets(world)) expect(isLoopback(t.address)).toBe(true);
    // Two TLDs served by the same real name server get the same loopback address.
    const byNs = new Map<string, string[]>();
    for (const z of world.tlds.values()) for (const n of z.nsNames) byNs.set(n, [...(byNs.get(n) ?? []), z.name]);
    const shared = [...byNs].find(([, zs]) => zs.length > 10)!;
    const addrs = new Set(
      expectedTargets(world)
        .filter((t) => t.nsName === shared[0])
        .map((t) => t.address),
    );
    expect(addrs.size).toBe(world.hosts.get(shared[0])!.v4.length + world.hosts.get(shared[0])!.v6.length);
    expect(createWorld({ seed: 1, rootZoneText: text }).hosts.get(shared[0])).toEqual(world.hosts.get(shared[0]));
  });
});

function zeroMix() {
  return Object.fromEntries(AXFR_BEHAVIOURS.map((b) => [b, 0])) as Record<(typeof AXFR_BEHAVIOURS)[number], number>;
}

function count(list: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[x] = (out[x] ?? 0) + 1;
  return out;
}

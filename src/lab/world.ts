/**
 * A generated internet for the lab (docs/architecture.md §10), deterministic from a seed.
 *
 * A root zone "." delegates TLDs to name servers whose addresses lie on loopback.
 * Like the real registry back-ends, a few operators serve hundreds of TLDs from
 * the same addresses: most TLDs name their servers inside their own zone
 * (`a.nic.kolaru.`, glue in the root), some use the operator's shared names in the
 * infrastructure TLD `lab-net.` (`a.nic.backend7.lab-net.`, no glue in the root: a
 * scanner resolves them through the root → lab-net. referral). `arpa.` is served
 * by the root servers, as in the real world.
 *
 * Every (zone, address) has an AXFR behaviour (src/lab/authserver.ts), and the world
 * says what zonelog's client must report for every (zone, NS name, address) target.
 * Zone content is a pure function of the zone's parameters, generated only when a
 * server needs it, so a world of thousands of zones costs little until it is used.
 */
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { WireRecord } from '../dns/message.js';
import { parseZoneText } from './masterfile.js';
import { ROOT, compareCanonical, labelCount, lowerName, nameToText, textToName } from '../dns/name.js';
import type { OutcomeKind } from '../axfr/outcome.js';
import { CLASS_IN, TYPE } from '../dns/types.js';
import {
  AXFR_BEHAVIOURS,
  DEFAULT_DRIP,
  DEFAULT_OUT_OF_ZONE_RECORDS,
  type AddressConfig,
  type AxfrBehaviour,
  type DripOptions,
  type ServedZone,
  type ZoneContent,
} from './authserver.js';
import { Rng, hash32, hashBytes, scatter32, syllableLabel } from './rng.js';
import { belowShape, designedBehaviours, type BelowOptions, type BelowShape } from './below.js';
import { shapeSilence, type SilenceOptions } from './silence.js';

/** A target's behaviour: an AXFR behaviour, or `closed` (nothing listens on TCP at the address). */
export type Behaviour = AxfrBehaviour | 'closed';

type Mix = Partial<Record<AxfrBehaviour, number>>;

/**
 * The default mix, in weights over (zone, address) pairs: most servers refuse, a
 * few percent transfer, some never answer, a few misbehave.
 */
const DEFAULT_MIX: Readonly<Record<AxfrBehaviour, number>> = {
  refused: 52,
  notauth: 22,
  allow: 5,
  silent: 5,
  reset: 2,
  close: 2,
  drip: 1.5,
  'older-serial': 2,
  'different-content': 1.5,
  'one-per-message': 1,
  'one-message': 1.5,
  'out-of-zone': 1.5,
};

type SizeOption = { min?: number; max?: number } | ((zone: string, index: number) => number);

export interface WorldOptions extends SilenceOptions {
  /** Default 1. */
  seed?: number;
  /** Generated TLDs, besides `arpa.` and `lab-net.` (default 50). Ignored with rootZoneText. */
  zones?: number;
  /** IPv4 addresses of TLD servers (default: one per 5 TLDs, at least 4). */
  addresses?: number;
  /**
   * Server addresses per TLD, drawn uniformly (default 2 to 6). A TLD takes them from
   * its operator first and from other operators when its operator has too few.
   */
  serversPerTld?: { min: number; max: number };
  /** Root server addresses (default 13, at most 26). */
  rootServers?: number;
  /** How many root addresses allow AXFR of "." (default 2); the others refuse. */
  rootAllow?: number;
  /** The exact behaviour of each root address, in order (overrides rootAllow). */
  rootBehaviours?: readonly AxfrBehaviour[];
  /** Weights of the behaviours of TLD (zone, address) pairs, shared out exactly (largest remainder). */
  mix?: Mix;
  /** TLD server addresses where nothing listens on TCP (default 2 % of them). */
  closedAddresses?: number;
  /** Records per TLD zone: a log-uniform range (default 20 to 5,000) or a function. */
  sizes?: SizeOption;
  /** Put a few targets on ::1 (default true). */
  ipv6?: boolean;
  /** TLD names: pronounceable (default) or `tld0001.` … */
  names?: 'pronounceable' | 'numbered';
  /** A real root zone (master file text): its TLDs, NS names and DS records are kept, addresses mapped to loopback. */
  rootZoneText?: string;
  /** The `drip` behaviour's pace. */
  drip?: Partial<DripOptions>;
  /** Records injected by `out-of-zone`. */
  outOfZoneRecords?: number;
  /** Zones below the TLDs in the shape zonelog's sources look for (src/lab/below.ts); generated worlds only. */
  below?: boolean | BelowOptions;
}

export interface HostSpec {
  /** Lowercase, absolute. */
  name: string;
  v4: string[];
  v6: string[];
  /** Its addresses are in the root zone as glue. */
  glue: boolean;
}

export interface ZoneSpec {
  /** Lowercase, absolute ("kolaru."). */
  name: string;
  /** Order of creation. */
  index: number;
  seed: number;
  /** Target number of records (the zone has at least its fixed part). */
  size: number;
  /** Advanced by mutate: the serial and the delegations change with it. */
  generation: number;
  serial0: number;
  serialStep: number;
  nsNames: string[];
  /** Signed: DS in the root, DNSKEY at the apex. */
  dnssec: boolean;
  /** DS RDATA from a real root zone; generated when absent. */
  ds?: Buffer[];
  /** The zone that delegates it, when that is not the root (src/lab/below.ts). */
  parent?: string;
  /** Its behaviours are set by design, not drawn from the mix, and time leaves them alone. */
  designed?: boolean;
}

interface RootSpec {
  serial: number;
  nsNames: string[];
  mname: string;
  rname: string;
}

type AddressRole = 'root' | 'infrastructure' | 'tld';

export interface AddressSpec {
  address: string;
  role: AddressRole;
  /** Nothing listens on TCP: connections are refused. */
  closed: boolean;
}

export interface World {
  readonly seed: number;
  /** Mutations applied since creation. */
  readonly epoch: number;
  readonly drip: DripOptions;
  readonly outOfZoneRecords: number;
  readonly mix: Readonly<Record<AxfrBehaviour, number>>;
  readonly root: RootSpec;
  /** TLDs in RFC 4034 §6.1 order. */
  readonly tlds: ReadonlyMap<string, ZoneSpec>;
  /** Every NS name of the root and of the TLDs. */
  readonly hosts: ReadonlyMap<string, HostSpec>;
  readonly addresses: readonly AddressSpec[];
  /** AXFR behaviour per `"zone address"`. */
  readonly behaviours: ReadonlyMap<string, AxfrBehaviour>;
  /** Names used so far (never reused, so a TLD that left does not come back as another). */
  readonly usedNames: ReadonlySet<string>;
  readonly nextIndex: number;
  readonly sizes: SizeOption;
  readonly real: boolean;
  /** The lab's public suffix list (the Public Suffix List's format), with `below`. */
  readonly suffixList?: string;
  /** Milliseconds every response from an address waits (src/lab/silence.ts); none when absent. */
  readonly latency?: ReadonlyMap<string, number>;
}

/** What zonelog's client must report for one (zone, NS name, address). */
export interface ExpectedTarget {
  zone: string;
  nsName: string;
  address: string;
  behaviour: Behaviour;
  expected: OutcomeKind;
  /** For `transferred`: the SOA serial, the records of the canonical text, out-of-zone records dropped. */
  serial?: number;
  records?: number;
  outOfZone?: number;
}

/** The client limits that decide whether `drip` and `silent` end in a timeout. */
export interface ClientLimits {
  idleTimeoutMs: number;
  deadlineMs: number;
}

/** zonelog's defaults (src/axfr/limits.ts DEFAULT_LIMITS). */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = { idleTimeoutMs: 10_000, deadlineMs: 30 * 60_000 };

export const INFRA_ZONE = 'lab-net.';
const RESERVED = new Set(['arpa', 'lab-net', 'invalid', 'test', 'localhost', 'example', 'local', 'onion', 'home', 'corp', 'internal']);
const IDN_WORDS = ['пример', 'テスト', 'δοκιμή', 'испытание', '测试', 'परीक्षा', 'مثال', '실험', 'உதாரணம்', 'ตัวอย่าง'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

// --- creation ----------------------------------------------------------------

export function createWorld(options: WorldOptions = {}): World {
  const seed = (options.seed ?? 1) >>> 0;
  const base = {
    seed,
    epoch: 0,
    drip: { ...DEFAULT_DRIP, ...options.drip },
    outOfZoneRecords: options.outOfZoneRecords ?? DEFAULT_OUT_OF_ZONE_RECORDS,
    mix: { ...zeroMix(), ...(options.mix ?? DEFAULT_MIX) },
    sizes: options.sizes ?? {},
  };
  const totalWeight = AXFR_BEHAVIOURS.reduce((s, b) => s + base.mix[b], 0);
  if (!(totalWeight > 0)) throw new Error('the behaviour mix needs at least one positive weight');
  let draft = options.rootZoneText !== undefined ? realDraft(options, seed, options.rootZoneText) : generatedDraft(options, seed);
  const shape =
    options.below && options.rootZoneText === undefined
      ? belowShape(seed, [...draft.tlds.values()], draft.usedNames, options.below === true ? {} : options.below, base.mix)
      : undefined;
  if (shape) draft = withBelow(draft, shape, seed);
  const world: World = {
    ...base,
    ...draft,
    behaviours: new Map(),
    nextIndex: draft.tlds.size,
    real: options.rootZoneText !== undefined,
    suffixList: shape?.suffixList,
  };
  let assigned = assignBehaviours(world, options, seed);
  if (shape) {
    const behaviours = new Map(assigned.behaviours);
    for (const z of shape.zones) {
      for (const [a, b] of designedBehaviours(z.behaviours, zoneAddresses(assigned, z.nsNames))) behaviours.set(`${z.name} ${a}`, b);
    }
    assigned = { ...assigned, behaviours };
  }
  if (!options.silentAddresses && !options.droppers && !options.latency) return assigned;
  const { behaviours, latency } = shapeSilence(assigned, options);
  return { ...assigned, behaviours, latency };
}

/** The draft with the zones, hosts and addresses of src/lab/below.ts added. */
function withBelow(draft: Draft, shape: BelowShape, seed: number): Draft {
  const rng = new Rng(hash32('below-zones', seed));
  const hosts = new Map(draft.hosts);
  for (const h of shape.hosts) hosts.set(h.name, h);
  const usedNames = new Set(draft.usedNames);
  const specs = [...draft.tlds.values()];
  for (const z of shape.zones) {
    const spec = newZoneSpec(rng, z.name, specs.length, z.nsNames, { min: z.size, max: z.size }, seed);
    specs.push({ ...spec, size: z.size, parent: z.parent === '.' ? undefined : z.parent, designed: true });
    if (z.parent === '.') usedNames.add(z.name.replace(/\.$/, ''));
  }
  return { ...draft, hosts, usedNames, addresses: [...draft.addresses, ...shape.addresses], tlds: sortZones(specs) };
}

/** Zones a zone delegates besides its generated ones (src/lab/below.ts), in canonical order. */
function childrenOf(world: World, zone: string): ZoneSpec[] {
  let m = childrenCache.get(world);
  if (!m) {
    m = new Map();
    for (const z of world.tlds.values()) if (z.parent) pushTo(m, z.parent, z);
    for (const z of world.tlds.values()) if (!z.parent && z.designed) pushTo(m, '.', z);
    childrenCache.set(world, m);
  }
  return m.get(zone) ?? [];
}

const childrenCache = new WeakMap<World, Map<string, ZoneSpec[]>>();

type Draft = Pick<World, 'root' | 'tlds' | 'hosts' | 'addresses' | 'usedNames'>;

/** Unique 127/8 addresses outside 127.0.x.x and 127.1.x.x (kept for the root and lab-net.). */
class AddressPool {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}
  next(): string {
    for (;;) {
      const a = `127.${this.rng.int(2, 254)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
      if (!this.used.has(a)) {
        this.used.add(a);
        return a;
      }
    }
  }
}

/**
 * The Zipf exponent of operator popularity. With 1,500 TLDs of 6 to 10 servers on 300
 * addresses it puts about 1.9 % of all targets on the busiest address, near the share
 * (238 of 13,839 targets, 1.7 %) of the busiest address in the real root zone of
 * February 2018 (test/fixtures/root-zone-2018.bundle).
 */
const POPULARITY = 0.5;

function generatedDraft(options: WorldOptions, seed: number): Draft {
  const rng = new Rng(hash32('world', seed));
  const nTlds = Math.max(0, options.zones ?? 50);
  const nAddr = Math.max(1, options.addresses ?? Math.max(4, Math.ceil(nTlds / 5)));
  const nRoot = Math.min(26, Math.max(1, options.rootServers ?? 13));
  const ipv6 = options.ipv6 ?? true;
  const perTld = options.serversPerTld ?? { min: 2, max: 6 };
  if (!(perTld.min >= 1 && perTld.max >= perTld.min)) throw new Error(`serversPerTld: ${perTld.min} to ${perTld.max} is not a range of at least 1`);
  const hosts = new Map<string, HostSpec>();
  const addresses: AddressSpec[] = [];

  // The root servers and the infrastructure zone's own servers.
  const rootNames: string[] = [];
  for (let i = 0; i < nRoot; i++) {
    const name = `${LETTERS[i]}.root-servers.lab-net.`;
    const address = `127.1.0.${i + 1}`;
    rootNames.push(name);
    hosts.set(name, { name, v4: [address], v6: [], glue: true });
    addresses.push({ address, role: 'root', closed: false });
  }
  const infraNames = ['ns1.lab-net.', 'ns2.lab-net.'];
  infraNames.forEach((name, i) => {
    const address = `127.1.1.${i + 1}`;
    hosts.set(name, { name, v4: [address], v6: [], glue: true });
    addresses.push({ address, role: 'infrastructure', closed: false });
  });

  // Back-end operators: groups of 1–6 addresses, each with shared names in lab-net.
  const pool = new AddressPool(rng);
  const backends: { addresses: string[]; shared: string[]; v6: boolean }[] = [];
  let left = nAddr;
  while (left > 0) {
    const n = Math.min(left, rng.pick([1, 2, 2, 3, 4, 4, 4, 5, 6]));
    const b = backends.length;
    const addrs = Array.from({ length: n }, () => pool.next());
    const shared = addrs.map((_, i) => `${LETTERS[i]}.nic.backend${b}.lab-net.`);
    backends.push({ addresses: addrs, shared, v6: false });
    for (const a of addrs) addresses.push({ address: a, role: 'tld', closed: false });
    left -= n;
  }
  // A small back-end also answers on ::1.
  if (ipv6 && backends.length > 0) backends[backends.length - 1]!.v6 = true;
  for (const be of backends) {
    be.shared.forEach((name, i) => hosts.set(name, { name, v4: [be.addresses[i]!], v6: be.v6 && i === 0 ? ['::1'] : [], glue: false }));
  }
  if (ipv6 && backends.length > 0) addresses.push({ address: '::1', role: 'tld', closed: false });
  // Popularity: a few operators carry many TLDs (Zipf-like), the last (IPv6) one only a few.
  const weights = backends.map((be, b) => (be.v6 && backends.length > 1 ? 0.15 : 1 / (b + 1) ** POPULARITY));

  const usedNames = new Set<string>();
  const tldNames = makeTldNames(rng, nTlds, options.names ?? 'pronounceable', usedNames);
  const specs: ZoneSpec[] = [];
  let index = 0;
  for (const name of tldNames) {
    const b = rng.weighted(weights);
    const be = backends[b]!;
    const wanted = rng.int(perTld.min, perTld.max);
    const n = Math.min(be.addresses.length, wanted);
    const start = rng.int(0, be.addresses.length - 1);
    const chosen = Array.from({ length: n }, (_, k) => (start + k) % be.addresses.length);
    const own = rng.chance(0.75);
    const nsNames: string[] = [];
    chosen.forEach((ai, k) => {
      if (own) {
        const host = `${LETTERS[k]}.nic.${name}`;
        hosts.set(host, { name: host, v4: [be.addresses[ai]!], v6: be.v6 && ai === 0 ? ['::1'] : [], glue: true });
        nsNames.push(host);
      } else nsNames.push(be.shared[ai]!);
    });
    // Servers of other operators (their names, glue-less, in lab-net.): when the operator has
    // fewer than wanted, and for some TLDs one more, as a secondary.
    const target = Math.min(perTld.max, wanted + (rng.chance(0.15) ? 1 : 0));
    for (let tries = 0; nsNames.length < target && backends.length > 1 && tries < 4 * target; tries++) {
      const other = backends[rng.weighted(weights)]!;
      if (other === be) continue;
      for (const extra of other.shared) if (nsNames.length < target && !nsNames.includes(extra)) nsNames.push(extra);
    }
    specs.push(newZoneSpec(rng, name, index++, nsNames, options.sizes, seed));
  }
  specs.push(newZoneSpec(rng, 'arpa.', index++, rootNames.slice(0, Math.min(nRoot, 11)), options.sizes ?? { min: 30, max: 60 }, seed));
  const infra = newZoneSpec(rng, INFRA_ZONE, index++, infraNames, options.sizes ?? { min: 20, max: 40 }, seed);
  specs.push(infra);

  const root: RootSpec = { serial: 2026112700, nsNames: rootNames, mname: rootNames[0]!, rname: 'nstld.lab-net.' };
  pickClosed(rng, addresses, options.closedAddresses);
  return { root, tlds: sortZones(specs), hosts, addresses, usedNames };
}

function makeTldNames(rng: Rng, n: number, style: 'pronounceable' | 'numbered', used: Set<string>): string[] {
  const out: string[] = [];
  const add = (label: string) => {
    if (RESERVED.has(label) || used.has(label)) return false;
    used.add(label);
    out.push(`${label}.`);
    return true;
  };
  if (style === 'numbered') {
    for (let i = 1; i <= n; i++) add(`tld${String(i).padStart(4, '0')}`);
    return out;
  }
  const idn = n >= 20 ? 3 : n >= 5 ? 1 : 0;
  const first = rng.int(0, IDN_WORDS.length - 1);
  for (let i = 0; i < idn; i++) add(domainToASCII(IDN_WORDS[(first + i) % IDN_WORDS.length]!));
  while (out.length < n) {
    if (rng.chance(0.2)) add(LETTERS[rng.int(0, 25)]! + LETTERS[rng.int(0, 25)]!);
    else add(syllableLabel(rng.int(64, 64 ** 4 - 1)));
  }
  return out.slice(0, n);
}

function newZoneSpec(rng: Rng, name: string, index: number, nsNames: string[], sizes: SizeOption | undefined, seed: number): ZoneSpec {
  const zseed = hash32('zone', seed, name);
  const size = drawSize(rng, sizes ?? {}, name, index);
  const r = rng.float();
  let serial0: number;
  let serialStep: number;
  if (r < 0.6) {
    // YYYYMMDDnn
    serial0 = (2024 + rng.int(0, 2)) * 1_000_000 + rng.int(1, 12) * 10_000 + rng.int(1, 28) * 100 + rng.int(0, 9);
    serialStep = 1;
  } else if (r < 0.85) {
    serial0 = 1_700_000_000 + rng.int(0, 60_000_000);
    serialStep = rng.pick([300, 900, 3600]);
  } else if (r < 0.97) {
    serial0 = rng.int(1, 500_000);
    serialStep = 1;
  } else {
    // Near the top of the serial space: a bump wraps around (RFC 1982).
    serial0 = 0xffffffff - rng.int(0, 3);
    serialStep = rng.int(1, 3);
  }
  return { name, index, seed: zseed, size, generation: 0, serial0, serialStep, nsNames, dnssec: rng.chance(0.85) };
}

function drawSize(rng: Rng, sizes: SizeOption, name: string, index: number): number {
  if (typeof sizes === 'function') return Math.max(0, Math.floor(sizes(name, index)));
  const min = Math.max(1, sizes.min ?? 20);
  const max = Math.max(min, sizes.max ?? 5000);
  const v = Math.exp(Math.log(min) + rng.float() * (Math.log(max) - Math.log(min)));
  rng.next();
  return Math.round(v);
}

function pickClosed(rng: Rng, addresses: AddressSpec[], count: number | undefined): void {
  const candidates = addresses.filter((a) => a.role === 'tld' && a.address !== '::1');
  const n = Math.min(candidates.length, count ?? Math.round(candidates.length * 0.02));
  for (const a of rng.shuffle([...candidates]).slice(0, n)) a.closed = true;
}

function sortZones(specs: ZoneSpec[]): Map<string, ZoneSpec> {
  const keyed = specs.map((s) => ({ s, w: textToName(s.name) }));
  keyed.sort((a, b) => compareCanonical(a.w, b.w));
  return new Map(keyed.map(({ s }) => [s.name, s]));
}

function zeroMix(): Record<AxfrBehaviour, number> {
  return Object.fromEntries(AXFR_BEHAVIOURS.map((b) => [b, 0])) as Record<AxfrBehaviour, number>;
}

// --- a real root zone ----------------------------------------------------------

function realDraft(options: WorldOptions, seed: number, text: string): Draft {
  const parsed = parseZoneText(text, { origin: ROOT, file: 'root zone' });
  if (!parsed.ok) throw new Error(`cannot read the root zone: ${parsed.error}`);
  const rng = new Rng(hash32('real-root', seed));
  let serial = 0;
  let mname = 'a.root-servers.net.';
  let rname = 'nstld.verisign-grs.com.';
  const rootNs: string[] = [];
  const tldNs = new Map<string, string[]>();
  const tldDs = new Map<string, Buffer[]>();
  const v4 = new Map<string, string[]>();
  const v6 = new Map<string, string[]>();
  for (const r of parsed.records) {
    if (r.class !== CLASS_IN) continue;
    const owner = nameToText(lowerName(r.owner));
    const depth = labelCount(r.owner);
    if (r.type === TYPE.SOA && depth === 0) {
      const m = r.rdata;
      serial = m.readUInt32BE(m.length - 20);
      mname = nameToText(lowerName(m));
      rname = nameToText(lowerName(m.subarray(nameLen(m))));
    } else if (r.type === TYPE.NS && depth === 0) push(rootNs, nameToText(lowerName(r.rdata)));
    else if (r.type === TYPE.NS && depth === 1) pushTo(tldNs, owner, nameToText(lowerName(r.rdata)));
    else if (r.type === TYPE.DS && depth === 1) pushTo(tldDs, owner, r.rdata);
    else if (r.type === TYPE.A) pushTo(v4, owner, Array.from(r.rdata).join('.'));
    else if (r.type === TYPE.AAAA) pushTo(v6, owner, r.rdata.toString('hex'));
  }
  if (rootNs.length === 0 || tldNs.size === 0) throw new Error('the root zone has no NS records');

  // Map every real IPv4 address to its own loopback address, in a seeded order; a
  // few IPv6 addresses become ::1.
  const pool = new AddressPool(rng);
  const real4 = [...new Set([...v4.values()].flat())].sort(compareIpv4);
  const map4 = new Map(real4.map((a) => [a, pool.next()] as const));
  const real6 = [...new Set([...v6.values()].flat())].sort();
  const ipv6 = options.ipv6 ?? true;
  const six = new Set(ipv6 ? real6.filter((a) => hash32('v6', seed, a) % 97 === 0) : []);
  const hosts = new Map<string, HostSpec>();
  const rootAddr = new Set<string>();
  const allNs = new Set<string>([...rootNs, ...[...tldNs.values()].flat()]);
  for (const name of [...allNs].sort()) {
    const glue4 = v4.get(name) ?? [];
    const glue6 = v6.get(name) ?? [];
    const glue = glue4.length > 0 || glue6.length > 0;
    let mapped = glue4.map((a) => map4.get(a)!);
    // A server without IPv4 glue gets an address of its own (it lives in its TLD's zone).
    if (mapped.length === 0) mapped = [pool.next()];
    const mapped6 = glue6.some((a) => six.has(a)) ? ['::1'] : [];
    hosts.set(name, { name, v4: mapped, v6: mapped6, glue });
  }
  for (const n of rootNs) for (const a of hosts.get(n)!.v4) rootAddr.add(a);
  const addrSet = new Set<string>();
  for (const h of hosts.values()) for (const a of [...h.v4, ...h.v6]) addrSet.add(a);
  const addresses: AddressSpec[] = [...addrSet].map((address) => ({ address, role: rootAddr.has(address) ? 'root' : 'tld', closed: false }));
  const usedNames = new Set<string>();
  const specs: ZoneSpec[] = [];
  let index = 0;
  for (const [name, ns] of tldNs) {
    usedNames.add(name.slice(0, -1));
    const spec = newZoneSpec(rng, name, index++, ns, options.sizes, seed);
    const ds = tldDs.get(name);
    spec.dnssec = ds !== undefined;
    if (ds) spec.ds = ds;
    specs.push(spec);
  }
  pickClosed(rng, addresses, options.closedAddresses);
  return { root: { serial, nsNames: rootNs, mname, rname }, tlds: sortZones(specs), hosts, addresses, usedNames };
}

function nameLen(b: Buffer): number {
  let p = 0;
  while (b[p] !== 0) p += 1 + b[p]!;
  return p + 1;
}

function push<T>(list: T[], v: T): void {
  if (!list.includes(v)) list.push(v);
}

function pushTo<T>(map: Map<string, T[]>, k: string, v: T): void {
  let l = map.get(k);
  if (!l) map.set(k, (l = []));
  if (!(Buffer.isBuffer(v) ? l.some((x) => Buffer.isBuffer(x) && x.equals(v)) : l.includes(v))) l.push(v);
}

function compareIpv4(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

// --- behaviours --------------------------------------------------------------

/** Distinct addresses of a zone's servers, in NS order (IPv4 before IPv6 per name). */
export function zoneAddresses(world: World, nsNames: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of nsNames) {
    const h = world.hosts.get(n);
    if (!h) continue;
    for (const a of [...h.v4, ...h.v6]) if (!out.includes(a)) out.push(a);
  }
  return out;
}

const closedCache = new WeakMap<readonly AddressSpec[], Set<string>>();

function closedSet(world: Pick<World, 'addresses'>): Set<string> {
  let set = closedCache.get(world.addresses);
  if (!set) closedCache.set(world.addresses, (set = new Set(world.addresses.filter((a) => a.closed).map((a) => a.address))));
  return set;
}

/** Shares `n` items out by weight exactly: floor of each quota, then the largest remainders. */
export function apportion(n: number, mix: Readonly<Record<AxfrBehaviour, number>>): AxfrBehaviour[] {
  const total = AXFR_BEHAVIOURS.reduce((s, b) => s + Math.max(0, mix[b]), 0);
  const quotas = AXFR_BEHAVIOURS.map((b) => (n * Math.max(0, mix[b])) / total);
  const counts = quotas.map(Math.floor);
  let left = n - counts.reduce((s, c) => s + c, 0);
  const order = quotas.map((q, i) => ({ i, r: q - Math.floor(q) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  const out: AxfrBehaviour[] = [];
  AXFR_BEHAVIOURS.forEach((b, i) => {
    for (let k = 0; k < counts[i]!; k++) out.push(b);
  });
  return out;
}

function assignBehaviours(world: World, options: WorldOptions, seed: number): World {
  const rng = new Rng(hash32('behaviours', seed));
  const behaviours = new Map<string, AxfrBehaviour>();
  const closed = closedSet(world);
  // The root: most refuse, a few allow (like ICANN's transfer servers).
  const rootAddrs = zoneAddresses(world, world.root.nsNames);
  let rootB: AxfrBehaviour[];
  if (options.rootBehaviours) rootB = rootAddrs.map((_, i) => options.rootBehaviours![i % options.rootBehaviours!.length]!);
  else {
    const allow = Math.min(rootAddrs.length, Math.max(0, options.rootAllow ?? Math.min(2, rootAddrs.length)));
    const order = rng.shuffle(rootAddrs.map((_, i) => i));
    rootB = rootAddrs.map(() => 'refused');
    for (const i of order.slice(0, allow)) rootB[i] = 'allow';
  }
  rootAddrs.forEach((a, i) => behaviours.set(`. ${a}`, rootB[i]!));
  // TLD pairs: shuffled, then the behaviours handed out in exact proportions.
  const pairs: string[] = [];
  for (const z of world.tlds.values()) if (!z.designed) for (const a of zoneAddresses(world, z.nsNames)) if (!closed.has(a)) pairs.push(`${z.name} ${a}`);
  rng.shuffle(pairs);
  const list = apportion(pairs.length, world.mix);
  // IPv6 is there to be transferred over: when the shares left every ::1 target without
  // `allow`, the first of them trades behaviours with the first IPv4 target that has it.
  const isV6 = (p: string) => p.endsWith(' ::1');
  const v6 = pairs.findIndex(isV6);
  if (v6 >= 0 && !pairs.some((p, i) => isV6(p) && list[i] === 'allow')) {
    const v4 = list.findIndex((b, i) => b === 'allow' && !isV6(pairs[i]!));
    if (v4 >= 0) [list[v6], list[v4]] = [list[v4]!, list[v6]!];
  }
  pairs.forEach((p, i) => behaviours.set(p, list[i]!));
  return { ...world, behaviours };
}

/** The AXFR behaviour (or `closed`) of a (zone, address). */
function behaviourOf(world: World, zone: string, address: string): Behaviour {
  if (closedSet(world).has(address)) return 'closed';
  return world.behaviours.get(`${zone} ${address}`) ?? 'notauth';
}

// --- zone content ---------------------------------------------------------------

export type Variant = 'base' | 'older' | 'different';

function variantOf(b: Behaviour): Variant {
  return b === 'older-serial' ? 'older' : b === 'different-content' ? 'different' : 'base';
}

export function serialAt(spec: Pick<ZoneSpec, 'serial0' | 'serialStep'>, generation: number): number {
  const v = (spec.serial0 + generation * spec.serialStep) % 0x100000000;
  return v < 0 ? v + 0x100000000 : v;
}

const hostsCache = new WeakMap<World, Map<string, HostSpec[]>>();

/** Servers whose names lie in each TLD: their A/AAAA records belong to that TLD's zone. */
function hostsByZone(world: World): Map<string, HostSpec[]> {
  let m = hostsCache.get(world);
  if (m) return m;
  m = new Map();
  for (const h of [...world.hosts.values()].sort((a, b) => compareCanonical(textToName(a.name), textToName(b.name)))) {
    const labels = h.name.split('.').filter((l) => l !== '');
    const tld = `${labels[labels.length - 1]}.`;
    if (!world.tlds.has(tld)) continue;
    let l = m.get(tld);
    if (!l) m.set(tld, (l = []));
    l.push(h);
  }
  hostsCache.set(world, m);
  return m;
}

function rr(owner: Buffer, type: number, ttl: number, rdata: Buffer): WireRecord {
  return { owner, type, class: CLASS_IN, ttl, rdata };
}

function soaRdata(mname: string, rname: string, serial: number, refresh: number, retry: number, expire: number, minimum: number): Buffer {
  const tail = Buffer.alloc(20);
  tail.writeUInt32BE(serial >>> 0, 0);
  tail.writeUInt32BE(refresh, 4);
  tail.writeUInt32BE(retry, 8);
  tail.writeUInt32BE(expire, 12);
  tail.writeUInt32BE(minimum, 16);
  return Buffer.concat([textToName(mname), textToName(rname), tail]);
}

function txtRdata(...strings: string[]): Buffer {
  return Buffer.concat(
    strings.map((s) => {
      const b = Buffer.from(s, 'latin1');
      return Buffer.concat([Buffer.from([b.length]), b]);
    }),
  );
}

function dnskeyRdata(flags: number, ...seedParts: (string | number)[]): Buffer {
  const head = Buffer.from([flags >> 8, flags & 0xff, 3, 13]);
  return Buffer.concat([head, hashBytes(64, 'dnskey', flags, ...seedParts)]);
}

function dsRdata(keyTag: number, ...seedParts: (string | number)[]): Buffer {
  return Buffer.concat([Buffer.from([keyTag >> 8, keyTag & 0xff, 13, 2]), hashBytes(32, 'ds', ...seedParts)]);
}

/** `label.` + a wire name. */
function under(label: string, parent: Buffer): Buffer {
  const l = Buffer.from(label, 'latin1');
  const out = Buffer.allocUnsafe(1 + l.length + parent.length);
  out[0] = l.length;
  l.copy(out, 1);
  parent.copy(out, 1 + l.length);
  return out;
}

/** The records of a TLD owned by its apex and its servers: everything but the generated delegations. */
function* fixedRecords(world: World, spec: ZoneSpec, variant: Variant): Generator<WireRecord> {
  const apex = textToName(spec.name);
  const g = variant === 'older' ? spec.generation - 1 : spec.generation;
  const serial = serialAt(spec, g);
  yield rr(apex, TYPE.SOA, 3600, soaRdata(spec.nsNames[0] ?? `ns.${spec.name}`, `hostmaster.${spec.name}`, serial, 1800, 900, 1209600, 3600));
  for (const ns of spec.nsNames) yield rr(apex, TYPE.NS, 86400, textToName(ns));
  if (spec.dnssec) {
    yield rr(apex, TYPE.DNSKEY, 3600, dnskeyRdata(257, spec.seed));
    yield rr(apex, TYPE.DNSKEY, 3600, dnskeyRdata(256, spec.seed, g));
  }
  yield rr(apex, TYPE.TXT, 3600, txtRdata(variant === 'different' ? `lab zone ${spec.name} as one server has it` : `lab zone ${spec.name}`));
  yield rr(under('nic', apex), TYPE.TXT, 3600, txtRdata(`registry of ${spec.name}`));
  for (const c of childrenOf(world, spec.name)) for (const ns of c.nsNames) yield rr(textToName(c.name), TYPE.NS, 86400, textToName(ns));
  for (const h of hostsByZone(world).get(spec.name) ?? []) {
    const owner = textToName(h.name);
    for (const a of h.v4) yield rr(owner, TYPE.A, 3600, Buffer.from(a.split('.').map(Number)));
    for (const a of h.v6) yield rr(owner, TYPE.AAAA, 3600, ipv6Bytes(a));
  }
}

function ipv6Bytes(a: string): Buffer {
  if (a === '::1') {
    const b = Buffer.alloc(16);
    b[15] = 1;
    return b;
  }
  return Buffer.from(a, 'hex');
}

function fixedCount(world: World, spec: ZoneSpec): number {
  let n = 1 + spec.nsNames.length + (spec.dnssec ? 2 : 0) + 2;
  for (const c of childrenOf(world, spec.name)) n += c.nsNames.length;
  for (const h of hostsByZone(world).get(spec.name) ?? []) n += h.v4.length + h.v6.length;
  return n;
}

/** Records of a TLD zone in this variant (SOA first). */
export function expectedRecordCount(world: World, zone: string, variant: Variant = 'base'): number {
  if (zone === '.') return rootRecords(world).length;
  const spec = world.tlds.get(zone);
  if (!spec) throw new Error(`no zone ${zone}`);
  return Math.max(spec.size, fixedCount(world, spec)) + (variant === 'different' ? 1 : 0);
}

/**
 * All records of a zone, SOA first. TLDs: the fixed part, then second-level
 * delegations (NS, some with glue and DS) from a window of numbered slots that
 * slides by a few slots per generation, so delegations come and go.
 */
export function* zoneRecords(world: World, zone: string, variant: Variant = 'base'): Generator<WireRecord> {
  if (zone === '.') {
    yield* rootRecords(world);
    return;
  }
  const spec = world.tlds.get(zone);
  if (!spec) throw new Error(`no zone ${zone}`);
  let count = 0;
  for (const r of fixedRecords(world, spec, variant)) {
    count++;
    yield r;
  }
  const apex = textToName(spec.name);
  if (variant === 'different') yield rr(under('_different', apex), TYPE.TXT, 3600, txtRdata('served by one address only'));
  let remaining = spec.size - count;
  if (remaining <= 0) return;
  // Labels right below the apex that the fixed part uses: a slot must not take them.
  const taken = new Set<string>(['nic']);
  const apexLabels = labelCount(apex);
  for (const c of childrenOf(world, spec.name)) {
    const ls = c.name.split('.').filter((l) => l !== '');
    taken.add(ls[ls.length - apexLabels - 1]!);
  }
  for (const h of hostsByZone(world).get(spec.name) ?? []) {
    const ls = h.name.split('.').filter((l) => l !== '');
    if (ls.length > apexLabels) taken.add(ls[ls.length - apexLabels - 1]!);
  }
  const g = variant === 'older' ? spec.generation - 1 : spec.generation;
  const shift = Math.max(1, Math.floor(spec.size / 150));
  const ttl = 86400;
  for (let i = g * shift; remaining > 0; i++) {
    const h = hash32(spec.seed, 'slot', i);
    const nsCount = 2 + (h & 1);
    const inside = ((h >>> 1) & 3) === 0;
    const v6 = ((h >>> 3) & 1) === 1;
    const ds = spec.dnssec && (h >>> 4) % 3 === 0;
    const c = nsCount + (inside ? nsCount * (v6 ? 2 : 1) : 0) + (ds ? 1 : 0);
    if (c > remaining) {
      // The last few records: TXT at one name, to reach the size exactly.
      const owner = under('_fill', apex);
      for (let k = 1; k <= remaining; k++) yield rr(owner, TYPE.TXT, 3600, txtRdata(`filler ${k}`));
      return;
    }
    let label = syllableLabel(scatter32(i >>> 0, spec.seed), 2);
    if (taken.has(label)) label += 'x';
    const sld = under(label, apex);
    if (inside) {
      const names = Array.from({ length: nsCount }, (_, k) => under(`ns${k + 1}`, sld));
      for (const n of names) yield rr(sld, TYPE.NS, ttl, n);
      if (ds) yield rr(sld, TYPE.DS, ttl, dsRdata((h >>> 8) & 0xffff, spec.seed, i));
      for (let k = 0; k < nsCount; k++) {
        // Parked addresses (src/lab/below.ts isParkedAddress): inside loopback, where nothing listens.
        const parked = Buffer.from([127, 1, 128 + ((h >>> 16) & 0x7f), k + 1]);
        yield rr(names[k]!, TYPE.A, ttl, parked);
        if (v6) {
          const b = Buffer.alloc(16);
          b.writeUInt16BE(0xffff, 10);
          parked.copy(b, 12);
          yield rr(names[k]!, TYPE.AAAA, ttl, b);
        }
      }
    } else {
      const hoster = `${syllableLabel((h >>> 8) % 4096, 2)}-dns.${INFRA_ZONE}`;
      for (let k = 0; k < nsCount; k++) yield rr(sld, TYPE.NS, ttl, textToName(`ns${k + 1}.${hoster}`));
      if (ds) yield rr(sld, TYPE.DS, ttl, dsRdata((h >>> 8) & 0xffff, spec.seed, i));
    }
    remaining -= c;
  }
}

const rootCache = new WeakMap<World, WireRecord[]>();

/** The root zone: SOA, NS, DNSKEY, then per TLD its NS and DS, and glue for every server with `glue`. */
export function rootRecords(world: World): WireRecord[] {
  const cached = rootCache.get(world);
  if (cached) return cached;
  const out: WireRecord[] = [];
  const root = world.root;
  out.push(rr(ROOT, TYPE.SOA, 86400, soaRdata(root.mname, root.rname, root.serial, 1800, 900, 604800, 86400)));
  for (const n of root.nsNames) out.push(rr(ROOT, TYPE.NS, 518400, textToName(n)));
  out.push(rr(ROOT, TYPE.DNSKEY, 172800, dnskeyRdata(257, world.seed, 'root')));
  out.push(rr(ROOT, TYPE.DNSKEY, 172800, dnskeyRdata(256, world.seed, 'root', world.epoch)));
  for (const z of world.tlds.values()) {
    if (z.parent) continue;
    const owner = textToName(z.name);
    for (const n of z.nsNames) out.push(rr(owner, TYPE.NS, 172800, textToName(n)));
    if (z.ds) for (const d of z.ds) out.push(rr(owner, TYPE.DS, 86400, d));
    else if (z.dnssec) out.push(rr(owner, TYPE.DS, 86400, dsRdata(hash32(z.seed, 'tag') & 0xffff, z.seed, 'root-ds')));
  }
  const glueHosts = [...world.hosts.values()]
    .filter((h) => h.glue && world.tlds.has(tldOf(h.name)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const h of glueHosts) {
    const owner = textToName(h.name);
    for (const a of h.v4) out.push(rr(owner, TYPE.A, 172800, Buffer.from(a.split('.').map(Number))));
    for (const a of h.v6) out.push(rr(owner, TYPE.AAAA, 172800, ipv6Bytes(a)));
  }
  rootCache.set(world, out);
  return out;
}

function tldOf(name: string): string {
  const ls = name.split('.').filter((l) => l !== '');
  return `${ls[ls.length - 1]}.`;
}

function contentKey(world: World, zone: string, variant: Variant): string {
  if (zone === '.') return `${world.seed}#.#${world.epoch}`;
  const spec = world.tlds.get(zone)!;
  const hosts = (hostsByZone(world).get(zone) ?? []).map((h) => `${h.name}=${h.v4.join(',')}/${h.v6.join(',')}`).join(' ');
  const sig = hash32(spec.seed, spec.size, spec.generation, spec.serial0, spec.serialStep, spec.nsNames.join(' '), spec.dnssec ? 1 : 0, hosts);
  return `${zone}#${spec.generation}#${variant}#${sig.toString(16)}`;
}

/** A zone of the world as the lab server serves it. */
function zoneContent(world: World, zone: string, variant: Variant = 'base'): ZoneContent {
  const apex = textToName(zone);
  if (zone === '.') {
    const records = rootRecords(world);
    return {
      key: contentKey(world, zone, variant),
      apex,
      size: records.length,
      records: () => records,
      apexRecords: () => records.filter((r) => r.owner.length === 1),
    };
  }
  const spec = world.tlds.get(zone);
  if (!spec) throw new Error(`no zone ${zone}`);
  return {
    key: contentKey(world, zone, variant),
    apex,
    size: expectedRecordCount(world, zone, variant),
    records: () => zoneRecords(world, zone, variant),
    apexRecords: () => [...fixedRecords(world, spec, variant)].filter((r) => r.owner.equals(apex)),
  };
}

/** What each address serves, for AuthServer.configure. */
export function servingPlan(world: World): AddressConfig[] {
  const plan = new Map<string, ServedZone[]>();
  for (const a of world.addresses) plan.set(a.address, []);
  const add = (zone: string, nsNames: readonly string[]) => {
    for (const address of zoneAddresses(world, nsNames)) {
      const b = world.behaviours.get(`${zone} ${address}`) ?? 'notauth';
      let list = plan.get(address);
      if (!list) plan.set(address, (list = []));
      list.push({ content: zoneContent(world, zone, variantOf(b)), axfr: b });
    }
  };
  add('.', world.root.nsNames);
  for (const z of world.tlds.values()) add(z.name, z.nsNames);
  const closed = closedSet(world);
  return [...plan].map(([address, zones]) => ({ address, tcpClosed: closed.has(address), zones, latencyMs: world.latency?.get(address) }));
}

// --- expectations -------------------------------------------------------------

/** Every (zone, NS name, address) target with the outcome zonelog's client must report. */
export function expectedTargets(world: World, limits: ClientLimits = DEFAULT_CLIENT_LIMITS): ExpectedTarget[] {
  const out: ExpectedTarget[] = [];
  const zones: { name: string; nsNames: readonly string[]; spec?: ZoneSpec }[] = [
    { name: '.', nsNames: world.root.nsNames },
    ...[...world.tlds.values()].map((s) => ({ name: s.name, nsNames: s.nsNames, spec: s })),
  ];
  for (const z of zones) {
    for (const nsName of z.nsNames) {
      const h = world.hosts.get(nsName);
      if (!h) continue;
      for (const address of [...h.v4, ...h.v6]) {
        const behaviour = behaviourOf(world, z.name, address);
        out.push({ zone: z.name, nsName, address, behaviour, ...outcomeOf(world, z.name, z.spec, behaviour, limits) });
      }
    }
  }
  return out;
}

function outcomeOf(
  world: World,
  zone: string,
  spec: ZoneSpec | undefined,
  b: Behaviour,
  limits: ClientLimits,
): Omit<ExpectedTarget, 'zone' | 'nsName' | 'address' | 'behaviour'> {
  const transferred = (variant: Variant, outOfZone = 0) => {
    const serial = spec ? serialAt(spec, variant === 'older' ? spec.generation - 1 : spec.generation) : world.root.serial;
    return { expected: 'transferred' as const, serial, records: expectedRecordCount(world, zone, variant), outOfZone };
  };
  switch (b) {
    case 'allow':
    case 'one-per-message':
    case 'one-message':
      return transferred('base');
    case 'out-of-zone':
      return zone === '.' ? transferred('base') : transferred('base', world.outOfZoneRecords);
    case 'older-serial':
      return transferred('older');
    case 'different-content':
      return transferred('different');
    case 'refused':
      return { expected: 'refused' };
    case 'notauth':
      return { expected: 'notauth' };
    case 'silent':
      return { expected: 'timeout' };
    case 'drip': {
      // A piece every intervalMs: the idle timeout fires if the gap is too long, the deadline if the whole is.
      const total = world.drip.intervalMs * world.drip.steps;
      if (world.drip.intervalMs >= limits.idleTimeoutMs || total >= limits.deadlineMs) return { expected: 'timeout' };
      return transferred('base');
    }
    case 'close':
      // The server closes the connection on the query: end of stream before any response.
      return { expected: 'truncated' };
    case 'reset':
      return { expected: 'reset' };
    case 'closed':
      return { expected: 'connection-refused' };
  }
}

/** A digest of the world: its root zone and every expected target (for determinism tests). */
export function worldDigest(world: World): string {
  const h = createHash('sha256');
  for (const r of rootRecords(world)) {
    h.update(r.owner);
    h.update(`${r.type} ${r.class} ${r.ttl} `);
    h.update(r.rdata);
  }
  h.update(JSON.stringify(expectedTargets(world)));
  return h.digest('hex');
}

// --- time passes ---------------------------------------------------------------

/**
 * The world a little later: the root serial and some TLD serials bump (RFC 1982
 * arithmetic, with wrap-around), their delegations slide, one TLD leaves the root
 * and one appears, one server stops allowing transfer and one starts.
 */
export function mutate(world: World, seed: number): World {
  const rng = new Rng(hash32('mutate', world.seed, world.epoch, seed));
  const tlds = new Map<string, ZoneSpec>();
  const special = new Set(['arpa.', INFRA_ZONE]);
  for (const z of world.tlds.values()) if (z.designed) special.add(z.parent ?? z.name).add(z.name);
  for (const [name, spec] of world.tlds) tlds.set(name, rng.chance(0.2) ? { ...spec, generation: spec.generation + 1 } : spec);
  // At least one zone changes.
  const plain = [...tlds.keys()].filter((n) => !special.has(n));
  if (plain.length > 0) {
    const n = rng.pick(plain);
    const s = tlds.get(n)!;
    if (s.generation === world.tlds.get(n)!.generation) tlds.set(n, { ...s, generation: s.generation + 1 });
  }
  const hosts = new Map(world.hosts);
  const behaviours = new Map(world.behaviours);
  const usedNames = new Set(world.usedNames);
  // One TLD leaves.
  if (plain.length > 3) {
    const gone = rng.pick(plain);
    tlds.delete(gone);
    for (const k of [...behaviours.keys()]) if (k.startsWith(`${gone} `)) behaviours.delete(k);
  }
  // One TLD appears, on the servers of an existing one, with names of its own.
  let nextIndex = world.nextIndex;
  const donors = [...tlds.values()].filter((s) => !special.has(s.name));
  if (donors.length > 0) {
    const donor = rng.pick(donors);
    let label = '';
    for (let tries = 0; tries < 1000; tries++) {
      const c = world.real ? syllableLabel(rng.int(64 ** 2, 64 ** 3 - 1)) : syllableLabel(rng.int(64, 64 ** 4 - 1));
      if (!RESERVED.has(c) && !usedNames.has(c)) {
        label = c;
        break;
      }
    }
    if (label) {
      usedNames.add(label);
      const name = `${label}.`;
      const addrs = zoneAddresses(world, donor.nsNames).filter((a) => a !== '::1');
      const nsNames = addrs.map((a, k) => {
        const host = `${LETTERS[k % 26]}${k >= 26 ? k : ''}.nic.${name}`;
        hosts.set(host, { name: host, v4: [a], v6: [], glue: true });
        return host;
      });
      if (nsNames.length > 0) {
        const spec = newZoneSpec(rng, name, nextIndex++, nsNames, world.sizes, world.seed);
        tlds.set(name, spec);
        const weights = AXFR_BEHAVIOURS.map((b) => world.mix[b]);
        const closed = closedSet(world);
        for (const a of addrs) if (!closed.has(a)) behaviours.set(`${name} ${a}`, AXFR_BEHAVIOURS[rng.weighted(weights)]!);
      }
    }
  }
  // Servers that stop and start allowing transfer.
  const tldPairs = [...behaviours.keys()].filter((k) => !k.startsWith('. ')).sort();
  const allowing = tldPairs.filter((k) => behaviours.get(k) === 'allow');
  const refusing = tldPairs.filter((k) => behaviours.get(k) === 'refused');
  if (allowing.length > 0) behaviours.set(rng.pick(allowing), 'refused');
  if (refusing.length > 0) behaviours.set(rng.pick(refusing), 'allow');
  // Servers no zone names any more leave the hosts (their addresses stay bound).
  const named = new Set<string>(world.root.nsNames);
  for (const s of tlds.values()) for (const n of s.nsNames) named.add(n);
  for (const n of [...hosts.keys()]) if (!named.has(n)) hosts.delete(n);
  const sorted = sortZones([...tlds.values()]);
  return {
    ...world,
    epoch: world.epoch + 1,
    root: { ...world.root, serial: (world.root.serial + 1) % 0x100000000 },
    tlds: sorted,
    hosts,
    behaviours,
    usedNames,
    nextIndex,
  };
}

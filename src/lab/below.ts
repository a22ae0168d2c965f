/**
 * The lab below the TLDs: the same shape as the zones that
 * zonelog's sources look for in the real world, added to a generated world when
 * asked (`below`), on addresses of their own, with behaviours fixed by design
 * (not drawn from the mix), so that every source has zones to find:
 *
 * - the arpa tree: `in-addr.arpa.` (whose servers refuse transfer, so its children
 *   are found by asking for 0–255) with four /8 zones, and `ip6.arpa.` (one server
 *   allows transfer) with three registry zones, one of them four nibbles deep;
 * - public suffixes under three TLDs, served by the TLD's own servers: some allow
 *   transfer, one is two labels below its TLD, and the lab's suffix list also
 *   names suffixes that are no zone (a name without NS, a name that does not exist);
 * - a small TLD that allows transfer and delegates six zones on two addresses of
 *   their own, two of which allow transfer too.
 */
import type { AxfrBehaviour } from './authserver.js';
import { Rng, hash32, syllableLabel } from './rng.js';
import type { AddressSpec, HostSpec } from './world.js';

export interface BelowOptions {
  /** Whether the servers of in-addr.arpa. allow transfer (default false: its children are found by NS questions). */
  inAddrAllows?: boolean;
  /** Whether one server of ip6.arpa. allows transfer (default true). */
  ip6Allows?: boolean;
  /**
   * Many more zones, shaped like the real ones (for benchmarks): `suffixes` public
   * suffixes spread over the TLDs by a Zipf law (exponent 1: the busiest TLD has about
   * an eighth of them), half of them zone cuts served by their TLD's servers, and
   * `arpaZones` reverse zones (three quarters /8 zones, the rest /12 zones under
   * ip6.arpa.) on five registries' servers. Their behaviours are drawn from the
   * world's mix, pair by pair, as the TLDs' are.
   */
  scale?: { suffixes: number; arpaZones: number };
}

/** A zone of the shape: its name, its parent zone, its servers and what each address does. */
interface Designed {
  name: string;
  parent: string;
  nsNames: string[];
  /** Behaviour per address of its servers, in order; the last repeats. */
  behaviours: AxfrBehaviour[];
  /** Records (at least the fixed part). */
  size: number;
}

export interface BelowShape {
  zones: Designed[];
  hosts: HostSpec[];
  addresses: AddressSpec[];
  /** Names in the lab's suffix list that are no zone, and a wildcard and an exception rule. */
  suffixList: string;
}

/** The fixed addresses of the shape (127.1.2.x arpa, 127.1.3.x registries, 127.1.4.x the leaking TLD). */
const A = (n: number, k: number) => `127.1.${n}.${k}`;

/**
 * The shape for a world whose TLDs are `tlds` (sorted): the suffix zones go under
 * three of them, the leaking TLD gets a name none of them has.
 */
export function belowShape(
  seed: number,
  tlds: readonly { name: string; nsNames: string[] }[],
  used: ReadonlySet<string>,
  o: BelowOptions = {},
  mix: Readonly<Record<AxfrBehaviour, number>> = { allow: 1 } as Record<AxfrBehaviour, number>,
): BelowShape {
  const rng = new Rng(hash32('below', seed));
  const hosts: HostSpec[] = [];
  const addresses: AddressSpec[] = [];
  const host = (name: string, address: string, glue: boolean) => {
    hosts.push({ name, v4: [address], v6: [], glue });
    if (!addresses.some((a) => a.address === address)) addresses.push({ address, role: 'tld', closed: false });
    return name;
  };
  const zones: Designed[] = [];
  const zone = (name: string, parent: string, nsNames: string[], behaviours: AxfrBehaviour[], size = 30) =>
    zones.push({ name, parent, nsNames, behaviours, size });

  // The arpa tree: name servers named inside arpa. (glue there), registries in lab-net.
  const inAddr = [host('a.in-addr-servers.arpa.', A(2, 1), false), host('b.in-addr-servers.arpa.', A(2, 2), false)];
  const ip6 = [host('a.ip6-servers.arpa.', A(2, 3), false), host('b.ip6-servers.arpa.', A(2, 4), false)];
  zone('in-addr.arpa.', 'arpa.', inAddr, [o.inAddrAllows ? 'allow' : 'refused'], 0);
  zone('ip6.arpa.', 'arpa.', ip6, o.ip6Allows === false ? ['refused'] : ['allow', 'refused'], 0);
  const rir1 = [host('ns1.rir1.lab-net.', A(3, 1), false), host('ns2.rir1.lab-net.', A(3, 2), false)];
  const rir2 = [host('ns1.rir2.lab-net.', A(3, 3), false), host('ns2.rir2.lab-net.', A(3, 4), false)];
  zone('25.in-addr.arpa.', 'in-addr.arpa.', rir1, ['refused']);
  zone('62.in-addr.arpa.', 'in-addr.arpa.', rir1, ['refused', 'allow']);
  zone('193.in-addr.arpa.', 'in-addr.arpa.', rir1, ['allow']);
  zone('202.in-addr.arpa.', 'in-addr.arpa.', rir2, ['notauth']);
  zone('0.a.2.ip6.arpa.', 'ip6.arpa.', rir1, ['allow', 'refused']);
  zone('0.4.2.ip6.arpa.', 'ip6.arpa.', rir2, ['refused']);
  zone('2.0.0.2.ip6.arpa.', 'ip6.arpa.', rir2, ['allow']);

  // Public suffixes under three TLDs, on the TLD's own servers.
  const plain = tlds.filter((t) => !t.name.startsWith('xn--') && t.name !== 'arpa.' && t.name !== 'lab-net.');
  const picks = rng.shuffle([...plain]).slice(0, 3);
  const suffixNames: string[] = [];
  const [t1, t2, t3] = picks;
  if (t1) {
    zone(`gov.${t1.name}`, t1.name, t1.nsNames, ['allow']);
    zone(`ac.${t1.name}`, t1.name, t1.nsNames, ['refused']);
    zone(`pvt.k12.${t1.name}`, t1.name, t1.nsNames, ['refused', 'allow']);
    // k12 exists (it has a child) but is no cut; net does not exist at all.
    suffixNames.push(`gov.${t1.name}`, `ac.${t1.name}`, `k12.${t1.name}`, `pvt.k12.${t1.name}`, `net.${t1.name}`);
  }
  if (t2) {
    zone(`com.${t2.name}`, t2.name, t2.nsNames, ['refused', 'allow']);
    zone(`org.${t2.name}`, t2.name, t2.nsNames, ['notauth']);
    suffixNames.push(`com.${t2.name}`, `org.${t2.name}`);
  }
  if (t3) {
    zone(`edu.${t3.name}`, t3.name, t3.nsNames, ['allow']);
    suffixNames.push(`edu.${t3.name}`, `*.city.${t3.name}`, `!www.city.${t3.name}`);
  }

  // A small TLD that leaks, and the zones it delegates.
  let label = '';
  for (let n = rng.int(64 * 64, 64 ** 3 - 1); label === ''; n++) if (!used.has(syllableLabel(n))) label = syllableLabel(n);
  const leaky = `${label}.`;
  zone(leaky, '.', [host(`ns1.${leaky}`, A(4, 1), true), host(`ns2.${leaky}`, A(4, 2), true)], ['allow'], 0);
  const children: [string, AxfrBehaviour[]][] = [
    ['star', ['allow']],
    ['kcna', ['refused', 'allow']],
    ['naenara', ['refused']],
    ['air', ['notauth']],
    ['rodong', ['allow', 'refused']],
    ['friend', ['refused']],
  ];
  for (const [child, behaviours] of children) {
    const name = `${child}.${leaky}`;
    zone(name, leaky, [host(`ns1.${name}`, A(4, 3), false), host(`ns2.${name}`, A(4, 4), false)], behaviours, 12);
  }

  if (o.scale) scaled(rng, o.scale, plain, mix, zones, suffixNames, host);

  const suffixList = [
    "// The lab's public suffix list (the Public Suffix List's format).",
    '// ===BEGIN ICANN DOMAINS===',
    ...suffixNames.map((s) => s.replace(/\.$/, '')),
    '// ===END ICANN DOMAINS===',
    '// ===BEGIN PRIVATE DOMAINS===',
    `private.${(t1 ?? { name: 'lab-net.' }).name.replace(/\.$/, '')}`,
    '// ===END PRIVATE DOMAINS===',
    '',
  ].join('\n');
  return { zones, hosts, addresses, suffixList };
}

/** The behaviour of each of a designed zone's addresses (in NS order), the last one repeating. */
export function designedBehaviours(behaviours: readonly AxfrBehaviour[], addresses: readonly string[]): Map<string, AxfrBehaviour> {
  const out = new Map<string, AxfrBehaviour>();
  addresses.forEach((a, i) => out.set(a, behaviours[Math.min(i, behaviours.length - 1)]!));
  return out;
}

/**
 * Addresses 127.1.128.0/17 (also IPv4-mapped, `::ffff:127.1.128.1`): the lab's generated
 * second-level delegations have their glue there, and nothing listens.
 */
export function isParkedAddress(address: string): boolean {
  let v4 = address.toLowerCase();
  if (v4.startsWith('::ffff:')) {
    v4 = v4.slice(7);
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v4);
    if (hex) {
      const hi = parseInt(hex[1]!, 16);
      const lo = parseInt(hex[2]!, 16);
      v4 = `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
    }
  }
  const m = /^127\.1\.([0-9]+)\.[0-9]+$/.exec(v4);
  return m !== null && Number(m[1]) >= 128 && Number(m[1]) <= 255;
}

/** The `scale` part of the shape: see BelowOptions.scale. */
function scaled(
  rng: Rng,
  scale: { suffixes: number; arpaZones: number },
  tlds: readonly { name: string; nsNames: string[] }[],
  mix: Readonly<Record<AxfrBehaviour, number>>,
  zones: Designed[],
  suffixNames: string[],
  host: (name: string, address: string, glue: boolean) => string,
): void {
  const kinds = Object.keys(mix) as AxfrBehaviour[];
  const weights = kinds.map((k) => Math.max(0, mix[k]));
  const draw = (n: number) => Array.from({ length: n }, () => kinds[rng.weighted(weights)]!);
  const taken = new Set(zones.map((z) => z.name));
  // Five registries, three server addresses each.
  const rirs = Array.from({ length: 5 }, (_, r) =>
    Array.from({ length: 3 }, (_, k) => host(`ns${k + 1}.reg${r + 1}.lab-net.`, `127.1.5.${r * 3 + k + 1}`, false)),
  );
  const v4 = Math.min(256, Math.round(scale.arpaZones * 0.75));
  const octets = rng.shuffle(Array.from({ length: 256 }, (_, i) => i)).filter((i) => !taken.has(`${i}.in-addr.arpa.`));
  for (const i of octets.slice(0, v4)) {
    const ns = rirs[rng.int(0, 4)]!;
    zones.push({ name: `${i}.in-addr.arpa.`, parent: 'in-addr.arpa.', nsNames: ns, behaviours: draw(ns.length), size: 30 });
  }
  const hex = '0123456789abcdef';
  for (let made = 0, tries = 0; made < scale.arpaZones - v4 && tries < 10_000; tries++) {
    const name = `${hex[rng.int(0, 15)]}.${hex[rng.int(0, 15)]}.${rng.pick(['2', '3'])}.ip6.arpa.`;
    if (taken.has(name)) continue;
    taken.add(name);
    const ns = rirs[rng.int(0, 4)]!;
    zones.push({ name, parent: 'ip6.arpa.', nsNames: ns, behaviours: draw(ns.length), size: 30 });
    made++;
  }
  // Suffixes: a Zipf share per TLD, in a shuffled order of TLDs.
  const order = rng.shuffle([...tlds]);
  const w = order.map((_, i) => 1 / (i + 1));
  for (let i = 0; i < scale.suffixes && order.length > 0; i++) {
    const tld = order[rng.weighted(w)]!;
    const name = `s${i}.${tld.name}`;
    suffixNames.push(name);
    if (rng.chance(0.5)) zones.push({ name, parent: tld.name, nsNames: tld.nsNames, behaviours: draw(tld.nsNames.length), size: 20 });
  }
}

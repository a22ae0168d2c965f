/**
 * Targets of a scan (docs/architecture.md §6.2): one per (zone, server address), carrying every
 * NS name that led to that address. Exclusions, address families and shards
 * select from them deterministically.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';

export interface Target {
  /** Zone in presentation form, absolute and lowercase: `.`, `ba.`. */
  zone: string;
  /** IPv4 or IPv6 address (no brackets, no port). */
  address: string;
  /** NS names (presentation form) whose addresses include this one; empty for --root addresses nobody named. */
  nameServers: string[];
}

export interface Shard {
  index: number;
  count: number;
}

export interface Exclusions {
  zones: Set<string>;
  addresses: Set<string>;
}

export type Family = 'any' | 'ipv4' | 'ipv6';

/** Collects targets, merging NS names that share an address for the same zone. */
export class TargetSet {
  private readonly byKey = new Map<string, Target>();

  add(zone: string, address: string, nameServer?: string): void {
    const key = targetKey(zone, address);
    let t = this.byKey.get(key);
    if (!t) {
      t = { zone, address, nameServers: [] };
      this.byKey.set(key, t);
    }
    if (nameServer && !t.nameServers.includes(nameServer)) {
      t.nameServers.push(nameServer);
      t.nameServers.sort();
    }
  }

  /** Every target, sorted by zone then address. */
  list(): Target[] {
    return [...this.byKey.values()].sort((a, b) => (a.zone === b.zone ? cmp(a.address, b.address) : cmp(a.zone, b.zone)));
  }
}

function targetKey(zone: string, address: string): string {
  return `${zone} ${normalizeAddress(address)}`;
}

/** One spelling per address, so that `::1` and `0:0::1` are one target. */
export function normalizeAddress(address: string): string {
  if (!net.isIPv6(address)) return address;
  const sock = new net.SocketAddress({ address, family: 'ipv6' });
  return sock.address;
}

/**
 * `--shard I/N`: a target belongs to shard 1 + (hash of zone and address mod N).
 * Every shard computes the same function, so shards 1..N cover each target once.
 */
export function inShard(t: Target, shard: Shard): boolean {
  if (shard.count <= 1) return true;
  const h = createHash('sha256').update(targetKey(t.zone, t.address)).digest();
  return (h.readUInt32BE(0) % shard.count) + 1 === shard.index;
}

export function parseShard(text: string): Shard | undefined {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return undefined;
  return { index, count };
}

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return net.isIPv6(address) ? 'ipv6' : 'ipv4';
}

export function selectTargets(all: Target[], opts: { exclusions: Exclusions; family: Family; shard?: Shard }): Target[] {
  return all.filter(
    (t) =>
      !opts.exclusions.zones.has(t.zone) &&
      !opts.exclusions.addresses.has(normalizeAddress(t.address)) &&
      (opts.family === 'any' || familyOf(t.address) === opts.family) &&
      (!opts.shard || inShard(t, opts.shard)),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

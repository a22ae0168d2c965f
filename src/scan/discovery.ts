/**
 * Discovery (docs/architecture.md §6.1): from the root zone, every delegated zone, its NS names
 * and their addresses — glue where the root zone has it, else resolved by
 * iterating from the root. Zones below the TLDs (`--zones FILE`) and, when no
 * root server allows a transfer, the TLDs themselves are found by asking the
 * root servers for their delegations.
 */
import { canonicalText, textToName } from '../dns/name.js';
import type { Resolver } from './resolver.js';
import type { TargetSet } from './targets.js';

/** One zone's name servers: NS name → addresses. */
export type Delegations = Map<string, Map<string, string[]>>;

/**
 * Reads the delegations out of a zone's canonical text: NS records below the apex,
 * and A/AAAA records as glue. Lines are `owner TAB ttl TAB class TAB type TAB rdata`.
 */
export function delegationsFromZoneText(text: string, apex: string): { delegations: Delegations; glue: Map<string, string[]>; apexNs: string[] } {
  const delegations: Delegations = new Map();
  const apexNs: string[] = [];
  const glue = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    const owner = f[0]!;
    const type = f[3];
    const rdata = f[4] ?? '';
    if (type === 'NS' && owner === apex) apexNs.push(canonicalText(rdata));
    else if (type === 'NS') {
      let ns = delegations.get(owner);
      if (!ns) delegations.set(owner, (ns = new Map()));
      ns.set(canonicalText(rdata), []);
    } else if (type === 'A' || type === 'AAAA') {
      const list = glue.get(owner) ?? [];
      list.push(rdata);
      glue.set(owner, list);
    }
  }
  for (const ns of delegations.values()) for (const name of ns.keys()) ns.set(name, glue.get(name) ?? []);
  return { delegations, glue, apexNs };
}

export interface ResolveReport {
  /** NS names that had no glue. */
  glueless: number;
  /** Of those, how many resolved to at least one address. */
  resolved: number;
  unresolved: string[];
}

/** Fills in the addresses of NS names without glue, by iteration from the root. */
export async function resolveGlueless(delegations: Delegations, resolver: Resolver, concurrency = 32): Promise<ResolveReport> {
  const missing = new Set<string>();
  for (const ns of delegations.values()) for (const [name, addrs] of ns) if (addrs.length === 0) missing.add(name);
  const found = new Map<string, string[]>();
  const names = [...missing].sort();
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      found.set(name, await resolver.addresses(textToName(name)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  for (const ns of delegations.values()) for (const [name, addrs] of ns) if (addrs.length === 0) ns.set(name, found.get(name) ?? []);
  const unresolved = names.filter((n) => (found.get(n) ?? []).length === 0);
  return { glueless: names.length, resolved: names.length - unresolved.length, unresolved };
}

/** Asks for the delegation of each zone (for `--zones` and the no-AXFR fallback). */
export async function delegationsByQuery(zones: string[], resolver: Resolver, concurrency = 32): Promise<{ delegations: Delegations; notFound: string[] }> {
  const delegations: Delegations = new Map();
  const notFound: string[] = [];
  let next = 0;
  const list = [...new Set(zones)].sort();
  const worker = async () => {
    while (next < list.length) {
      const zone = list[next++]!;
      const d = await resolver.delegation(textToName(zone));
      if (d && d.size > 0) delegations.set(zone, d);
      else notFound.push(zone);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  return { delegations, notFound: notFound.sort() };
}

export function addDelegationTargets(set: TargetSet, delegations: Delegations): void {
  for (const [zone, ns] of delegations) for (const [name, addrs] of ns) for (const a of addrs) set.add(zone, a, name);
}

/** Zone names from a file: one per line, `#` comments and blank lines ignored. */
export function parseZoneList(text: string): { ok: true; zones: string[] } | { ok: false; error: string } {
  const zones: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    try {
      zones.push(canonicalText(line));
    } catch (e) {
      return { ok: false, error: `line ${i + 1}: invalid zone name ${JSON.stringify(line)}: ${(e as Error).message}` };
    }
  }
  return { ok: true, zones };
}

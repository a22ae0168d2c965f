/**
 * Sources of zones: each stage of discovery yields candidate
 * zones with their name servers. Every source is deterministic (it depends on
 * what the servers say, never on chance or the clock), so shards of one scan
 * agree on the candidates before `--shard` slices the targets.
 */
import type { Delegations } from '../discovery.js';
import type { Resolver } from '../resolver.js';
import type { Exclusions } from '../targets.js';
import { parentOf, type ZoneCuts } from './cuts.js';

/**
 * Where a zone came from: the root zone (the root and the TLDs), the arpa tree,
 * the Public Suffix List, the delegations of a zone that leaked in this scan,
 * or a list given by hand (`--zones FILE`).
 */
export type SourceName = 'root' | 'arpa' | 'psl' | 'leaked' | 'list';

/**
 * When two sources name one zone it belongs to the first of this order: the arpa
 * tree claims `arpa.` (which the root also names), the root every other TLD.
 */
export const SOURCES: readonly SourceName[] = ['arpa', 'root', 'psl', 'leaked', 'list'];

export function isSourceName(v: unknown): v is SourceName {
  return typeof v === 'string' && (SOURCES as readonly string[]).includes(v);
}

/** Zones one source found, each with NS name → addresses. */
export interface Found {
  source: SourceName;
  delegations: Delegations;
}

/** Which zone belongs to which source, by the order of SOURCES; the name servers of all sources that named it. */
export function attribute(found: readonly Found[]): { delegations: Delegations; sourceOf: Map<string, SourceName> } {
  const delegations: Delegations = new Map();
  const sourceOf = new Map<string, SourceName>();
  const ordered = [...found].sort((a, b) => SOURCES.indexOf(a.source) - SOURCES.indexOf(b.source));
  for (const f of ordered) {
    for (const [zone, ns] of f.delegations) {
      if (!sourceOf.has(zone)) sourceOf.set(zone, f.source);
      let into = delegations.get(zone);
      if (!into) delegations.set(zone, (into = new Map()));
      for (const [name, addrs] of ns) {
        const have = into.get(name) ?? [];
        into.set(name, [...have, ...addrs.filter((a) => !have.includes(a))]);
      }
    }
  }
  return { delegations, sourceOf };
}

/** What every source may use: the resolver, the zone-cut prober, and transfers made for discovery. */
export interface SourceContext {
  resolver: Resolver;
  cuts: ZoneCuts;
  exclusions: Exclusions;
  /**
   * Transfers `zone` from the first of `addresses` that allows it, for discovery;
   * each attempt is also that target's result, so no address is asked twice.
   */
  transferText(zone: string, addresses: readonly string[]): Promise<{ text: string; from: string } | undefined>;
}

/** Whether `name` is an excluded zone or below one: no question is asked about it. */
export function isExcludedOrBelow(exclusions: Exclusions, name: string): boolean {
  for (let n: string | undefined = name; n !== undefined && n !== '.'; n = parentOf(n)) if (exclusions.zones.has(n)) return true;
  return false;
}

/** Every address of a delegation, once, in order. */
export function addressesOf(ns: Map<string, string[]>): string[] {
  return [...new Set([...ns.values()].flat())];
}

/** Runs `fn` over `items` with at most `concurrency` at once; results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/** The promise's value, or `cut` once the signal aborts (the work goes on unheard). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, cut: T): Promise<T> {
  if (signal.aborted) return Promise.resolve(cut);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => resolve(cut);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

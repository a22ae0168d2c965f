/**
 * The arpa tree: `arpa.`, its children, and the children of
 * `in-addr.arpa.` and `ip6.arpa.` (the zones of the address registries, such as
 * `193.in-addr.arpa.` and `0.a.2.ip6.arpa.`).
 *
 * Each of the three parents is transferred when one of its servers allows it, and
 * its delegations are its children. Otherwise the children are found by asking the
 * parent's servers for the NS records of the names that can be enumerated:
 * - below `arpa.`: the names IANA registered there (RFC 3172 and the later ones);
 * - below `in-addr.arpa.`: `0` to `255` (one label: the /8 zones);
 * - below `ip6.arpa.`: the nibbles of 2000::/3, the space allocated for global
 *   unicast (RFC 4291 §2.4), walked label by label down to IP6_MAX_NIBBLES
 *   (a /24), not below a name that does not exist (RFC 8020) nor below a cut.
 * Zones below those children are not this source's (the leaked-zone source
 * follows them when a child allows transfer).
 */
import { delegationsFromZoneText, resolveGlueless, type Delegations } from '../discovery.js';
import type { Probe } from './cuts.js';
import { addressesOf, isExcludedOrBelow, mapLimit, type Found, type SourceContext } from './source.js';

/** Children of `arpa.` (IANA's ".ARPA Zone Management" registry). */
const ARPA_CHILDREN = ['as112', 'e164', 'home', 'in-addr', 'in-addr-servers', 'ip6', 'ip6-servers', 'ipv4only', 'iris', 'resolver', 'uri', 'urn'];
/** First nibbles of 2000::/3. */
const IP6_ALLOCATED = ['2', '3'];
/** Nibbles below `ip6.arpa.` walked at most: 6 is a /24, the longest prefix IANA allocates to a registry. */
const IP6_MAX_NIBBLES = 6;
const NIBBLES = '0123456789abcdef'.split('');
/** NS questions in flight at once (UDP, spread over the parent's servers by name). */
const PROBES_AT_ONCE = 64;

export interface ArpaReport {
  /** Per parent: how its children were found (`transfer` from an address, or `ns-queries`), and how many. */
  parents: Record<string, { via: string; children: number; failed?: number }>;
  questions: number;
}

export async function arpaSource(ctx: SourceContext, arpaNs: Map<string, string[]> | undefined): Promise<{ found: Found; report: ArpaReport }> {
  const found: Delegations = new Map();
  const report: ArpaReport = { parents: {}, questions: 0 };
  const tally = { questions: 0 };
  let ns = arpaNs;
  if (!ns || ns.size === 0) {
    const probe = await ctx.cuts.probe('arpa.', tally);
    ns = probe.kind === 'cut' ? probe.ns : undefined;
  }
  if (ns && !isExcludedOrBelow(ctx.exclusions, 'arpa.')) {
    found.set('arpa.', ns);
    const children = await childrenOf(ctx, 'arpa.', ns, report, tally, (probe) =>
      enumerate(
        ARPA_CHILDREN.map((l) => `${l}.arpa.`),
        probe,
      ),
    );
    for (const [zone, cns] of children) found.set(zone, cns);
    // The two reverse trees at once; found in a fixed order.
    const inAddr = children.get('in-addr.arpa.');
    const ip6 = children.get('ip6.arpa.');
    const names = Array.from({ length: 256 }, (_, i) => `${i}.in-addr.arpa.`);
    const trees = await Promise.all([
      inAddr && !isExcludedOrBelow(ctx.exclusions, 'in-addr.arpa.')
        ? childrenOf(ctx, 'in-addr.arpa.', inAddr, report, tally, (probe) => enumerate(names, probe))
        : new Map<string, Map<string, string[]>>(),
      ip6 && !isExcludedOrBelow(ctx.exclusions, 'ip6.arpa.')
        ? childrenOf(ctx, 'ip6.arpa.', ip6, report, tally, walkNibbles)
        : new Map<string, Map<string, string[]>>(),
    ]);
    for (const tree of trees) for (const [zone, cns] of tree) found.set(zone, cns);
  }
  report.questions = tally.questions;
  // The parents in one order, however the trees finished.
  report.parents = Object.fromEntries(Object.entries(report.parents).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { found: { source: 'arpa', delegations: found }, report };
}

type Enumerate = (probe: (name: string) => Promise<Probe>) => Promise<{ cuts: Map<string, Map<string, string[]>>; failed: number }>;

/** The children of `zone`: from its transfer when allowed, else by NS questions to its servers. */
async function childrenOf(
  ctx: SourceContext,
  zone: string,
  ns: Map<string, string[]>,
  report: ArpaReport,
  tally: { questions: number },
  byQuestions: Enumerate,
): Promise<Delegations> {
  ctx.cuts.know(zone, ns);
  const t = await ctx.transferText(zone, addressesOf(ns));
  if (t) {
    const { delegations } = delegationsFromZoneText(t.text, zone);
    await resolveGlueless(delegations, ctx.resolver);
    report.parents[zone] = { via: `transfer from ${t.from}`, children: delegations.size };
    return delegations;
  }
  if (!ctx.cuts.knows(zone)) {
    report.parents[zone] = { via: 'none: no server address to ask', children: 0 };
    return new Map();
  }
  const { cuts, failed } = await byQuestions((name) => ctx.cuts.probe(name, tally));
  report.parents[zone] = { via: 'ns-queries', children: cuts.size, ...(failed ? { failed } : {}) };
  return cuts;
}

async function enumerate(names: string[], probe: (name: string) => Promise<Probe>): Promise<{ cuts: Map<string, Map<string, string[]>>; failed: number }> {
  const cuts = new Map<string, Map<string, string[]>>();
  let failed = 0;
  const results = await mapLimit(names, PROBES_AT_ONCE, probe);
  results.forEach((r, i) => {
    if (r.kind === 'cut') cuts.set(names[i]!, r.ns);
    else if (r.kind === 'failed') failed++;
  });
  return { cuts, failed };
}

/** Breadth first under `ip6.arpa.`: a name that exists and is no cut has its 16 children asked next. */
async function walkNibbles(probe: (name: string) => Promise<Probe>): Promise<{ cuts: Map<string, Map<string, string[]>>; failed: number }> {
  const cuts = new Map<string, Map<string, string[]>>();
  let failed = 0;
  let level = IP6_ALLOCATED.map((n) => `${n}.ip6.arpa.`);
  for (let depth = 1; depth <= IP6_MAX_NIBBLES && level.length > 0; depth++) {
    const results = await mapLimit(level, PROBES_AT_ONCE, probe);
    const next: string[] = [];
    results.forEach((r, i) => {
      const name = level[i]!;
      if (r.kind === 'cut') cuts.set(name, r.ns);
      else if (r.kind === 'exists') for (const n of NIBBLES) next.push(`${n}.${name}`);
      else if (r.kind === 'failed') failed++;
    });
    level = next;
  }
  return { cuts, failed };
}

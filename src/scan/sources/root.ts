/**
 * The root zone: the TLDs and their name servers. From the root zone's text when a
 * root server allowed its transfer; else by asking the root servers for the
 * delegation of each TLD of a list (`--zones`, the fallback). Name servers
 * without glue are resolved from the root. Every other source starts from what
 * this one found, and runs only when a root server answered.
 */
import { delegationsByQuery, delegationsFromZoneText, resolveGlueless, type Delegations, type ResolveReport } from '../discovery.js';
import type { Resolver } from '../resolver.js';
import { untilAborted, type Found } from './source.js';

export interface RootReport {
  /** `root-axfr`, `ns-queries`, or why neither ran. */
  source: string;
  /** The root server the zone came from. */
  rootFrom?: string;
  /** Fallback TLDs the root servers did not delegate. */
  notFound?: string[];
  /** Whether any root server said anything: a transfer, a refusal, an answer to a question. */
  rootAnswered: boolean;
  zonesFound: number;
  resolution: ResolveReport | string;
}

export async function rootSource(
  root: { text: string; from: string } | undefined,
  /** A root server said something while asked for the zone (a refusal counts). */
  answeredTransfer: boolean,
  fallbackZones: readonly string[],
  resolver: Resolver,
  deadline: AbortSignal,
): Promise<{ found: Found; report: RootReport }> {
  let delegations: Delegations;
  let answered = answeredTransfer;
  let head: Pick<RootReport, 'source' | 'rootFrom' | 'notFound'>;
  if (root !== undefined) {
    delegations = delegationsFromZoneText(root.text, '.').delegations;
    head = { source: 'root-axfr', rootFrom: root.from };
  } else if (deadline.aborted) {
    delegations = new Map();
    head = { source: 'none: the deadline passed' };
  } else {
    const byQuery = await untilAborted(delegationsByQuery([...fallbackZones], resolver), deadline, { delegations: new Map(), notFound: [...fallbackZones] });
    delegations = byQuery.delegations;
    head = { source: 'ns-queries', notFound: byQuery.notFound };
    // A delegation found means a root server answered a question.
    if (delegations.size > 0) answered = true;
  }
  const resolution = await untilAborted<ResolveReport | string>(resolveGlueless(delegations, resolver), deadline, 'cut by the deadline');
  return { found: { source: 'root', delegations }, report: { ...head, rootAnswered: answered, zonesFound: delegations.size, resolution } };
}

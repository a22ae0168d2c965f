/**
 * Zones listed by hand (`--zones FILE`, `zonelog.config.json`): each one's
 * delegation asked of the servers from the root down, unless the root zone
 * already delegates it.
 */
import { delegationsByQuery, type Delegations } from '../discovery.js';
import type { Resolver } from '../resolver.js';
import { untilAborted, type Found } from './source.js';

export async function listSource(
  zones: readonly string[],
  rootDelegations: Delegations,
  resolver: Resolver,
  deadline: AbortSignal,
): Promise<{ found: Found; notFound: string[] }> {
  const wanted = zones.filter((z) => !rootDelegations.has(z));
  const extra = await untilAborted(delegationsByQuery(wanted, resolver), deadline, { delegations: new Map(), notFound: wanted });
  return { found: { source: 'list', delegations: extra.delegations }, notFound: extra.notFound };
}

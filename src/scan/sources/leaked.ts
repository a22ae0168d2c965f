/**
 * Below leaked zones: when a small zone allowed transfer in this
 * scan, the zones it delegates are the next ones worth trying (a leaked country
 * TLD names its few domains). A zone counts as small with at most `maxDelegations`
 * delegations (0 turns the source off). Name servers get their addresses from the
 * leaked zone's own glue where it has it, else they are resolved.
 */
import { delegationsFromZoneText, type Delegations } from '../discovery.js';

/** The default largest number of delegations a leaked zone may have for its children to be tried. */
export const DEFAULT_LEAKED_MAX_DELEGATIONS = 100;
/** Rounds at most: children of leaked zones, their own leaked children, and once more. */
export const LEAKED_MAX_ROUNDS = 3;

export type LeakedChildren = { kind: 'children'; delegations: Delegations } | { kind: 'too-many'; delegations: number } | { kind: 'none' };

/** The delegations of one leaked zone (its canonical text), when it has at most `max`. */
export function leakedChildren(text: string, zone: string, max: number): LeakedChildren {
  const { delegations } = delegationsFromZoneText(text, zone);
  if (delegations.size === 0) return { kind: 'none' };
  if (delegations.size > max) return { kind: 'too-many', delegations: delegations.size };
  return { kind: 'children', delegations };
}

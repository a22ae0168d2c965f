/**
 * Below leaked zones: when a small zone allowed transfer in this
 * scan, the zones it delegates are the next ones worth trying (a leaked country
 * TLD names its few domains). A zone counts as small with at most `maxDelegations`
 * delegations (0 turns the source off). Name servers get their addresses from the
 * leaked zone's own glue where it has it, else they are resolved.
 */
import fs from 'node:fs';
import { delegationsFromZoneText, type Delegations } from '../discovery.js';

/** The default largest number of delegations a leaked zone may have for its children to be tried. */
export const DEFAULT_LEAKED_MAX_DELEGATIONS = 100;
/** Rounds at most: children of leaked zones, their own leaked children, and once more. */
export const LEAKED_MAX_ROUNDS = 3;

export type LeakedChildren = { kind: 'children'; delegations: Delegations } | { kind: 'too-many'; atLeast: number } | { kind: 'none' };

/** Bytes read at a time. */
const CHUNK = 1 << 16;

/**
 * The delegations of one leaked zone, from its canonical text in `file`, when it has
 * at most `max`. The text is read a chunk at a time and left as soon as it names more
 * delegations than that: a big zone costs a few lines, not a read of the whole file.
 */
export function leakedChildren(file: string, zone: string, max: number): LeakedChildren {
  const owners = new Set<string>();
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(CHUNK);
  const parts: string[] = [];
  let tail = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      const text = tail + chunk.toString('latin1', 0, n);
      const end = text.lastIndexOf('\n') + 1;
      tail = text.slice(end);
      // Lines are `owner TAB ttl TAB class TAB type TAB rdata`: an NS line whose owner is not the apex is a delegation.
      for (let at = 0; at < end; ) {
        const eol = text.indexOf('\n', at);
        const tab = text.indexOf('\t', at);
        if (tab > 0 && tab < eol && text.startsWith('NS\t', nthTab(text, tab, 2) + 1)) {
          const owner = text.slice(at, tab);
          if (owner !== zone && !owners.has(owner)) {
            owners.add(owner);
            if (owners.size > max) return { kind: 'too-many', atLeast: max + 1 };
          }
        }
        at = eol + 1;
      }
      parts.push(text.slice(0, end));
    }
  } finally {
    fs.closeSync(fd);
  }
  if (owners.size === 0) return { kind: 'none' };
  const { delegations } = delegationsFromZoneText(parts.join('') + tail, zone);
  return { kind: 'children', delegations };
}

/** The position of the `k`-th tab after the one at `tab` (the type field's tab is the third of a line). */
function nthTab(text: string, tab: number, k: number): number {
  let at = tab;
  for (let i = 0; i < k && at >= 0; i++) at = text.indexOf('\t', at + 1);
  return at;
}

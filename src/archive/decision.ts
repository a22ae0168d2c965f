/**
 * What publish decides per zone, and what the archive is written from
 * (docs/architecture.md §7.1, §7.2): the version chosen, the addresses that
 * served it, and whether the evidence says the zone is gone; and the order
 * of addresses in index.json and README.md.
 */
import { normalizeAddress } from '../scan/targets.js';
import type { SourceName } from '../scan/sources/source.js';

/** The version of a zone some addresses served. */
export interface Version {
  serial: number;
  sha256: string;
  /** Absolute path of its canonical text in a results directory. */
  file: string;
  /** The results directory and the file's path in it, for checking it. */
  dir: string;
  rel: string;
  records: number;
  addresses: string[];
}

/** One address that allowed transfer, as index.json keeps it. */
export interface ServingAddress {
  address: string;
  serial: number;
}

export type ZoneDecision =
  | {
      kind: 'transferred';
      zone: string;
      chosen: Version;
      /** Every distinct version seen, newest first; more than one means the servers disagree. */
      versions: Version[];
      serving: ServingAddress[];
      /** Addresses with a definite refusal this scan. */
      refusing: string[];
      /** Addresses whose outcome says nothing (timeouts, unreachable, resets, truncations, skipped). */
      unsure: string[];
      /** Addresses that gave a definite answer other than the zone (a refusal, SERVFAIL …): they no longer allow transfer. */
      answered: string[];
      /** Addresses of the archive's that this scan's discovery no longer lists for the zone. */
      departed: string[];
      /** The name servers' names of each address that allowed transfer (what people know it by). */
      names?: Map<string, string[]>;
      /** The source that found the zone (src/scan/sources/source.ts), when the results say. */
      source?: SourceName;
    }
  | { kind: 'refused'; zone: string; refusing: string[]; answered: number }
  | { kind: 'unknown'; zone: string; refusing: string[]; unsure: string[]; why?: string };

/** IPv4 before IPv6, each in numeric order. */
export function compareAddresses(a: string, b: string): number {
  return Buffer.compare(addressKey(a), addressKey(b));
}

/** Sort keys of the addresses seen so far: a scan has a few thousand, each compared many times. */
const ADDRESS_KEYS = new Map<string, Buffer>();

function addressKey(a: string): Buffer {
  let key = ADDRESS_KEYS.get(a);
  if (!key) ADDRESS_KEYS.set(a, (key = computeAddressKey(a)));
  return key;
}

function computeAddressKey(a: string): Buffer {
  if (a.includes(':')) {
    const full = normalizeAddress(a);
    const [head, tail] = full.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const out = Buffer.alloc(17);
    out[0] = 6;
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), 1 + 2 * i));
    return out;
  }
  return Buffer.from([4, ...a.split('.').map(Number)]);
}

/**
 * Silence and distance in the lab's world (DESIGN §6, §8): the shapes of the real
 * internet that decide how long a scan takes.
 *
 * - Silent addresses, concentrated: a few addresses that never answer AXFR (firewalls
 *   that drop TCP/53, servers that accept and never answer) carry 40 to 60 targets each,
 *   and they hold all the world's silence (by default the mix spreads it thinly over
 *   every address, one zone here and there).
 * - Droppers: servers that drop AXFR silently for every zone they do not allow and
 *   transfer the ones they do.
 * - Latency: every response from an address is delayed by the address's own round-trip
 *   time, drawn once per address.
 *
 * Each is applied to a world whose behaviours are assigned, and is deterministic from
 * the seed.
 */
import type { AxfrBehaviour } from './authserver.js';
import { Rng, hash32 } from './rng.js';
import type { World } from './world.js';

export interface SilenceOptions {
  /**
   * Put the silent targets on a few addresses that never answer: `share` of all TLD
   * targets (default 0.05), on addresses carrying `min` to `max` targets (default 40 to 60).
   * The mix's other silent targets refuse instead.
   */
  silentAddresses?: { share?: number; min?: number; max?: number };
  /** Addresses that drop AXFR silently for the zones they do not allow and answer the others. */
  droppers?: number;
  /** A round-trip time per address, drawn uniformly from min to max ms: every response waits that long. */
  latency?: { min: number; max: number };
}

/** Behaviours that hand out the zone. */
const TRANSFERS = new Set<AxfrBehaviour>(['allow', 'older-serial', 'different-content', 'one-per-message', 'one-message', 'out-of-zone', 'drip']);

export interface Silence {
  behaviours: Map<string, AxfrBehaviour>;
  latency: Map<string, number>;
  /** The addresses made silent and the droppers, for summaries and tests. */
  silentAddresses: string[];
  droppers: string[];
}

/** The world's TLD behaviours reshaped by the options, and the latency of each address. */
export function shapeSilence(world: World, o: SilenceOptions): Silence {
  const rng = new Rng(hash32('silence', world.seed));
  const behaviours = new Map(world.behaviours);
  const byAddress = new Map<string, string[]>();
  for (const key of behaviours.keys()) {
    if (key.startsWith('. ')) continue;
    const address = key.slice(key.indexOf(' ') + 1);
    let l = byAddress.get(address);
    if (!l) byAddress.set(address, (l = []));
    l.push(key);
  }
  const eligible = world.addresses.filter((a) => a.role === 'tld' && !a.closed && a.address !== '::1' && byAddress.has(a.address)).map((a) => a.address);
  const silentAddresses: string[] = [];
  const droppers: string[] = [];

  if (o.silentAddresses) {
    const share = o.silentAddresses.share ?? 0.05;
    const min = o.silentAddresses.min ?? 40;
    const max = o.silentAddresses.max ?? 60;
    let total = 0;
    for (const l of byAddress.values()) total += l.length;
    for (const [k, b] of behaviours) if (b === 'silent' && !k.startsWith('. ')) behaviours.set(k, 'refused');
    const goal = Math.round(share * total);
    let silent = 0;
    for (const a of rng.shuffle(eligible.filter((x) => byAddress.get(x)!.length >= min && byAddress.get(x)!.length <= max))) {
      if (silent >= goal) break;
      // The last one is taken only when it brings the count nearer the goal.
      const n = byAddress.get(a)!.length;
      if (silent + n - goal > goal - silent) break;
      for (const k of byAddress.get(a)!) behaviours.set(k, 'silent');
      silent += n;
      silentAddresses.push(a);
    }
  }

  if (o.droppers) {
    const taken = new Set(silentAddresses);
    const candidates = rng.shuffle(eligible.filter((a) => !taken.has(a) && byAddress.get(a)!.length >= 4));
    for (const a of candidates.slice(0, o.droppers)) {
      const keys = byAddress.get(a)!;
      for (const k of keys) if (!TRANSFERS.has(behaviours.get(k)!)) behaviours.set(k, 'silent');
      // A dropper allows something, or it is only a silent address.
      if (!keys.some((k) => TRANSFERS.has(behaviours.get(k)!))) behaviours.set(keys[rng.int(0, keys.length - 1)]!, 'allow');
      droppers.push(a);
    }
  }

  const latency = new Map<string, number>();
  if (o.latency) {
    const { min, max } = o.latency;
    if (!(min >= 0 && max >= min)) throw new Error(`latency: ${min} to ${max} ms is not a range`);
    const lat = new Rng(hash32('latency', world.seed));
    for (const a of world.addresses) latency.set(a.address, lat.int(min, max));
  }
  return { behaviours, latency, silentAddresses, droppers };
}

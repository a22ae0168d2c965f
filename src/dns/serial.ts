/** RFC 1982 serial number arithmetic, SERIAL_BITS = 32. */

const HALF = 2 ** 31;

/**
 * RFC 1982 §3.2: -1 when a precedes b, 1 when a follows b, 0 when equal, and
 * undefined when they are exactly 2^31 apart (the comparison is not defined).
 */
export function compareSerial(a: number, b: number): -1 | 0 | 1 | undefined {
  if (a === b) return 0;
  const d = (b - a + 2 ** 32) % 2 ** 32;
  if (d === HALF) return undefined;
  return d < HALF ? -1 : 1;
}

/** The greatest serial of a set in RFC 1982 order (ties and undefined pairs broken by the larger number). */
export function newestSerial(serials: number[]): number | undefined {
  let best: number | undefined;
  for (const s of serials) {
    if (best === undefined) best = s;
    else {
      const c = compareSerial(s, best);
      if (c === 1 || (c === undefined && s > best)) best = s;
    }
  }
  return best;
}

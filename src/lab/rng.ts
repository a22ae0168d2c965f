/**
 * Deterministic randomness for the lab: a small seeded PRNG and a hash of mixed
 * values, so that a world is the same on every machine for the same seed.
 * Math.random is never used in the lab.
 */

/** A 32-bit finaliser (murmur3 fmix32): spreads every input bit over the output. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of strings and numbers (FNV-1a over the parts, then mix32). */
export function hash32(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    if (typeof p === 'number') {
      // Numbers: the four bytes of their 32-bit value, and the high part for big ones.
      const lo = p >>> 0;
      const hi = Math.floor(p / 0x100000000) >>> 0;
      for (const v of [lo, hi]) {
        for (let s = 0; s < 32; s += 8) {
          h ^= (v >>> s) & 0xff;
          h = Math.imul(h, 0x01000193);
        }
      }
    } else {
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        h ^= c & 0xff;
        h = Math.imul(h, 0x01000193);
        if (c > 0xff) {
          h ^= c >>> 8;
          h = Math.imul(h, 0x01000193);
        }
      }
    }
    // A separator, so ('ab', 'c') and ('a', 'bc') differ.
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** sfc32: a small, fast generator with a 128-bit state, seeded from a 32-bit seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  float(): number {
    return this.next() / 0x100000000;
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Index chosen with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.next();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }
}

/** Deterministic bytes from a hash of the parts (for keys and digests). */
export function hashBytes(n: number, ...parts: readonly (string | number)[]): Buffer {
  return new Rng(hash32(...parts)).bytes(n);
}

/*
 * Pronounceable labels: syllables of one consonant and one vowel. 16 consonants ×
 * 4 vowels give 64 syllables, so a number written in base 64 is a unique label.
 */
const CONSONANTS = 'bdfghjklmnprstvz';
const VOWELS = 'aeio';
const SYLLABLES: string[] = [];
for (const c of CONSONANTS) for (const v of VOWELS) SYLLABLES.push(c + v);

/** A pronounceable label for n ≥ 0, unique per n, at least `minSyllables` syllables. */
export function syllableLabel(n: number, minSyllables = 1): string {
  let out = '';
  let v = Math.floor(n);
  let count = 0;
  do {
    out = SYLLABLES[v % 64]! + out;
    v = Math.floor(v / 64);
    count++;
  } while (v > 0 || count < minSyllables);
  return out;
}

/** A bijection of 32-bit integers: scatters consecutive numbers over the range. */
export function scatter32(n: number, key: number): number {
  let x = (n ^ key) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

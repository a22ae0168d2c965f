/**
 * Sorting entries through an index: the sort orders a permutation of 0..n-1 by a
 * comparison of entries given by their numbers (sorter.ts: byte-wise, a proper
 * prefix first, of entries held in buffers).
 *
 * A natural merge sort: it finds the ascending runs the input already has, so
 * records that arrive in canonical order (as Knot sends a zone) cost one
 * comparison each, and random input costs O(n log n).
 */

/** Byte-wise comparison of a[aStart..aEnd] and b[bStart..bEnd]; negative, zero or positive. */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  // biome-ignore lint/complexity/useMathMinMax: the innermost comparison of the sort; kept to plain integer code.
  const n = la < lb ? la : lb;
  for (let k = 0; k < n; k++) {
    const x = a[aStart + k]!;
    const y = b[bStart + k]!;
    if (x !== y) return x - y;
  }
  return la - lb;
}

/** Runs shorter than this are extended by insertion sort before merging. */
const MIN_RUN = 32;

/** Returns the numbers 0..n-1 ordered by `cmp` of their entries. Equal entries keep their input order. */
export function sortIndex(n: number, cmp: (i: number, j: number) => number): Uint32Array {
  let src = new Uint32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  if (n < 2) return src;

  // Ascending runs, each at least MIN_RUN long (or to the end).
  const bounds: number[] = [0];
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && cmp(src[j - 1]!, src[j]!) <= 0) j++;
    if (j - i < MIN_RUN && j < n) {
      const stop = Math.min(n, i + MIN_RUN);
      for (; j < stop; j++) {
        const v = src[j]!;
        // Binary search for the place of v in src[i..j): after every entry ≤ v (stable).
        let lo = i;
        let hi = j;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cmp(src[mid]!, v) <= 0) lo = mid + 1;
          else hi = mid;
        }
        for (let k = j; k > lo; k--) src[k] = src[k - 1]!;
        src[lo] = v;
      }
    }
    bounds.push(j);
    i = j;
  }

  // Merge neighbouring runs until one is left.
  let dst = new Uint32Array(n);
  let runs = bounds;
  while (runs.length > 2) {
    const merged: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = runs[r + 1]!;
      const hi = r + 2 < runs.length ? runs[r + 2]! : mid;
      merge(src, dst, lo, mid, hi, cmp);
      merged.push(hi);
    }
    runs = merged;
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

function merge(src: Uint32Array, dst: Uint32Array, lo: number, mid: number, hi: number, cmp: (i: number, j: number) => number): void {
  // Already in order (the common case for nearly sorted input): copy.
  if (mid === hi || cmp(src[mid - 1]!, src[mid]!) <= 0) {
    dst.set(src.subarray(lo, hi), lo);
    return;
  }
  let a = lo;
  let b = mid;
  let o = lo;
  while (a < mid && b < hi) {
    if (cmp(src[a]!, src[b]!) <= 0) dst[o++] = src[a++]!;
    else dst[o++] = src[b++]!;
  }
  while (a < mid) dst[o++] = src[a++]!;
  while (b < hi) dst[o++] = src[b++]!;
}

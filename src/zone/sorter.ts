/**
 * An external sort of (key, value) byte entries: ordered by key bytes, then by
 * value bytes (byte-wise, a proper prefix first), exact duplicates removed.
 *
 * Keys and values are written straight into two large buffers (arenas), outside
 * the JS heap, one entry after the other, and indexed by typed arrays; the sort
 * orders the index. Memory is counted exactly: the bytes of both arenas plus
 * INDEX_BYTES per entry. When that passes the share of the budget held in memory
 * (or all sorters together pass the budget, see heldByAll), the entries are sorted
 * and written to a run file on disk, and the final order is a k-way merge of the runs.
 *
 * Values are kept apart from keys so that when entries arrive in order, as a zone
 * from Knot does, their values come out as one run of bytes to copy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareBytes, sortIndex } from './indexsort.js';

/** Bytes of sort entries held in memory before they spill to sorted runs on disk. */
export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;

/**
 * Entries are held up to half the budget: the other half is for what the process
 * holds besides (messages, output buffers, the runtime itself).
 */
const HELD_SHARE = 0.5;
/** Index bytes per entry: where its key and value start, and the two permutation arrays of the sort. */
const INDEX_BYTES = 16;
const FIRST_INDEX = 1 << 10;
const FIRST_ARENA = 1 << 14;
const SMALL_ARENA = 1 << 20;
const READ_CHUNK = 1 << 20;
/** Entries are indexed by 32-bit offsets: a budget beyond this spills runs of this size. */
const MAX_ARENA = 2 ** 31;
/** Past the budget in all (below), a sorter holding at least this share of its budget spills. */
const MIN_RUN_SHARE = 0.125;

/**
 * Bytes held in memory by all the sorters of the process. The transfers of a scan
 * run side by side: when together they hold more than a budget, each that holds at
 * least MIN_RUN_SHARE of it spills, as when the sorters watched the heap's count,
 * but counted exactly, so that no run is cut tiny.
 */
let heldByAll = 0;

export interface SorterOptions {
  /** Bytes of memory for entries before a run is spilled to disk. */
  memoryBudget: number;
  /** Where run files go; a private folder is made inside it. */
  tmpDir?: string;
}

/**
 * Walks the entries in order, each once: after `next()` returns true the entry's
 * key is keys[keyStart..keyEnd] and its value values[valueStart..valueEnd]. When
 * `stable` (for this entry), those bytes stay where they are until the sorter is
 * disposed; otherwise only until the next call.
 */
export interface EntryCursor {
  next(): boolean;
  stable: boolean;
  keys: Buffer;
  keyStart: number;
  keyEnd: number;
  values: Buffer;
  valueStart: number;
  valueEnd: number;
}

export class ExternalSorter {
  /** Keys and values of the entries held, and how many bytes of each are in use. */
  keys: Buffer = Buffer.alloc(0);
  values: Buffer = Buffer.alloc(0);
  keyEnd = 0;
  valueEnd = 0;
  /** keyStarts[i] is where entry i's key begins; keyStarts[count] === keyEnd. The same for values. */
  private keyStarts = new Uint32Array(FIRST_INDEX + 1);
  private valueStarts = new Uint32Array(FIRST_INDEX + 1);
  private count = 0;
  private total = 0;
  /** Whether the entries held are in order, each greater than the one before (so none is a duplicate). */
  private ordered = true;
  /**
   * Whether every run was in order and begins after the run before ends (and the
   * entries held after the last run): then the runs need no merge, only reading
   * one after the other. `last` holds the last run's last key and value.
   */
  private chained = true;
  private last = Buffer.allocUnsafe(1024);
  private lastKeyLength = 0;
  private lastLength = 0;
  private readonly limit: number;
  private readonly budget: number;
  private readonly minRun: number;
  /** What this sorter has added to heldByAll. */
  private accounted = 0;
  private runDir: string | undefined;
  private runs: string[] = [];

  constructor(private readonly options: SorterOptions) {
    this.limit = Math.max(1, Math.min(MAX_ARENA, Math.floor(options.memoryBudget * HELD_SHARE)));
    this.budget = options.memoryBudget;
    this.minRun = options.memoryBudget * MIN_RUN_SHARE;
  }

  /** Bytes of the values held in memory. */
  get valueBytes(): number {
    return this.valueEnd;
  }

  /** Entries added (duplicates included). */
  get size(): number {
    return this.total;
  }

  get spilledRuns(): number {
    return this.runs.length;
  }

  /**
   * Makes room for an entry of a key of at most `keyMax` bytes and a value of at
   * most `valueMax`, to be written into `keys` at `keyEnd` and `values` at
   * `valueEnd`. May spill the entries held so far, so call it before writing.
   */
  reserve(keyMax: number, valueMax: number): void {
    const held = this.keyEnd + this.valueEnd + keyMax + valueMax + INDEX_BYTES * (this.count + 1);
    const over = held > this.limit || (held > this.minRun && heldByAll + keyMax + valueMax + INDEX_BYTES > this.budget);
    if (!over && this.keyEnd + keyMax <= this.keys.length && this.valueEnd + valueMax <= this.values.length) return;
    if (this.count > 0 && over) this.spill();
    if (this.keyEnd + keyMax > this.keys.length) this.keys = this.grown(this.keys, this.keyEnd, keyMax);
    if (this.valueEnd + valueMax > this.values.length) this.values = this.grown(this.values, this.valueEnd, valueMax);
  }

  /**
   * A bigger arena with the `used` bytes of `buf`, room for `more`. Small arenas double
   * (a small zone never asks for much memory); from SMALL_ARENA on the arena gets the whole
   * share at once: the system backs its pages only as they are written, and nothing is
   * copied again as it fills. Only an entry larger than the share goes past it.
   */
  private grown(buf: Buffer, used: number, more: number): Buffer {
    const size = buf.length < SMALL_ARENA ? Math.min(Math.max(FIRST_ARENA, buf.length * 2), this.limit) : this.limit;
    const bigger = Buffer.allocUnsafe(Math.max(size, used + more));
    buf.copy(bigger, 0, 0, used);
    return bigger;
  }

  /**
   * Ends the entry written up to `keyEnd` in `keys` and `valueEnd` in `values`.
   * It is compared with the entry before it: an exact duplicate of that one is
   * dropped here, and while every entry is greater than the one before, the
   * entries held are known to be in order and need no sort. The caller may say
   * that the first `same` bytes of the key are those of the entry before (when
   * there is one): they are not compared again.
   */
  commit(keyEnd: number, valueEnd: number, same = 0): void {
    const i = this.count;
    this.total++;
    if (i > 0) {
      const keys = this.keys;
      const values = this.values;
      const prev = this.keyStarts[i - 1]!;
      const c = compareEntries(
        keys,
        prev + same,
        this.keyEnd,
        values,
        this.valueStarts[i - 1]!,
        this.valueEnd,
        keys,
        this.keyEnd + same,
        keyEnd,
        values,
        this.valueEnd,
        valueEnd,
      );
      if (c === 0) return;
      if (c > 0) this.ordered = false;
    } else if (this.chained && this.runs.length > 0) {
      const last = this.last;
      const c = compareEntries(
        last,
        0,
        this.lastKeyLength,
        last,
        this.lastKeyLength,
        this.lastLength,
        this.keys,
        this.keyEnd,
        keyEnd,
        this.values,
        this.valueEnd,
        valueEnd,
      );
      if (c === 0) return;
      if (c > 0) this.chained = false;
    }
    if (i + 1 === this.keyStarts.length) {
      this.keyStarts = longer(this.keyStarts);
      this.valueStarts = longer(this.valueStarts);
    }
    this.keyStarts[i] = this.keyEnd;
    this.valueStarts[i] = this.valueEnd;
    this.keyEnd = keyEnd;
    this.valueEnd = valueEnd;
    this.keyStarts[i + 1] = keyEnd;
    this.valueStarts[i + 1] = valueEnd;
    this.count = i + 1;
    const held = keyEnd + valueEnd + INDEX_BYTES * (i + 1);
    heldByAll += held - this.accounted;
    this.accounted = held;
  }

  /** Gives back what this sorter counted in heldByAll. */
  private release(): void {
    heldByAll -= this.accounted;
    this.accounted = 0;
  }

  /** Adds a copy of (key, value). */
  add(key: Uint8Array, value: Uint8Array): void {
    this.reserve(key.length, value.length);
    this.keys.set(key, this.keyEnd);
    this.values.set(value, this.valueEnd);
    this.commit(this.keyEnd + key.length, this.valueEnd + value.length);
  }

  /** The entries in order, each once. Consumes the sorter. */
  sorted(): EntryCursor {
    if (this.runs.length === 0) return this.memoryCursor();
    // Runs that follow each other, then the entries held (a zone from Knot past the budget).
    if (this.chained && this.ordered) return new ChainCursor(this.runs, this.memoryCursor());
    if (this.count > 0) this.spill();
    this.release();
    this.keys = Buffer.alloc(0);
    this.values = Buffer.alloc(0);
    return new MergeCursor(this.runs.map((f) => new RunReader(f)));
  }

  /** Removes run files; safe to call more than once. */
  dispose(): void {
    this.release();
    this.keys = Buffer.alloc(0);
    this.values = Buffer.alloc(0);
    this.keyEnd = 0;
    this.valueEnd = 0;
    this.count = 0;
    if (this.runDir) fs.rmSync(this.runDir, { recursive: true, force: true });
    this.runDir = undefined;
    this.runs = [];
  }

  private memoryCursor(): EntryCursor {
    const keys = this.keys;
    const values = this.values;
    const ks = this.keyStarts;
    const vs = this.valueStarts;
    const n = this.count;
    // Entries that arrived in order (as Knot sends a zone) need neither the sort nor the duplicate check.
    const ordered = this.ordered;
    const order = ordered
      ? undefined
      : sortIndex(n, (i, j) => compareEntries(keys, ks[i]!, ks[i + 1]!, values, vs[i]!, vs[i + 1]!, keys, ks[j]!, ks[j + 1]!, values, vs[j]!, vs[j + 1]!));
    let k = 0;
    let prev = -1;
    const cursor: EntryCursor = {
      stable: true,
      keys,
      keyStart: 0,
      keyEnd: 0,
      values,
      valueStart: 0,
      valueEnd: 0,
      next(): boolean {
        while (k < n) {
          const i = order === undefined ? k++ : order[k++]!;
          const kS = ks[i]!;
          const kE = ks[i + 1]!;
          const vS = vs[i]!;
          const vE = vs[i + 1]!;
          if (!ordered && prev >= 0 && compareEntries(keys, kS, kE, values, vS, vE, keys, ks[prev]!, ks[prev + 1]!, values, vs[prev]!, vs[prev + 1]!) === 0)
            continue;
          prev = i;
          cursor.keyStart = kS;
          cursor.keyEnd = kE;
          cursor.valueStart = vS;
          cursor.valueEnd = vE;
          return true;
        }
        return false;
      },
    };
    return cursor;
  }

  private spill(): void {
    const cursor = this.memoryCursor();
    if (!this.runDir) this.runDir = fs.mkdtempSync(path.join(this.options.tmpDir ?? os.tmpdir(), 'zonelog-sort-'));
    const file = path.join(this.runDir, `run-${this.runs.length}`);
    const fd = fs.openSync(file, 'w');
    try {
      let out = Buffer.allocUnsafe(READ_CHUNK);
      let at = 0;
      while (cursor.next()) {
        const kl = cursor.keyEnd - cursor.keyStart;
        const vl = cursor.valueEnd - cursor.valueStart;
        const need = 8 + kl + vl;
        if (at + need > out.length) {
          fs.writeSync(fd, out, 0, at);
          at = 0;
          if (need > out.length) out = Buffer.allocUnsafe(need);
        }
        out.writeUInt32BE(kl, at);
        out.writeUInt32BE(vl, at + 4);
        cursor.keys.copy(out, at + 8, cursor.keyStart, cursor.keyEnd);
        cursor.values.copy(out, at + 8 + kl, cursor.valueStart, cursor.valueEnd);
        at += need;
      }
      fs.writeSync(fd, out, 0, at);
    } finally {
      fs.closeSync(fd);
    }
    this.runs.push(file);
    if (!this.ordered) this.chained = false;
    else if (this.chained && this.count > 0) {
      // Keep the last entry, to check that the next run begins after it.
      const i = this.count - 1;
      const kl = this.keyStarts[i + 1]! - this.keyStarts[i]!;
      const vl = this.valueStarts[i + 1]! - this.valueStarts[i]!;
      if (kl + vl > this.last.length) this.last = Buffer.allocUnsafe(2 * (kl + vl));
      this.keys.copy(this.last, 0, this.keyStarts[i]!, this.keyStarts[i + 1]!);
      this.values.copy(this.last, kl, this.valueStarts[i]!, this.valueStarts[i + 1]!);
      this.lastKeyLength = kl;
      this.lastLength = kl + vl;
    }
    this.keyEnd = 0;
    this.valueEnd = 0;
    this.count = 0;
    this.ordered = true;
    this.release();
  }
}

/**
 * The order of entries a and b, each a key and a value in byte ranges: by key bytes,
 * then by value bytes (compareBytes). Zero for exact duplicates.
 */
function compareEntries(
  aKeys: Uint8Array,
  aKeyStart: number,
  aKeyEnd: number,
  aValues: Uint8Array,
  aValueStart: number,
  aValueEnd: number,
  bKeys: Uint8Array,
  bKeyStart: number,
  bKeyEnd: number,
  bValues: Uint8Array,
  bValueStart: number,
  bValueEnd: number,
): number {
  return compareBytes(aKeys, aKeyStart, aKeyEnd, bKeys, bKeyStart, bKeyEnd) || compareBytes(aValues, aValueStart, aValueEnd, bValues, bValueStart, bValueEnd);
}

function longer(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Reads the entries of a run file ([u32 key length][u32 value length][key][value], sorted) through one buffer, refilled in place. */
class RunReader {
  private fd: number;
  buf = Buffer.allocUnsafe(READ_CHUNK);
  /** Bytes of `buf` holding data, and the read position in them. */
  private len = 0;
  private at = 0;
  private eof = false;
  /** The current entry: key buf[keyStart..keyEnd], value buf[keyEnd..valueEnd]; or done. */
  keyStart = 0;
  keyEnd = 0;
  valueEnd = 0;
  done = false;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
    this.advance();
  }

  advance(): void {
    if (!this.ensure(8)) return this.close();
    const kl = this.buf.readUInt32BE(this.at);
    const vl = this.buf.readUInt32BE(this.at + 4);
    if (!this.ensure(8 + kl + vl)) throw new Error('sort run file ends inside an entry');
    this.keyStart = this.at + 8;
    this.keyEnd = this.keyStart + kl;
    this.valueEnd = this.keyEnd + vl;
    this.at = this.valueEnd;
  }

  private ensure(n: number): boolean {
    while (this.len - this.at < n) {
      if (this.eof) return false;
      // Move what is left to the front, grow only for an entry larger than the buffer, read into the rest.
      if (this.at > 0) {
        this.buf.copy(this.buf, 0, this.at, this.len);
        this.len -= this.at;
        this.at = 0;
      }
      if (n > this.buf.length) {
        const bigger = Buffer.allocUnsafe(n);
        this.buf.copy(bigger, 0, 0, this.len);
        this.buf = bigger;
      }
      const got = fs.readSync(this.fd, this.buf, this.len, this.buf.length - this.len, null);
      if (got === 0) this.eof = true;
      this.len += got;
    }
    return true;
  }

  private close(): void {
    this.done = true;
    fs.closeSync(this.fd);
  }
}

/** A cursor's current entry: its key and its line, in the buffers that hold them. */
abstract class CursorEntry {
  keys: Buffer = Buffer.alloc(0);
  keyStart = 0;
  keyEnd = 0;
  values: Buffer = Buffer.alloc(0);
  valueStart = 0;
  valueEnd = 0;

  protected pointAt(keys: Buffer, keyStart: number, keyEnd: number, values: Buffer, valueStart: number, valueEnd: number): void {
    this.keys = keys;
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    this.values = values;
    this.valueStart = valueStart;
    this.valueEnd = valueEnd;
  }
}

/** The entries of runs that follow each other, read one run after the other, then those of a memory cursor. */
class ChainCursor extends CursorEntry implements EntryCursor {
  stable = false;
  private reader: RunReader | undefined;
  private nextRun = 0;
  /** Whether the reader's current entry was returned: it moves on at the next call. */
  private returned = false;

  constructor(
    private readonly runs: string[],
    private readonly rest: EntryCursor,
  ) {
    super();
  }

  next(): boolean {
    for (;;) {
      const r = this.reader;
      if (r) {
        if (this.returned) r.advance();
        this.returned = false;
        if (!r.done) {
          this.pointAt(r.buf, r.keyStart, r.keyEnd, r.buf, r.keyEnd, r.valueEnd);
          this.returned = true;
          return true;
        }
        this.reader = undefined;
      }
      if (this.nextRun === this.runs.length) break;
      this.reader = new RunReader(this.runs[this.nextRun++]!);
    }
    const c = this.rest;
    if (!c.next()) return false;
    this.stable = true;
    this.pointAt(c.keys, c.keyStart, c.keyEnd, c.values, c.valueStart, c.valueEnd);
    return true;
  }
}

/** The order of two run readers' current entries. */
function compareReaders(a: RunReader, b: RunReader): number {
  return compareEntries(a.buf, a.keyStart, a.keyEnd, a.buf, a.keyEnd, a.valueEnd, b.buf, b.keyStart, b.keyEnd, b.buf, b.keyEnd, b.valueEnd);
}

/** k-way merge over a binary heap of run readers, dropping duplicates across runs. */
class MergeCursor extends CursorEntry implements EntryCursor {
  readonly stable = false;
  private heap: RunReader[];
  /** A copy of the entry returned last (its reader's buffer moves on), to drop its duplicates. */
  private prev = Buffer.allocUnsafe(4096);
  private prevKey = -1;
  private prevLength = 0;
  /** The reader whose entry was returned last, advanced at the next call. */
  private pending: RunReader | undefined;

  constructor(readers: RunReader[]) {
    super();
    this.heap = readers.filter((r) => !r.done);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  next(): boolean {
    const heap = this.heap;
    if (this.pending) {
      const r = this.pending;
      this.pending = undefined;
      const len = r.valueEnd - r.keyStart;
      if (len > this.prev.length) this.prev = Buffer.allocUnsafe(len * 2);
      r.buf.copy(this.prev, 0, r.keyStart, r.valueEnd);
      this.prevKey = r.keyEnd - r.keyStart;
      this.prevLength = len;
      this.advanceTop();
    }
    while (heap.length > 0) {
      const top = heap[0]!;
      if (
        this.prevKey >= 0 &&
        compareEntries(
          top.buf,
          top.keyStart,
          top.keyEnd,
          top.buf,
          top.keyEnd,
          top.valueEnd,
          this.prev,
          0,
          this.prevKey,
          this.prev,
          this.prevKey,
          this.prevLength,
        ) === 0
      ) {
        this.advanceTop();
        continue;
      }
      this.pointAt(top.buf, top.keyStart, top.keyEnd, top.buf, top.keyEnd, top.valueEnd);
      this.pending = top;
      return true;
    }
    return false;
  }

  private advanceTop(): void {
    const heap = this.heap;
    const top = heap[0]!;
    top.advance();
    if (top.done) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) this.down(0);
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && compareReaders(heap[l]!, heap[m]!) < 0) m = l;
      if (r < heap.length && compareReaders(heap[r]!, heap[m]!) < 0) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  }
}

// src/zone/sorter.ts as it was before entries were held off the heap (git 78b8cfa): the sorter of reference-canonical.ts.
/**
 * An external sort of byte strings (held as latin1 JS strings, so that plain string
 * comparison is byte-wise comparison) with exact duplicates removed.
 *
 * Entries stay in memory until their estimated size passes the memory budget; then
 * they are sorted and written to a run file on disk, and the final order is a k-way
 * merge of the runs. Memory is bounded by the budget plus one read buffer per run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

/** Estimated heap cost of one entry beyond its characters (string header, array slot). */
const ENTRY_OVERHEAD = 40;
/**
 * Entries are held up to half the budget: the other half is for what the heap holds
 * besides (the previous run waiting to be collected, the sort's scratch, messages).
 * The heap's own count is checked too, every CHECK_EVERY entries, since garbage the
 * collector has not reached yet counts against the budget as much as live entries.
 */
const HELD_SHARE = 0.5;
const CHECK_EVERY = 8192;
/** The heap's count may cut a run short, but never below this share of the budget (garbage alone must not make tiny runs). */
const MIN_RUN_SHARE = 0.125;
const READ_CHUNK = 1 << 20;

export interface SorterOptions {
  /** Bytes of entries to hold in memory before spilling a run to disk. */
  memoryBudget: number;
  /** Where run files go; a private folder is made inside it. */
  tmpDir?: string;
}

export class ExternalSorter {
  private entries: string[] = [];
  private held = 0;
  private runDir: string | undefined;
  private runs: string[] = [];
  private count = 0;

  constructor(private readonly options: SorterOptions) {}

  get size(): number {
    return this.count;
  }

  get spilledRuns(): number {
    return this.runs.length;
  }

  add(entry: string): void {
    this.entries.push(entry);
    this.count++;
    this.held += entry.length + ENTRY_OVERHEAD;
    const budget = this.options.memoryBudget;
    if (this.held >= budget * HELD_SHARE) this.spill();
    else if (this.held >= budget * MIN_RUN_SHARE && this.count % CHECK_EVERY === 0 && v8.getHeapStatistics().used_heap_size >= budget) this.spill();
  }

  /** The entries in order, each once. Consumes the sorter. */
  *sorted(): Generator<string> {
    if (this.runs.length === 0) {
      const list = this.entries;
      this.entries = [];
      list.sort(); // strings in UTF-16 code unit order: byte order for latin1 (no JS comparator: much faster)
      let prev: string | undefined;
      for (const e of list) {
        if (e !== prev) yield e;
        prev = e;
      }
      return;
    }
    if (this.entries.length > 0) this.spill();
    yield* mergeRuns(this.runs.map((f) => new RunReader(f)));
  }

  /** Removes run files; safe to call more than once. */
  dispose(): void {
    this.entries = [];
    if (this.runDir) fs.rmSync(this.runDir, { recursive: true, force: true });
    this.runDir = undefined;
    this.runs = [];
  }

  private spill(): void {
    const list = this.entries;
    this.entries = [];
    this.held = 0;
    list.sort();
    if (!this.runDir) this.runDir = fs.mkdtempSync(path.join(this.options.tmpDir ?? os.tmpdir(), 'zonelog-sort-'));
    const file = path.join(this.runDir, `run-${this.runs.length}`);
    const fd = fs.openSync(file, 'w');
    try {
      let buf = Buffer.allocUnsafe(READ_CHUNK);
      let at = 0;
      let prev: string | undefined;
      for (const e of list) {
        if (e === prev) continue;
        prev = e;
        const need = 4 + e.length;
        if (at + need > buf.length) {
          fs.writeSync(fd, buf, 0, at);
          at = 0;
          if (need > buf.length) buf = Buffer.allocUnsafe(need);
        }
        buf.writeUInt32BE(e.length, at);
        buf.write(e, at + 4, 'latin1');
        at += need;
      }
      fs.writeSync(fd, buf, 0, at);
    } finally {
      fs.closeSync(fd);
    }
    this.runs.push(file);
  }
}

/** Reads length-prefixed entries from a run file through one buffer, refilled in place. */
class RunReader {
  private fd: number;
  private buf = Buffer.allocUnsafe(READ_CHUNK);
  /** Bytes of `buf` holding data, and the read position in them. */
  private len = 0;
  private at = 0;
  private eof = false;
  current: string | undefined;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
    this.advance();
  }

  advance(): void {
    if (!this.ensure(4)) return this.close();
    const len = this.buf.readUInt32BE(this.at);
    if (!this.ensure(4 + len)) throw new Error('sort run file ends inside an entry');
    this.current = this.buf.toString('latin1', this.at + 4, this.at + 4 + len);
    this.at += 4 + len;
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
    this.current = undefined;
    fs.closeSync(this.fd);
  }
}

/** k-way merge over a binary heap of run readers, dropping duplicates across runs. */
function* mergeRuns(readers: RunReader[]): Generator<string> {
  const heap = readers.filter((r) => r.current !== undefined);
  const less = (i: number, j: number) => heap[i]!.current! < heap[j]!.current!;
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  let prev: string | undefined;
  while (heap.length > 0) {
    const top = heap[0]!;
    const e = top.current!;
    if (e !== prev) yield e;
    prev = e;
    top.advance();
    if (top.current === undefined) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) down(0);
  }
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExternalSorter } from '../../src/zone/sorter.js';
import { compareBytes, sortIndex } from '../../src/zone/indexsort.js';

type Entry = [Buffer, Buffer];

/** The order the sorter promises: key bytes, then value bytes, each exact duplicate once. */
function expected(entries: Entry[]): string[] {
  const seen = new Set<string>();
  const out: Entry[] = [];
  for (const e of entries) {
    const id = e[0].toString('hex') + '/' + e[1].toString('hex');
    if (!seen.has(id)) {
      seen.add(id);
      out.push(e);
    }
  }
  out.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]));
  return out.map((e) => e[0].toString('hex') + '/' + e[1].toString('hex'));
}

function drain(s: ExternalSorter): string[] {
  const out: string[] = [];
  const c = s.sorted();
  while (c.next()) out.push(c.keys.toString('hex', c.keyStart, c.keyEnd) + '/' + c.values.toString('hex', c.valueStart, c.valueEnd));
  return out;
}

const bytes = fc.array(fc.constantFrom(0, 1, 2, 0x61, 0x62, 0xff), { maxLength: 5 }).map((a) => Buffer.from(a));
const entry = fc.tuple(bytes, bytes);

describe('external sorter', () => {
  it('orders by key then value and drops exact duplicates, in memory and across spilled runs (property)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sorter-test-'));
    try {
      fc.assert(
        fc.property(
          fc.array(entry, { maxLength: 300 }),
          fc.constantFrom(1, 64, 400, 4000, 1 << 30),
          fc.boolean(),
          fc.nat({ max: 7 }),
          (entries, budget, presorted, again) => {
            // Presorted input with nothing added again stays in order across runs (read one after the other, no merge).
            const list = presorted ? [...entries].sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1])) : entries;
            const s = new ExternalSorter({ memoryBudget: budget, tmpDir: tmp });
            for (const [k, v] of [...list, ...list.slice(0, again)]) s.add(k, v);
            expect(s.size).toBe(list.length + Math.min(again, list.length));
            if (budget === 1 << 30) expect(s.spilledRuns).toBe(0);
            expect(drain(s)).toEqual(expected(list));
            s.dispose();
          },
        ),
        { numRuns: 400 },
      );
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("gives the same order when told how many key bytes equal the entry before's (property)", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 200 }), fc.constantFrom(64, 1 << 30), (entries, budget) => {
        const s = new ExternalSorter({ memoryBudget: budget });
        let prev: Buffer | undefined;
        for (const [k, v] of entries) {
          s.reserve(k.length, v.length);
          s.keys.set(k, s.keyEnd);
          s.values.set(v, s.valueEnd);
          let same = 0;
          if (prev) while (same < k.length && same < prev.length && k[same] === prev[same]) same++;
          // After a spill there is no entry before: what the caller says must not matter then.
          s.commit(s.keyEnd + k.length, s.valueEnd + v.length, same);
          prev = k;
        }
        expect(drain(s)).toEqual(expected(entries));
        s.dispose();
      }),
      { numRuns: 300 },
    );
  });

  it('spills when the sorters of the process together pass the budget, never a run below an eighth of it', () => {
    const budget = 100_000;
    const fill = (sorters: ExternalSorter[], perSorter: number) => {
      for (let i = 0; i < perSorter; i++) for (const s of sorters) s.add(Buffer.from(`k${i}`), Buffer.alloc(1000, i));
    };
    const alone = new ExternalSorter({ memoryBudget: budget });
    fill([alone], 40);
    expect(alone.spilledRuns).toBe(0);
    alone.dispose();
    const three = [0, 1, 2].map(() => new ExternalSorter({ memoryBudget: budget }));
    fill(three, 40);
    expect(three.map((s) => s.spilledRuns).reduce((a, b) => a + b)).toBeGreaterThan(0);
    for (const s of three) expect(s.spilledRuns).toBeLessThanOrEqual(40 / 12);
    for (const s of three) {
      expect(drain(s)).toHaveLength(40);
      s.dispose();
    }
    // Once they are gone, a sorter alone has its whole share again.
    const after = new ExternalSorter({ memoryBudget: budget });
    fill([after], 40);
    expect(after.spilledRuns).toBe(0);
    after.dispose();
  });

  it('keeps an entry larger than its whole budget', () => {
    const s = new ExternalSorter({ memoryBudget: 100 });
    const big = Buffer.alloc(10_000, 7);
    s.add(Buffer.from([2]), big);
    s.add(Buffer.from([1]), Buffer.from([1]));
    s.add(Buffer.from([3]), big);
    expect(s.spilledRuns).toBe(2);
    const got = drain(s);
    expect(got.map((g) => g.slice(0, 2))).toEqual(['01', '02', '03']);
    expect(got[1]!.length).toBe(3 + 20_000);
    s.dispose();
  });
});

describe('index sort', () => {
  it('sorts stably, with runs, reversed runs and random input alike (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 500 }), fc.constantFrom('random', 'sorted', 'reversed', 'blocks'), (values, shape) => {
        let v = values;
        if (shape === 'sorted') v = [...values].sort((a, b) => a - b);
        if (shape === 'reversed') v = [...values].sort((a, b) => b - a);
        if (shape === 'blocks') v = [...values].sort((a, b) => (a % 7) - (b % 7));
        const order = sortIndex(v.length, (i, j) => v[i]! - v[j]!);
        const want = v
          .map((x, i) => [x, i] as const)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1])
          .map((p) => p[1]);
        expect([...order]).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('compares bytes with a proper prefix first', () => {
    const a = Buffer.from([1, 2, 3]);
    expect(compareBytes(a, 0, 2, a, 0, 3)).toBeLessThan(0);
    expect(compareBytes(a, 1, 3, a, 0, 3)).toBeGreaterThan(0);
    expect(compareBytes(a, 0, 3, Buffer.from([0, 1, 2, 3]), 1, 4)).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { schedule } from '../../src/scan/scheduler.js';

interface Item { id: number; address: string }
type Res = 'ok' | 'timeout' | 'refused';

describe('scheduler', () => {
  it('never runs more than perAddress at once per address, nor more than concurrency in all', async () => {
    const items: Item[] = Array.from({ length: 60 }, (_, i) => ({ id: i, address: `a${i % 4}` }));
    const active = new Map<string, number>();
    let running = 0;
    let peakAll = 0;
    const peak = new Map<string, number>();
    const done: number[] = [];
    await schedule<Item, Res>(items, {
      concurrency: 5,
      perAddress: 2,
      addressOf: (t) => t.address,
      run: async (t) => {
        running++;
        active.set(t.address, (active.get(t.address) ?? 0) + 1);
        peakAll = Math.max(peakAll, running);
        peak.set(t.address, Math.max(peak.get(t.address) ?? 0, active.get(t.address)!));
        await new Promise((r) => setTimeout(r, 1 + (t.id % 3)));
        running--;
        active.set(t.address, active.get(t.address)! - 1);
        return 'ok';
      },
      transient: (r) => r === 'timeout',
      done: (t) => void done.push(t.id),
      skipped: () => { throw new Error('nothing should be skipped'); },
    });
    expect(done.sort((a, b) => a - b)).toEqual(items.map((i) => i.id));
    expect(peakAll).toBeLessThanOrEqual(5);
    for (const p of peak.values()) expect(p).toBeLessThanOrEqual(2);
    expect(Math.max(...peak.values())).toBe(2);
  });

  it('retries transient failures once, never refusals', async () => {
    const runs = new Map<number, number>();
    const final = new Map<number, [Res, number]>();
    const items: Item[] = [{ id: 1, address: 'x' }, { id: 2, address: 'x' }, { id: 3, address: 'y' }];
    await schedule<Item, Res>(items, {
      concurrency: 4,
      perAddress: 1,
      backoffMs: 1,
      addressOf: (t) => t.address,
      run: async (t, attempt) => {
        runs.set(t.id, (runs.get(t.id) ?? 0) + 1);
        if (t.id === 1) return 'timeout';
        if (t.id === 2) return 'refused';
        return attempt === 1 ? 'timeout' : 'ok';
      },
      transient: (r) => r === 'timeout',
      done: (t, r, attempts) => void final.set(t.id, [r, attempts]),
      skipped: () => { throw new Error('nothing should be skipped'); },
    });
    expect(runs.get(1)).toBe(2);
    expect(runs.get(2)).toBe(1);
    expect(runs.get(3)).toBe(2);
    expect(final.get(1)).toEqual(['timeout', 2]);
    expect(final.get(2)).toEqual(['refused', 1]);
    expect(final.get(3)).toEqual(['ok', 2]);
  });

  it('skips what is left when the deadline has passed, and still reports every item', async () => {
    const items: Item[] = Array.from({ length: 10 }, (_, i) => ({ id: i, address: 'one' }));
    const done: number[] = [];
    const skipped: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = schedule<Item, Res>(items, {
      concurrency: 10,
      perAddress: 1,
      deadline: Date.now() + 50,
      addressOf: (t) => t.address,
      run: async () => {
        await gate;
        return 'ok';
      },
      transient: () => false,
      done: (t) => void done.push(t.id),
      skipped: (t, last, attempts) => {
        expect(last).toBeUndefined();
        expect(attempts).toBe(0);
        skipped.push(t.id);
      },
    });
    setTimeout(release, 120);
    await p;
    expect(done).toEqual([0]);
    expect(skipped.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('serves the address with the most work left first, and asks the item whether its failure is worth a retry', async () => {
    const items: Item[] = [
      { id: 1, address: 'small' }, { id: 2, address: 'small' },
      ...Array.from({ length: 6 }, (_, i) => ({ id: 10 + i, address: 'busy' })),
      { id: 3, address: 'other' },
    ];
    const order: number[] = [];
    const asked: number[] = [];
    await schedule<Item, Res>(items, {
      concurrency: 1,
      perAddress: 1,
      backoffMs: 1,
      addressOf: (t) => t.address,
      run: async (t) => {
        order.push(t.id);
        return t.id === 3 ? 'timeout' : 'ok';
      },
      transient: (_r, t) => {
        asked.push(t.id);
        return false;
      },
      done: () => {},
      skipped: () => {},
    });
    // the busy address goes first until its queue is no longer the longest
    expect(order.slice(0, 4)).toEqual([10, 11, 12, 13]);
    expect(order).toHaveLength(9);
    expect(asked).toContain(3);
  });

  it('serves addresses in turn: a slow address does not hold up the others', async () => {
    const items: Item[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ id: i, address: 'slow' })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: 10 + i, address: 'fast' })),
    ];
    const order: number[] = [];
    await schedule<Item, Res>(items, {
      concurrency: 2,
      perAddress: 1,
      addressOf: (t) => t.address,
      run: async (t) => {
        order.push(t.id);
        await new Promise((r) => setTimeout(r, t.address === 'slow' ? 30 : 1));
        return 'ok';
      },
      transient: () => false,
      done: () => {},
      skipped: () => {},
    });
    // every fast item starts before the second slow one
    const secondSlow = order.indexOf(1);
    for (let i = 10; i < 15; i++) expect(order.indexOf(i)).toBeLessThan(secondSlow);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { schedule, startSchedule, type Attempt, type SchedulerOptions } from '../../src/scan/scheduler.js';

interface Item {
  id: number;
  address: string;
}
/** What a fake server does with one item: answer (ok, refused, reset) after a delay, or say nothing. */
type Kind = 'ok' | 'refused' | 'reset' | 'silent';
type Res = 'ok' | 'refused' | 'reset' | 'timeout' | 'aborted';

interface Tried {
  id: number;
  address: string;
  number: number;
  short: boolean;
  result?: Res;
}

/**
 * Fake transfers: an item's server answers after `delayMs` (calling firstByte first)
 * or stays silent until the attempt's timeout: the short one when the scheduler gives
 * it, else `fullMs`. The deadline signal ends an attempt at once with `aborted`.
 * It records every attempt, and per address the attempts in flight and the ones the
 * server is answering (not silent) at the same time.
 */
function fakeNet(kindOf: (t: Item) => Kind, o: { delayMs?: (t: Item) => number; fullMs?: number } = {}) {
  const tried: Tried[] = [];
  const open = new Map<string, number>();
  const answering = new Map<string, number>();
  const peakOpen = new Map<string, number>();
  const peakAnswering = new Map<string, number>();
  const bump = (m: Map<string, number>, peak: Map<string, number> | undefined, a: string, d: number) => {
    m.set(a, (m.get(a) ?? 0) + d);
    if (peak) peak.set(a, Math.max(peak.get(a) ?? 0, m.get(a)!));
  };
  const run = (t: Item, a: Attempt): Promise<Res> => {
    const rec: Tried = { id: t.id, address: t.address, number: a.number, short: a.firstByteTimeoutMs !== undefined };
    tried.push(rec);
    const kind = kindOf(t);
    bump(open, peakOpen, t.address, 1);
    if (kind !== 'silent') bump(answering, peakAnswering, t.address, 1);
    return new Promise<Res>((resolve) => {
      let timer: NodeJS.Timeout;
      const end = (r: Res) => {
        clearTimeout(timer);
        a.signal.removeEventListener('abort', onAbort);
        bump(open, undefined, t.address, -1);
        if (kind !== 'silent') bump(answering, undefined, t.address, -1);
        rec.result = r;
        resolve(r);
      };
      const onAbort = () => end('aborted');
      a.signal.addEventListener('abort', onAbort);
      if (kind === 'silent') timer = setTimeout(() => end('timeout'), a.firstByteTimeoutMs ?? o.fullMs ?? 150);
      else {
        const delay = o.delayMs?.(t) ?? 1 + (t.id % 3);
        if (a.firstByteTimeoutMs !== undefined && delay > a.firstByteTimeoutMs) timer = setTimeout(() => end('timeout'), a.firstByteTimeoutMs);
        else
          timer = setTimeout(() => {
            a.firstByte();
            end(kind);
          }, delay);
      }
    });
  };
  return { tried, run, peakOpen, peakAnswering };
}

function options(
  net: ReturnType<typeof fakeNet>,
  final: Map<number, [Res | undefined, number, 'done' | 'skipped']>,
  extra: Partial<SchedulerOptions<Item, Res>> = {},
): SchedulerOptions<Item, Res> {
  return {
    concurrency: 64,
    perAddress: 2,
    shortTimeoutMs: 20,
    backoffMs: 1,
    addressOf: (t) => t.address,
    run: net.run,
    answered: (r) => r !== 'timeout' && r !== 'aborted',
    silent: (r) => r === 'timeout',
    transient: (r) => r === 'reset',
    done: (t, r, n) => {
      expect(final.has(t.id)).toBe(false);
      final.set(t.id, [r, n, 'done']);
    },
    skipped: (t, r, n) => {
      expect(final.has(t.id)).toBe(false);
      final.set(t.id, [r, n, 'skipped']);
    },
    ...extra,
  };
}

const items = (address: string, n: number, from = 0): Item[] => Array.from({ length: n }, (_, i) => ({ id: from + i, address }));

describe('scheduler', () => {
  it('never runs more than perAddress at once at an address that answers, nor more than concurrency in all', async () => {
    const all = [0, 1, 2, 3].flatMap((a) => items(`a${a}`, 15, a * 100));
    const net = fakeNet(() => 'ok');
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    let running = 0;
    let peakAll = 0;
    await schedule<Item, Res>(
      all,
      options(net, final, {
        concurrency: 5,
        run: async (t, a) => {
          peakAll = Math.max(peakAll, ++running);
          try {
            return await net.run(t, a);
          } finally {
            running--;
          }
        },
      }),
    );
    expect([...final.keys()].sort((a, b) => a - b)).toEqual(all.map((i) => i.id));
    expect(peakAll).toBeLessThanOrEqual(5);
    for (const p of net.peakOpen.values()) expect(p).toBeLessThanOrEqual(2);
    expect(Math.max(...net.peakOpen.values())).toBe(2);
  });

  it('an address that never answers: one probe with the full timeout, the rest short, more at once, no retries', async () => {
    const all = [...items('dead', 40), ...items('live', 10, 100)];
    const net = fakeNet((t) => (t.address === 'dead' ? 'silent' : 'refused'));
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    await schedule<Item, Res>(all, options(net, final));
    const dead = net.tried.filter((x) => x.address === 'dead');
    // every target tried once: no retries of silence
    expect(dead).toHaveLength(40);
    expect(new Set(dead.map((x) => x.id)).size).toBe(40);
    expect(dead.filter((x) => !x.short)).toHaveLength(1);
    expect(dead[0]!.short).toBe(false);
    // more parallelism than --per-address once it has been silent
    expect(net.peakOpen.get('dead')).toBeGreaterThan(2);
    expect(net.peakOpen.get('dead')).toBeLessThanOrEqual(16);
    for (const t of items('dead', 40)) expect(final.get(t.id)).toEqual(['timeout', 1, 'done']);
    // the address that answers: full timeouts, two at a time, refusals never retried
    const live = net.tried.filter((x) => x.address === 'live');
    expect(live).toHaveLength(10);
    // (the first two start together: the probe, and one short attempt before anything was heard)
    expect(live.slice(2).every((x) => !x.short)).toBe(true);
    expect(net.peakOpen.get('live')).toBeLessThanOrEqual(2);
    for (const t of items('live', 10, 100)) expect(final.get(t.id)).toEqual(['refused', 1, 'done']);
  });

  it('never misses a transfer: a server that drops the zones it does not allow gives the allowed one, and every dropped one waits the full timeout', async () => {
    // The allowed zone comes last in the queue: by then several dropped ones have had only a short silence.
    const all = items('dropper', 12);
    const net = fakeNet((t) => (t.id === 11 ? 'ok' : 'silent'));
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    await schedule<Item, Res>(all, options(net, final, { parkedPerAddress: 4 }));
    expect(final.get(11)).toEqual(['ok', 1, 'done']);
    for (let id = 0; id < 11; id++) {
      const attempts = net.tried.filter((x) => x.id === id);
      // the last attempt of every dropped zone had the full timeout; a short silence was tried again once
      expect(attempts[attempts.length - 1]!.short, `item ${id}`).toBe(false);
      expect(attempts.length).toBeLessThanOrEqual(2);
      expect(final.get(id)).toEqual(['timeout', attempts.length, 'done']);
    }
    expect(net.tried.some((x) => x.short)).toBe(true);
    // silent waits were parked: more open at once than --per-address, never more than 2 answered at once
    expect(net.peakOpen.get('dropper')).toBeGreaterThan(2);
    expect(net.peakAnswering.get('dropper') ?? 0).toBeLessThanOrEqual(2);
  });

  it('a slow server (every answer later than the short timeout) is found by its probe, and its targets are tried in full', async () => {
    const all = items('slow', 8);
    const net = fakeNet(() => 'refused', { delayMs: () => 60 });
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    await schedule<Item, Res>(all, options(net, final));
    for (const t of all) expect(final.get(t.id)?.[0]).toBe('refused');
    expect(net.tried.filter((x) => x.short && x.result === 'timeout').length).toBeGreaterThan(0);
  });

  it('retries a reset once at an address that answers, never a refusal nor a timeout', async () => {
    const all = [
      { id: 1, address: 'x' },
      { id: 2, address: 'x' },
      { id: 3, address: 'x' },
      { id: 4, address: 'x' },
    ];
    const kinds: Record<number, Kind> = { 1: 'reset', 2: 'refused', 3: 'silent', 4: 'ok' };
    const net = fakeNet((t) => kinds[t.id]!, { fullMs: 30 });
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    await schedule<Item, Res>(all, options(net, final, { perAddress: 1, parkedPerAddress: 0 }));
    expect(final.get(1)).toEqual(['reset', 2, 'done']);
    expect(final.get(2)).toEqual(['refused', 1, 'done']);
    expect(final.get(3)?.[0]).toBe('timeout');
    expect(net.tried.filter((x) => x.id === 3 && !x.short)).toHaveLength(1);
    expect(final.get(4)).toEqual(['ok', 1, 'done']);
  });

  it('at the deadline cuts the attempts in flight and skips the rest, reporting every item once', async () => {
    const all = items('one', 10);
    const net = fakeNet(() => 'ok', { delayMs: () => 10_000 });
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 50);
    await schedule<Item, Res>(all, options(net, final, { signal: deadline.signal, shortTimeoutMs: 20_000 }));
    expect(final.size).toBe(10);
    const cut = [...final.values()].filter(([r]) => r === 'aborted');
    expect(cut.length).toBe(net.tried.length);
    expect(cut.length).toBeGreaterThan(0);
    for (const [, n, how] of cut) expect([n, how]).toEqual([1, 'skipped']);
    for (const [r, n, how] of [...final.values()].filter(([r]) => r !== 'aborted')) expect([r, n, how]).toEqual([undefined, 0, 'skipped']);
  });

  it('serves the address with the most work left first', async () => {
    const all = [...items('small', 2, 1), ...items('busy', 6, 10), { id: 3, address: 'other' }];
    const net = fakeNet(() => 'refused');
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    await schedule<Item, Res>(all, options(net, final, { concurrency: 1, perAddress: 1 }));
    expect(net.tried.slice(0, 4).map((x) => x.id)).toEqual([10, 11, 12, 13]);
    expect(final.size).toBe(9);
  });

  it('takes items while it runs, serves the ones added first before any queue, and ends only when closed', async () => {
    const net = fakeNet(() => 'refused', { delayMs: () => 5 });
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    const s = startSchedule<Item, Res>(options(net, final, { concurrency: 1, perAddress: 1 }));
    let ended = false;
    void s.done.then(() => (ended = true));
    s.add(items('busy', 5, 10));
    // Discovery waits for this one: it goes before the busy address's queue, though that is longer.
    s.add([{ id: 1, address: 'lone' }], true);
    await vi.waitFor(() => expect(final.size).toBe(6), { timeout: 10_000 });
    // Everything added is done, but it is not closed: it waits for more.
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(false);
    s.add(items('late', 2, 20));
    s.close();
    await s.done;
    expect(final.size).toBe(8);
    // The first busy item had already started; the urgent one came right after it.
    expect(net.tried.slice(0, 2).map((x) => x.id)).toEqual([10, 1]);
    expect(net.tried.slice(-2).map((x) => x.id)).toEqual([20, 21]);
  });

  it('a wait without a byte gives back its slot of the global limit, not its address', async () => {
    // One slot in all. The silent address has the longer queue, so its probe starts first and waits its full timeout.
    const all = [...items('silent', 3, 1), ...items('answers', 2, 10)];
    const net = fakeNet((t) => (t.address === 'silent' ? 'silent' : 'refused'), { fullMs: 1000 });
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    const order: number[] = [];
    const o = options(net, final, { concurrency: 1, perAddress: 1, shortTimeoutMs: 1000 });
    const done = o.done;
    const recordOrder: SchedulerOptions<Item, Res>['done'] = (t, r, n) => {
      order.push(t.id);
      return done(t, r, n);
    };
    await schedule<Item, Res>(all, { ...o, done: recordOrder });
    expect(net.tried[0]!.id).toBe(1);
    // The other address's work ran while the probe waited, not after it.
    expect(order.slice(0, 2)).toEqual([10, 11]);
    // The silent address never had two at once.
    expect(net.peakOpen.get('silent')).toBe(1);
  });

  it('skips at once what is added after the deadline', async () => {
    const deadline = new AbortController();
    const net = fakeNet(() => 'refused');
    const final = new Map<number, [Res | undefined, number, 'done' | 'skipped']>();
    const s = startSchedule<Item, Res>(options(net, final, { signal: deadline.signal }));
    deadline.abort();
    s.add(items('a', 3));
    s.close();
    await s.done;
    expect(net.tried).toEqual([]);
    expect([...final.values()]).toEqual([
      [undefined, 0, 'skipped'],
      [undefined, 0, 'skipped'],
      [undefined, 0, 'skipped'],
    ]);
  });
});

/**
 * Runs transfers politely and fast (docs/architecture.md §6.3), learning per address during the scan.
 *
 * - At most `concurrency` attempts hold a slot at once in all, the address with the
 *   most work left served first (the busiest address bounds the scan's length).
 * - An address that has answered (any DNS message, a refused or reset connection)
 *   gets at most `perAddress` attempts at once, each with the full timeouts; a
 *   failure worth it (`transient`) is tried once more after a backoff, a refusal never.
 * - An address that has not answered yet gets short first-byte timeouts, no retries,
 *   and more parallelism the more it stays silent (`perAddress` doubled for every
 *   2 × `perAddress` silences, up to `silentParallelism`); its first attempt (the probe)
 *   waits the full timeout, so a slow server is not taken for a silent one.
 * - Never miss a transfer: a target that got only a short silence is tried again with
 *   the full timeout as soon as its address answers anything (a server that drops
 *   AXFR for the zones it does not allow and answers the others). Only when the
 *   address never answered, probe included, does the short silence stand.
 * - At an address that answers and has dropped a query (a full wait, or a short one
 *   before its first answer, ended in silence),
 *   a full attempt that has had no byte for a window learnt from the address (3 × the
 *   median of its first bytes, at least MIN_WINDOW_MS) waits on without a slot
 *   (parked, at most `parkedPerAddress` per address): a query the server drops costs it
 *   no work, and must not hold up the zones it answers. A parked attempt whose answer
 *   comes after all takes a slot back (then, for a moment, one more is answered at once).
 * - Any attempt without a byte for that window gives back its slot of `concurrency`
 *   (keeping its address's): a silence costs this machine a socket, and must not hold
 *   up the other addresses' work; at most 4 × `concurrency` wait so.
 * - When `signal` aborts (the scan's deadline), nothing new starts, attempts in flight
 *   see the same signal and end, and every item not done is reported as skipped.
 * - Items may be added while it runs (`startSchedule`): the scan's sources add their
 *   targets as they find them, and one limit per address holds across all of them.
 */
import { setMaxListeners } from 'node:events';

export interface Attempt {
  /** 1 for the first attempt of an item. */
  number: number;
  /** Give up when no byte came within this many ms (an address not heard yet); undefined: the full timeouts. */
  firstByteTimeoutMs?: number;
  /** Aborted at the deadline: the attempt must end at once. */
  signal: AbortSignal;
  /** Call on the first byte from the server. */
  firstByte(): void;
}

export interface SchedulerOptions<T, R> {
  concurrency: number;
  perAddress: number;
  /** The deadline: when it aborts, what is left is skipped and attempts in flight are cut. */
  signal?: AbortSignal;
  /** Attempts per item for transient failures: 2 means one retry. */
  attempts?: number;
  /** Base backoff before a retry, in ms; doubled per attempt, with jitter. */
  backoffMs?: number;
  /** The first-byte timeout at an address that has not answered yet, ms. */
  shortTimeoutMs: number;
  /** Most attempts at once at an address that has only been silent (default 16). */
  silentParallelism?: number;
  /** Most parked silent waits per address that answers (default 32). */
  parkedPerAddress?: number;
  addressOf(item: T): string;
  run(item: T, attempt: Attempt): Promise<R>;
  /** The server said something: a DNS message, a refused, reset or closed connection. */
  answered(result: R): boolean;
  /** Nothing came back: no connection, or no byte, before the timeout. */
  silent(result: R): boolean;
  /** Worth one more attempt (reset, truncated), asked only of addresses that answered. */
  transient(result: R, item: T): boolean;
  /** Called once per item with its final result and the attempts made. */
  done(item: T, result: R, attempts: number): void | Promise<void>;
  /** Called once per item not finished at the deadline: never started, waiting for a retry, or cut. */
  skipped(item: T, last: R | undefined, attempts: number): void | Promise<void>;
}

/** The least time an answering address's silent attempt holds its slot, ms. */
const MIN_WINDOW_MS = 250;
/** The window is this many times the median first byte seen at the address. */
const WINDOW_FACTOR = 3;
/** The order of addresses is sorted again at least this often, ms. */
const RESORT_MS = 20;
/** First-byte times kept per address. */
const SAMPLES = 32;

interface Pending<T, R> {
  item: T;
  attempt: number;
  /** Added `first`: discovery waits for it, so its address is served before the others. */
  urgent?: boolean;
  last?: R;
  /** Not before this time (ms since the epoch). */
  notBefore: number;
}

/** What the scheduler knows of one address. */
class AddressState<T, R> {
  readonly queue: Pending<T, R>[] = [];
  /** Items whose short attempt was silent, waiting to learn whether the address answers at all. */
  readonly deferred: Pending<T, R>[] = [];
  active = 0;
  parked = 0;
  /** Urgent items in the queue. */
  urgent = 0;
  answered = false;
  /** A full wait ended in silence here: the address drops some queries, and its silent attempts may park. */
  drops = false;
  /** Silent attempts while the address had not answered. */
  silences = 0;
  probed = false;
  /** The last first-byte times seen here, ms (a ring). */
  private readonly firstBytes: number[] = [];
  private nextSample = 0;

  /**
   * Attempts at once: `perAddress` once it answered; before, doubled for every 2 × perAddress
   * silences (a server that drops some zones and answers others is likely to answer
   * before the count grows: what it can see at once is bounded by this limit).
   */
  limit(perAddress: number, silentParallelism: number): number {
    if (this.answered) return perAddress;
    const doublings = Math.min(Math.floor(this.silences / (2 * perAddress)), 8);
    return Math.max(perAddress, Math.min(silentParallelism, perAddress * 2 ** doublings));
  }

  firstByte(ms: number): void {
    this.firstBytes[this.nextSample] = ms;
    this.nextSample = (this.nextSample + 1) % SAMPLES;
  }

  /** How long an attempt holds its slot without a byte: a multiple of the median first byte (a few slow zones are not the rule). */
  window(): number {
    const sorted = [...this.firstBytes].sort((a, b) => a - b);
    const median = sorted.length ? sorted[sorted.length >> 1]! : 0;
    return Math.max(MIN_WINDOW_MS, WINDOW_FACTOR * median);
  }

  idle(): boolean {
    return this.queue.length === 0 && this.active === 0 && this.parked === 0;
  }
}

/** A schedule that takes items while it runs: `done` settles once it is closed and every item is finished. */
export interface Schedule<T> {
  /** Adds items; `first`: ahead of what waits at their addresses (a transfer discovery waits for). */
  add(items: readonly T[], first?: boolean): void;
  /** No more items: `done` settles when the last one finishes. */
  close(): void;
  readonly done: Promise<void>;
}

/** Runs a fixed list of items. */
export async function schedule<T, R>(items: readonly T[], o: SchedulerOptions<T, R>): Promise<void> {
  const s = startSchedule(o);
  s.add(items);
  s.close();
  return s.done;
}

export function startSchedule<T, R>(o: SchedulerOptions<T, R>): Schedule<T> {
  const attempts = o.attempts ?? 2;
  const backoff = o.backoffMs ?? 1000;
  const silentParallelism = o.silentParallelism ?? 16;
  const parkedPerAddress = o.parkedPerAddress ?? 32;
  const parkedInAll = 4 * o.concurrency;
  const signal = o.signal ?? new AbortController().signal;
  // Every attempt in flight listens to it.
  setMaxListeners(0, signal);
  const addresses = new Map<string, AddressState<T, R>>();
  let running = 0;
  let parked = 0;
  /** Attempts past their window without a byte that hold their address's slot only. */
  let waiting = 0;
  let remaining = 0;
  let closed = false;
  /** Addresses with work, in the order they are served; when it was sorted, and whether it must be sorted again. */
  let order: AddressState<T, R>[] = [];
  let sortedAt = 0;
  let resort = true;
  let add: Schedule<T>['add'] = () => {};
  let close: () => void = () => {};

  const done = new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let finished = false;

    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', pump);
      reject(err);
    };
    const finishIfDone = () => {
      if (!finished && closed && remaining === 0) {
        finished = true;
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', pump);
        resolve();
      }
    };

    // An item counts as finished once its callback has finished too.
    const settle = (p: Pending<T, R>, result: R | undefined, skip: boolean, made: number) => {
      const r = skip ? o.skipped(p.item, result, made) : o.done(p.item, result as R, made);
      Promise.resolve(r).then(() => {
        remaining--;
        finishIfDone();
      }, fail);
    };

    const markAnswered = (s: AddressState<T, R>) => {
      if (s.answered) return;
      s.answered = true;
      // Queries it left unanswered for the short timeout while answering others: it drops some.
      if (s.deferred.length > 0) s.drops = true;
      // Its short silences get the full timeout now, before anything else of the address.
      s.queue.unshift(...s.deferred.splice(0).map((p) => ({ item: p.item, attempt: p.attempt + 1, last: p.last, notBefore: 0 })));
      resort = true;
    };

    /** An address that never answered and has nothing left to try: its short silences stand. */
    const closeIfSilent = (s: AddressState<T, R>) => {
      if (s.answered || !s.idle()) return;
      for (const p of s.deferred.splice(0)) settle(p, p.last, false, p.attempt);
    };

    function pump(): void {
      if (finished) return;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      if (signal.aborted) {
        // The deadline: everything not yet started is skipped; attempts in flight end by the signal.
        for (const s of addresses.values()) {
          s.urgent = 0;
          for (const p of s.queue.splice(0)) settle(p, p.last, true, p.attempt - 1);
          for (const p of s.deferred.splice(0)) settle(p, p.last, true, p.attempt);
        }
        finishIfDone();
        return;
      }
      const now = Date.now();
      let soonest = Infinity;
      // Addresses with urgent items first, then the longest queue: ties keep the previous order, so equal
      // addresses take turns. Sorted again when items were added or a moment has passed, not on every
      // event (queues shrink by one at a time, and the order only has to be roughly right).
      if (resort || now - sortedAt >= RESORT_MS) {
        order = [...addresses.values()]
          .filter((s) => s.queue.length > 0)
          .sort((a, b) => Number(b.urgent > 0) - Number(a.urgent > 0) || b.queue.length - a.queue.length);
        sortedAt = now;
        resort = false;
      }
      for (const s of order) {
        if (running >= o.concurrency) break;
        while (s.queue.length > 0 && running < o.concurrency && s.active < s.limit(o.perAddress, silentParallelism)) {
          const head = s.queue[0]!;
          if (head.notBefore > now) {
            soonest = Math.min(soonest, head.notBefore);
            break;
          }
          s.queue.shift();
          if (head.urgent) s.urgent--;
          start(s, head);
        }
      }
      if (soonest !== Infinity && running < o.concurrency) timer = setTimeout(pump, Math.max(1, soonest - now));
      finishIfDone();
    }

    const start = (s: AddressState<T, R>, p: Pending<T, R>) => {
      running++;
      s.active++;
      const began = Date.now();
      // Not heard yet: a probe with the full timeout first, then short attempts.
      const short = !s.answered && s.probed;
      if (!s.answered) s.probed = true;
      let heard = false;
      let isParked = false;
      /** Waiting without a byte past the window: it holds its address's slot, not one of `concurrency`. */
      let isWaiting = false;
      let over = false;
      // After the window without a byte, an attempt gives back its slot of the global limit (a wait
      // costs this machine a socket, nothing more); at an address that answers and has dropped a
      // query before, its address's slot too: it parks. (A probe keeps its address's slot: the address
      // may be slow; an address that never dropped one keeps --per-address exactly.)
      const parkTimer = setTimeout(() => {
        if (heard || over) return;
        if (s.answered && s.drops && s.parked < parkedPerAddress && parked < parkedInAll) {
          isParked = true;
          s.parked++;
          parked++;
          s.active--;
          running--;
        } else if (waiting < parkedInAll) {
          isWaiting = true;
          waiting++;
          running--;
        } else return;
        pump();
      }, s.window());
      const attempt: Attempt = {
        number: p.attempt,
        firstByteTimeoutMs: short ? o.shortTimeoutMs : undefined,
        signal,
        firstByte: () => {
          if (heard || over) return;
          heard = true;
          s.firstByte(Date.now() - began);
          clearTimeout(parkTimer);
          if (isParked) {
            // A late answer: it is a transfer again, and holds a slot.
            isParked = false;
            s.parked--;
            parked--;
            s.active++;
            running++;
          } else if (isWaiting) {
            isWaiting = false;
            waiting--;
            running++;
          }
          markAnswered(s);
        },
      };
      const end = (result: R) => {
        over = true;
        clearTimeout(parkTimer);
        if (isParked) {
          s.parked--;
          parked--;
        } else if (isWaiting) {
          waiting--;
          s.active--;
        } else {
          s.active--;
          running--;
        }
        if (signal.aborted) settle(p, result, true, p.attempt);
        else {
          if (o.answered(result)) markAnswered(s);
          const silent = o.silent(result);
          if (silent && !s.answered) s.silences++;
          if (silent && !short) s.drops = true;
          if (silent && short) {
            if (s.answered) {
              s.queue.unshift({ item: p.item, attempt: p.attempt + 1, last: result, notBefore: 0 });
              resort = true;
            } else s.deferred.push({ ...p, last: result });
          } else if (!silent && s.answered && o.transient(result, p.item) && p.attempt < attempts) {
            const delay = backoff * 2 ** (p.attempt - 1) * (0.5 + Math.random());
            s.queue.push({ item: p.item, attempt: p.attempt + 1, last: result, notBefore: Date.now() + delay });
            resort = true;
          } else settle(p, result, false, p.attempt);
        }
        closeIfSilent(s);
        pump();
      };
      o.run(p.item, attempt).then(end, fail);
    };

    add = (items, first = false) => {
      if (finished) throw new Error('the schedule is finished');
      const byAddress = new Map<AddressState<T, R>, Pending<T, R>[]>();
      for (const item of items) {
        const a = o.addressOf(item);
        let st = addresses.get(a);
        if (!st) addresses.set(a, (st = new AddressState()));
        let list = byAddress.get(st);
        if (!list) byAddress.set(st, (list = []));
        list.push({ item, attempt: 1, notBefore: 0, ...(first ? { urgent: true } : {}) });
      }
      for (const [st, list] of byAddress) {
        if (first) {
          st.queue.unshift(...list);
          st.urgent += list.length;
        } else st.queue.push(...list);
      }
      remaining += items.length;
      resort = true;
      pump();
    };
    close = () => {
      closed = true;
      finishIfDone();
    };
    signal.addEventListener('abort', pump);
  });
  // A failure is the caller's once it awaits `done`; until then it is no unhandled rejection.
  done.catch(() => {});
  return {
    add: (items, first) => add(items, first),
    close: () => close(),
    done,
  };
}

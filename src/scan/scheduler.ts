/**
 * Runs transfers politely and fast (docs/architecture.md §6.3): at most `concurrency` at once in
 * all, at most `perAddress` at once to one address, the address with the most work
 * left served first (so the busiest address, which bounds the scan's length, is never
 * idle while others run), one retry with backoff for transient failures only, and a
 * deadline after which what is left is skipped.
 */

export interface SchedulerOptions<T, R> {
  concurrency: number;
  perAddress: number;
  /** Absolute time (ms since the epoch) after which no new attempt starts. */
  deadline?: number;
  /** Attempts per item for transient failures: 2 means one retry. */
  attempts?: number;
  /** Base backoff before a retry, in ms; doubled per attempt, with jitter. */
  backoffMs?: number;
  addressOf(item: T): string;
  run(item: T, attempt: number): Promise<R>;
  transient(result: R, item: T): boolean;
  /** Called once per item with its final result and the attempts made. */
  done(item: T, result: R, attempts: number): void | Promise<void>;
  /** Called once per item that never started or whose retry was cut by the deadline. */
  skipped(item: T, last: R | undefined, attempts: number): void | Promise<void>;
}

interface Pending<T, R> {
  item: T;
  attempt: number;
  last?: R;
  /** Not before this time (ms since the epoch). */
  notBefore: number;
}

export async function schedule<T, R>(items: readonly T[], o: SchedulerOptions<T, R>): Promise<void> {
  const attempts = o.attempts ?? 2;
  const backoff = o.backoffMs ?? 1000;
  // One queue per address; the address with the most work left is served first.
  const queues = new Map<string, Pending<T, R>[]>();
  for (const item of items) {
    const a = o.addressOf(item);
    let q = queues.get(a);
    if (!q) queues.set(a, (q = []));
    q.push({ item, attempt: 1, notBefore: 0 });
  }
  const active = new Map<string, number>();
  let running = 0;
  let remaining = items.length;

  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let finished = false;

    const finishIfDone = () => {
      if (!finished && remaining === 0) {
        finished = true;
        if (timer) clearTimeout(timer);
        resolve();
      }
    };

    // An item counts as finished once its callback has finished too.
    const settle = (p: Pending<T, R>, result: R | undefined, skip: boolean) => {
      const r = skip ? o.skipped(p.item, result, result === undefined ? p.attempt - 1 : p.attempt) : o.done(p.item, result as R, p.attempt);
      Promise.resolve(r).then(() => {
        remaining--;
        finishIfDone();
      }, reject);
    };

    const pump = () => {
      if (finished) return;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      const now = Date.now();
      if (o.deadline !== undefined && now >= o.deadline) {
        // Past the deadline: everything not yet started is skipped.
        for (const [a, q] of queues) {
          for (const p of q.splice(0)) settle(p, p.last, true);
          queues.delete(a);
        }
        finishIfDone();
        return;
      }
      let soonest = Infinity;
      // Longest queue first: ties keep the previous order, so equal addresses take turns.
      const order = [...queues.entries()].filter(([, q]) => q.length > 0).sort((a, b) => b[1].length - a[1].length);
      for (const [address, q] of order) {
        if (running >= o.concurrency) break;
        while (q.length > 0 && running < o.concurrency && (active.get(address) ?? 0) < o.perAddress) {
          const head = q[0]!;
          if (head.notBefore > now) {
            soonest = Math.min(soonest, head.notBefore);
            break;
          }
          q.shift();
          start(address, head);
        }
      }
      if (soonest !== Infinity && running < o.concurrency) {
        const wait = Math.min(soonest - now, o.deadline !== undefined ? Math.max(0, o.deadline - now) : Infinity);
        timer = setTimeout(pump, Math.max(1, wait));
      }
      finishIfDone();
    };

    const start = (address: string, p: Pending<T, R>) => {
      running++;
      active.set(address, (active.get(address) ?? 0) + 1);
      o.run(p.item, p.attempt).then(
        (result) => {
          running--;
          active.set(address, active.get(address)! - 1);
          if (o.transient(result, p.item) && p.attempt < attempts) {
            const delay = backoff * 2 ** (p.attempt - 1) * (0.5 + Math.random());
            const retry: Pending<T, R> = { item: p.item, attempt: p.attempt + 1, last: result, notBefore: Date.now() + delay };
            if (o.deadline !== undefined && retry.notBefore >= o.deadline) settle(p, result, false);
            else {
              let q = queues.get(address);
              if (!q) queues.set(address, (q = []));
              q.push(retry);
            }
          } else settle(p, result, false);
          pump();
        },
        (err) => {
          finished = true;
          reject(err);
        },
      );
    };

    if (o.deadline !== undefined) {
      const deadlineTimer = setTimeout(pump, Math.max(0, o.deadline - Date.now()));
      deadlineTimer.unref();
    }
    pump();
  });
}

/**
 * One zone transfer over TCP (RFC 5936): the driver around AxfrReceiver
 * (docs/architecture.md §4.1). It connects, sends the query, frames the byte
 * stream into messages for the receiver, and owns what needs a socket or a
 * clock: the timers, the byte limit and the connection's errors. Every failure
 * ends as an Outcome value, and nothing of a failed transfer is kept.
 */
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { CanonicalZone, CanonicalZoneOptions } from '../zone/canonical.js';
import type { ServerAddress } from '../dns/address.js';
import { MessageFramer, frame } from '../dns/framing.js';
import type { Failure, OtherFailure, Transferred } from './outcome.js';
import { DEFAULT_LIMITS, type TransferLimits } from './limits.js';
import { AxfrReceiver, type ReceiverEnd } from './receiver.js';

export interface TransferRequest extends CanonicalZoneOptions {
  /** The zone, wire form. */
  zone: Buffer;
  server: ServerAddress;
  limits?: Partial<TransferLimits>;
  /** Ends the transfer at once (outcome `aborted`): the scan's deadline. */
  signal?: AbortSignal;
  /** Give up when no byte came within this many ms of the start, connection included (a server not heard from yet). */
  firstByteTimeoutMs?: number;
  /** Called once, on the first byte from the server. */
  onFirstByte?: () => void;
}

export type TransferResult = { outcome: Transferred; zone: CanonicalZone } | { outcome: Failure; zone?: undefined };

export function transfer(req: TransferRequest): Promise<TransferResult> {
  const limits = { ...DEFAULT_LIMITS, ...req.limits };
  const receiver = new AxfrReceiver(req.zone, randomInt(0, 0x10000), { ...req, maxRecords: limits.maxRecords });
  const started = Date.now();
  const framer = new MessageFramer();
  let messages = 0;
  let bytes = 0;

  return new Promise<TransferResult>((resolve, reject) => {
    let settled = false;
    const socket = net.connect({ host: req.server.host, port: req.server.port, noDelay: true });

    const stats = () => ({ messages, bytes, durationMs: Date.now() - started });
    /** Ends the transfer once: timers off, and we close the connection (servers keep it open, docs/architecture.md §4.5). */
    const close = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(deadlineTimer);
      clearTimeout(firstByteTimer);
      req.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.destroy();
      return true;
    };
    /** The receiver's end, measured. */
    const finish = (end: ReceiverEnd) => {
      if (!close()) return;
      resolve({ outcome: { ...end.outcome, ...stats() }, zone: end.zone } as TransferResult);
    };
    const fail = (kind: OtherFailure['kind'], detail: string) => {
      receiver.dispose();
      finish({ outcome: { kind, detail } });
    };
    /** A local error, not the server's doing (the sort could not spill to disk): the caller gets it, nothing is kept. */
    const abort = (err: unknown) => {
      if (!close()) return;
      receiver.dispose();
      reject(err);
    };

    const connectTimer = setTimeout(() => fail('timeout', `no connection within ${limits.connectTimeoutMs / 1000} s`), limits.connectTimeoutMs);
    const deadlineTimer = setTimeout(() => fail('timeout', `transfer not complete within the deadline of ${limits.deadlineMs / 1000} s`), limits.deadlineMs);
    const firstByteTimer =
      req.firstByteTimeoutMs === undefined
        ? undefined
        : setTimeout(() => fail('timeout', `no response within ${req.firstByteTimeoutMs! / 1000} s`), req.firstByteTimeoutMs);
    const onAbort = () => {
      const p = receiver.progress;
      fail(
        'aborted',
        p.begun ? `cut after ${Date.now() - started} ms, ${p.records} records received` : `cut after ${Date.now() - started} ms, before the zone began`,
      );
    };
    if (req.signal?.aborted) queueMicrotask(onAbort);
    else req.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('connect', () => {
      clearTimeout(connectTimer);
      socket.setTimeout(limits.idleTimeoutMs);
      socket.write(frame(receiver.query));
    });
    socket.on('timeout', () => fail('timeout', `no data for ${limits.idleTimeoutMs / 1000} s`));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      switch (err.code) {
        case 'ECONNREFUSED':
          return fail('connection-refused', err.message);
        case 'ECONNRESET':
        case 'EPIPE':
          return fail('reset', err.message);
        case 'ETIMEDOUT':
          return fail('timeout', err.message);
        default:
          return fail('unreachable', err.message);
      }
    });
    socket.on('close', () => {
      if (messages === 0 && framer.pending === 0) return fail('truncated', 'connection closed before any response');
      fail('truncated', `connection closed before the closing SOA (after ${messages} messages, ${framer.pending} bytes of an unfinished one)`);
    });

    socket.on('data', (chunk: Buffer) => {
      // An exception thrown here would escape as an uncaught exception, and the promise
      // would never settle: it rejects the transfer instead.
      try {
        if (bytes === 0) {
          clearTimeout(firstByteTimer);
          req.onFirstByte?.();
        }
        bytes += chunk.length;
        if (bytes > limits.maxBytes) return fail('limit', `more than ${limits.maxBytes} bytes`);
        framer.push(chunk);
        for (let msg = framer.next(); msg !== undefined; msg = framer.next()) {
          messages++;
          const end = receiver.receive(msg);
          if (end !== 'more') return finish(end);
        }
      } catch (err) {
        abort(err);
      }
    });
  });
}

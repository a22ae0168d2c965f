/**
 * One zone transfer over TCP (RFC 5936), validated message by message.
 *
 * The loop follows one flag, whether the zone has begun: the first record of the
 * first message must be the zone's SOA, which begins it; after it, records go to the
 * canonical zone until an SOA of the zone with the same serial closes the transfer. Every failure ends as an
 * Outcome value, and nothing of a failed transfer is kept.
 */
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { CanonicalZone, type CanonicalZoneOptions } from '../zone/canonical.js';
import { type ServerAddress } from '../dns/address.js';
import { MessageFramer, frame } from '../dns/framing.js';
import { buildQuery } from '../dns/query.js';
import { MessageDecoder } from '../dns/message.js';
import { isInZone, lowerName, nameToText } from '../dns/name.js';
import { type Failure, type OtherFailure, type Transferred, rcodeKind } from './outcome.js';
import { CLASS_IN, TYPE, rcodeName } from '../dns/types.js';
import { DEFAULT_LIMITS, type TransferLimits } from './limits.js';

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

/** RFC 5936 §2.1: an AXFR query, one question, no OPT record (DESIGN §3). */
export function axfrQuery(zone: Buffer, id: number): Buffer {
  return buildQuery(zone, TYPE.AXFR, id);
}

export function transfer(req: TransferRequest): Promise<TransferResult> {
  const limits = { ...DEFAULT_LIMITS, ...req.limits };
  const zoneName = lowerName(req.zone);
  const id = randomInt(0, 0x10000);
  const query = axfrQuery(zoneName, id);
  // Begun at the first record, the SOA (so most transfers of a scan, refused, make none).
  let zone: CanonicalZone | undefined;
  const started = Date.now();
  const framer = new MessageFramer();
  const decoder = new MessageDecoder();

  let messages = 0;
  let bytes = 0;
  let records = 0;
  let serial = 0;

  return new Promise<TransferResult>((resolve, reject) => {
    let settled = false;
    const socket = net.connect({ host: req.server.host, port: req.server.port, noDelay: true });

    const stats = () => ({ messages, bytes, durationMs: Date.now() - started });
    /** Ends the transfer once: timers off, and we close the connection (servers keep it open, DESIGN §10). */
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
    const finish = (result: TransferResult) => {
      if (!close()) return;
      if (result.outcome.kind !== 'transferred') zone?.dispose();
      resolve(result);
    };
    const fail = (kind: OtherFailure['kind'], detail: string) => finish({ outcome: { kind, detail, ...stats() } });
    /** A local error, not the server's doing (the sort could not spill to disk): the caller gets it, nothing is kept. */
    const abort = (err: unknown) => {
      if (!close()) return;
      zone?.dispose();
      reject(err);
    };

    const connectTimer = setTimeout(() => fail('timeout', `no connection within ${limits.connectTimeoutMs / 1000} s`), limits.connectTimeoutMs);
    const deadlineTimer = setTimeout(() => fail('timeout', `transfer not complete within the deadline of ${limits.deadlineMs / 1000} s`), limits.deadlineMs);
    const firstByteTimer = req.firstByteTimeoutMs === undefined ? undefined
      : setTimeout(() => fail('timeout', `no response within ${req.firstByteTimeoutMs! / 1000} s`), req.firstByteTimeoutMs);
    const onAbort = () => fail('aborted', zone ? `cut after ${Date.now() - started} ms, ${records} records received` : `cut after ${Date.now() - started} ms, before the zone began`);
    if (req.signal?.aborted) queueMicrotask(onAbort);
    else req.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('connect', () => {
      clearTimeout(connectTimer);
      socket.setTimeout(limits.idleTimeoutMs);
      socket.write(frame(query));
    });
    socket.on('timeout', () => fail('timeout', `no data for ${limits.idleTimeoutMs / 1000} s`));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      switch (err.code) {
        case 'ECONNREFUSED': return fail('connection-refused', err.message);
        case 'ECONNRESET':
        case 'EPIPE': return fail('reset', err.message);
        case 'ETIMEDOUT': return fail('timeout', err.message);
        default: return fail('unreachable', err.message);
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
          const result = onMessage(msg);
          if (result) return finish(result);
        }
      } catch (err) {
        abort(err);
      }
    });

    /** Handles one message; returns the result when the transfer has ended. */
    const onMessage = (msg: Buffer): TransferResult | undefined => {
      // The whole message is checked first: a message that cannot be decoded is malformed, whatever its header says.
      const error = decoder.decode(msg);
      if (error !== undefined) return malformed(error);
      const header = decoder.header;
      const questions = decoder.questions;
      // RFC 5936 §2.2: a response to our query, same ID, QR set, opcode QUERY.
      if (header.id !== id) return malformed(`message ID ${header.id}, expected ${id}`);
      if (!header.qr) return malformed('QR bit not set');
      if (header.opcode !== 0) return malformed(`opcode ${header.opcode}, expected QUERY`);
      // RFC 5936 §2.2: any error rcode ends the transfer, in the first message or later.
      if (header.rcode !== 0) {
        const name = rcodeName(header.rcode);
        return { outcome: { kind: rcodeKind(header.rcode), rcode: header.rcode, rcodeName: name, detail: `server answered ${name}`, ...stats() } };
      }
      // RFC 5936 §2.2.1: TC has no meaning over TCP and must not be set.
      if (header.tc) return malformed('TC bit set');
      // RFC 5936 §2.2.1: the question section is a copy of the query's, or empty after the first message.
      if (questions.length > 1) return malformed(`${questions.length} questions`);
      const q = questions[0];
      if (q && (q.type !== TYPE.AXFR || q.class !== CLASS_IN || !lowerName(q.name).equals(zoneName))) {
        return malformed(`question ${nameToText(q.name)} type ${q.type} class ${q.class} does not match the query`);
      }
      const answers = header.ancount;
      if (!zone && answers === 0) return malformed('first response has no records');
      // The answer section: records 0..ancount-1 of the decoder.
      for (let i = 0; i < answers; i++) {
        if (++records > limits.maxRecords) return limit(`more than ${limits.maxRecords} records`);
        const end = onRecord(i);
        if (end) return end;
      }
      return undefined;
    };
    /** Whether record i is the SOA of the zone: type SOA, class IN, owner the zone (case-insensitively). */
    const isZoneSoa = (i: number): boolean =>
      decoder.type[i] === TYPE.SOA && decoder.cls[i] === CLASS_IN &&
      decoder.ownerEnd[i]! - decoder.ownerStart[i]! === zoneName.length && isInZone(decoder.data, zoneName, decoder.ownerStart[i], decoder.ownerEnd[i]);

    const onRecord = (i: number): TransferResult | undefined => {
      const d = decoder;
      if (!zone) {
        // RFC 5936 §2.2: the first record is the zone's SOA.
        const rec = d.record(i);
        if (!isZoneSoa(i)) return malformed(`first record is ${nameToText(rec.owner)} type ${rec.type}, not the SOA of the zone`);
        if (rec.rdata.length < 20) return malformed('SOA RDATA too short');
        serial = rec.rdata.readUInt32BE(rec.rdata.length - 20);
        zone = new CanonicalZone(zoneName, req);
        const admitted = zone.setSoa(rec);
        if (admitted !== 'kept' && typeof admitted === 'object') return malformed(admitted.malformed);
        return undefined;
      }
      if (isZoneSoa(i)) {
        // RFC 5936 §2.2: the transfer ends with the zone's SOA again; anything after it is not ours.
        const rdata = d.record(i).rdata;
        const closing = rdata.length >= 20 ? rdata.readUInt32BE(rdata.length - 20) : -1;
        if (closing !== serial) return malformed(`closing SOA has serial ${closing}, the transfer began with ${serial}`);
        return {
          outcome: { kind: 'transferred', serial, counts: zone.counts, ...stats() },
          zone,
        };
      }
      // Within a message, the same owner range is the same owner (MessageDecoder). The zone
      // itself knows whether its previous record had that owner (not so after the SOA).
      const sameOwner = i > 0 && d.ownerStart[i] === d.ownerStart[i - 1] && d.ownerEnd[i] === d.ownerEnd[i - 1];
      const admitted = zone.addWire(d.data, d.ownerStart[i]!, d.ownerEnd[i]!, d.type[i]!, d.cls[i]!, d.ttl[i]!, d.rdataStart[i]!, d.rdataEnd[i]!, sameOwner);
      if (typeof admitted === 'object') return malformed(admitted.malformed);
      return undefined;
    };

    const malformed = (detail: string): TransferResult => ({ outcome: { kind: 'malformed', detail, ...stats() } });
    const limit = (detail: string): TransferResult => ({ outcome: { kind: 'limit', detail, ...stats() } });
  });
}

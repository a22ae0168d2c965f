/**
 * The protocol of one zone transfer (RFC 5936), without I/O: fed the messages of
 * the response one at a time, it answers `more`, or how the transfer ended
 * (docs/architecture.md §4.1). It reads no clock and touches no socket; the
 * driver (transfer.ts) owns those.
 *
 * It follows one flag, whether the zone has begun: the first record of the first
 * message must be the zone's SOA, which begins it; after it, records go to the
 * canonical zone until an SOA of the zone with the same serial closes the transfer.
 * Nothing of a failed transfer is kept.
 */
import { CanonicalZone, type CanonicalZoneOptions } from '../zone/canonical.js';
import { MessageDecoder } from '../dns/message.js';
import { isInZone, lowerName, nameToText } from '../dns/name.js';
import { buildQuery } from '../dns/query.js';
import { CLASS_IN, TYPE, rcodeName } from '../dns/types.js';
import { type Failure, type OtherFailure, type TransferStats, type Transferred, rcodeKind } from './outcome.js';

/** An outcome as the protocol knows it: the driver adds the messages, bytes and time. */
type Unmeasured<T> = T extends unknown ? Omit<T, keyof TransferStats> : never;

/** How the transfer ended, by the messages alone. */
export type ReceiverEnd = { outcome: Unmeasured<Transferred>; zone: CanonicalZone } | { outcome: Unmeasured<Failure>; zone?: undefined };

export interface ReceiverOptions extends CanonicalZoneOptions {
  /** Records received before the transfer fails as `limit` (architecture §4.3). */
  maxRecords: number;
}

/** RFC 5936 §2.1: an AXFR query, one question, no OPT record. */
export function axfrQuery(zone: Buffer, id: number): Buffer {
  return buildQuery(zone, TYPE.AXFR, id);
}

export class AxfrReceiver {
  /** The zone, lowercased wire form. */
  readonly zoneName: Buffer;
  /** The query to send; answers must carry its ID. */
  readonly query: Buffer;
  private readonly decoder = new MessageDecoder();
  /** Begun at the first record, the SOA (so most transfers of a scan, refused, make none). */
  private zone: CanonicalZone | undefined;
  private serial = 0;
  private records = 0;
  private ended = false;

  /** How far the transfer got, for a caller that cuts it: records received, and whether the zone began. */
  get progress(): { begun: boolean; records: number } {
    return { begun: this.zone !== undefined, records: this.records };
  }

  constructor(
    zone: Buffer,
    private readonly id: number,
    private readonly options: ReceiverOptions,
  ) {
    this.zoneName = lowerName(zone);
    this.query = axfrQuery(this.zoneName, id);
  }

  /**
   * Takes one whole message of the response. Returns 'more' while the transfer
   * goes on; else its end, once. A transferred zone is the caller's to dispose;
   * a failed one is disposed here. May throw only for a local failure (the sort
   * could not write to disk).
   */
  receive(msg: Buffer): 'more' | ReceiverEnd {
    if (this.ended) throw new Error('the transfer has ended');
    const end = this.onMessage(msg);
    if (end === undefined) return 'more';
    this.ended = true;
    if (end.outcome.kind !== 'transferred') this.dispose();
    return end;
  }

  /** Drops what was received (a transfer the driver ends: timeout, closed connection …). */
  dispose(): void {
    this.ended = true;
    this.zone?.dispose();
    this.zone = undefined;
  }

  private onMessage(msg: Buffer): ReceiverEnd | undefined {
    const decoder = this.decoder;
    // The whole message is checked first: a message that cannot be decoded is malformed, whatever its header says.
    const error = decoder.decode(msg);
    if (error !== undefined) return malformed(error);
    const header = decoder.header;
    const questions = decoder.questions;
    // RFC 5936 §2.2: a response to our query, same ID, QR set, opcode QUERY.
    if (header.id !== this.id) return malformed(`message ID ${header.id}, expected ${this.id}`);
    if (!header.qr) return malformed('QR bit not set');
    if (header.opcode !== 0) return malformed(`opcode ${header.opcode}, expected QUERY`);
    // RFC 5936 §2.2: any error rcode ends the transfer, in the first message or later.
    if (header.rcode !== 0) {
      const name = rcodeName(header.rcode);
      return { outcome: { kind: rcodeKind(header.rcode), rcode: header.rcode, rcodeName: name, detail: `server answered ${name}` } };
    }
    // RFC 5936 §2.2.1: TC has no meaning over TCP and must not be set.
    if (header.tc) return malformed('TC bit set');
    // RFC 5936 §2.2.1: the question section is a copy of the query's, or empty after the first message.
    if (questions.length > 1) return malformed(`${questions.length} questions`);
    const q = questions[0];
    if (q && (q.type !== TYPE.AXFR || q.class !== CLASS_IN || !lowerName(q.name).equals(this.zoneName))) {
      return malformed(`question ${nameToText(q.name)} type ${q.type} class ${q.class} does not match the query`);
    }
    const answers = header.ancount;
    if (!this.zone && answers === 0) return malformed('first response has no records');
    // The answer section: records 0..ancount-1 of the decoder.
    for (let i = 0; i < answers; i++) {
      if (++this.records > this.options.maxRecords) return { outcome: { kind: 'limit', detail: `more than ${this.options.maxRecords} records` } };
      const end = this.onRecord(i);
      if (end) return end;
    }
    return undefined;
  }

  /** Whether record i is the SOA of the zone: type SOA, class IN, owner the zone (case-insensitively). */
  private isZoneSoa(i: number): boolean {
    const d = this.decoder;
    return (
      d.type[i] === TYPE.SOA &&
      d.cls[i] === CLASS_IN &&
      d.ownerEnd[i]! - d.ownerStart[i]! === this.zoneName.length &&
      isInZone(d.data, this.zoneName, d.ownerStart[i], d.ownerEnd[i])
    );
  }

  private onRecord(i: number): ReceiverEnd | undefined {
    const d = this.decoder;
    const zone = this.zone;
    if (!zone) {
      // RFC 5936 §2.2: the first record is the zone's SOA.
      const rec = d.record(i);
      if (!this.isZoneSoa(i)) return malformed(`first record is ${nameToText(rec.owner)} type ${rec.type}, not the SOA of the zone`);
      if (rec.rdata.length < 20) return malformed('SOA RDATA too short');
      this.serial = rec.rdata.readUInt32BE(rec.rdata.length - 20);
      this.zone = new CanonicalZone(this.zoneName, this.options);
      const admitted = this.zone.setSoa(rec);
      if (admitted !== 'kept' && typeof admitted === 'object') return malformed(admitted.malformed);
      return undefined;
    }
    if (this.isZoneSoa(i)) {
      // RFC 5936 §2.2: the transfer ends with the zone's SOA again; anything after it is not ours.
      const rdata = d.record(i).rdata;
      const closing = rdata.length >= 20 ? rdata.readUInt32BE(rdata.length - 20) : -1;
      if (closing !== this.serial) return malformed(`closing SOA has serial ${closing}, the transfer began with ${this.serial}`);
      this.zone = undefined;
      return { outcome: { kind: 'transferred', serial: this.serial, counts: zone.counts }, zone };
    }
    // Within a message, the same owner range is the same owner (MessageDecoder). The zone
    // itself knows whether its previous record had that owner (not so after the SOA).
    const sameOwner = i > 0 && d.ownerStart[i] === d.ownerStart[i - 1] && d.ownerEnd[i] === d.ownerEnd[i - 1];
    const admitted = zone.addWire(d.data, d.ownerStart[i]!, d.ownerEnd[i]!, d.type[i]!, d.cls[i]!, d.ttl[i]!, d.rdataStart[i]!, d.rdataEnd[i]!, sameOwner);
    if (typeof admitted === 'object') return malformed(admitted.malformed);
    return undefined;
  }
}

function malformed(detail: string): { outcome: Unmeasured<OtherFailure> } {
  return { outcome: { kind: 'malformed', detail } };
}

/** Queries we send: built with dns-packet where it is exact. */
import dnsPacket from 'dns-packet';
import { nameToText } from './name.js';
import { CLASS_IN, typeName } from './types.js';

/**
 * A query for one question, class IN, no OPT record (RFC 5936 §2.1 for AXFR; our
 * resolver needs no EDNS either, and falls back to TCP on truncation).
 */
export function buildQuery(name: Buffer, type: number, id: number, flags = 0): Buffer {
  const text = nameToText(name);
  const packet = dnsPacket.encode({
    type: 'query',
    id,
    flags,
    questions: [{ type: typeName(type) as dnsPacket.RecordType, class: 'IN', name: text === '.' ? '.' : text.slice(0, -1) }],
  });
  // dns-packet writes labels as UTF-8 split at dots; that is exact only for plain
  // labels. For any other name, write the question ourselves.
  if (packet.length === 12 + name.length + 4 && packet.subarray(12, 12 + name.length).equals(name)) return packet;
  const out = Buffer.alloc(12 + name.length + 4);
  packet.copy(out, 0, 0, 12);
  name.copy(out, 12);
  out.writeUInt16BE(type, 12 + name.length);
  out.writeUInt16BE(CLASS_IN, 14 + name.length);
  return out;
}
